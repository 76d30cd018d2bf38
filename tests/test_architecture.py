"""Rules the import linter cannot express, checked on the source."""

from __future__ import annotations

import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "chatapp"


def _sources(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def test_services_use_qtcore_only() -> None:
    offenders = [p.name for p in _sources("services") if re.search(r"PySide6\.Qt(Widgets|Gui)", p.read_text())]
    assert offenders == []


def test_signal_emit_keeps_reference_counts(qapp) -> None:
    """PySide6 6.12.0 drops a reference to True on every emit (pyproject excludes it): a long chat
    then aborts the interpreter with "deallocating True". Fail loudly if an installed version does it."""
    import sys

    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal(int)

    emitter = Emitter()
    emitter.ping.connect(lambda _: None)
    before = sys.getrefcount(True)
    for _ in range(100):
        emitter.ping.emit(1)
    assert sys.getrefcount(True) >= before


def test_core_never_imports_qt() -> None:
    offenders = [p.name for p in _sources("core") if re.search(r"^\s*(from|import) PySide6", p.read_text(), re.M)]
    assert offenders == []
