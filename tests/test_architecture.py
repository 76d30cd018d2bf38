"""Rules the import linter cannot express, checked on the source."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "chatapp"


def _sources(sub: str) -> list[Path]:
    return sorted((PACKAGE / sub).rglob("*.py"))


def test_services_use_qtcore_only() -> None:
    offenders = [p.name for p in _sources("services") if re.search(r"PySide6\.Qt(Widgets|Gui)", p.read_text())]
    assert offenders == []


def test_the_installed_pyside6_is_not_the_one_that_loses_references() -> None:
    """PySide6 6.12.0 drops a reference to True on every emit (measured on CPython 3.11): a long chat then
    aborts the interpreter with "deallocating True". pyproject excludes it; an environment that has it
    anyway (installed by hand, an old lock file) fails here, on every Python."""
    import PySide6

    assert PySide6.__version__ != "6.12.0"


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="True is immortal from Python 3.12: its count never moves")
def test_signal_emit_keeps_the_reference_count_of_true(qapp) -> None:
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        ping = Signal(int)

    emitter = Emitter()
    emitter.ping.connect(lambda _: None)
    before = sys.getrefcount(True)
    for _ in range(100):
        emitter.ping.emit(1)
    assert sys.getrefcount(True) >= before


def test_signal_emit_keeps_the_reference_count_of_what_it_carries(qapp) -> None:
    """Payloads cross threads by identity (frozen values in `object` signals): an emit must neither leak
    nor drop a reference to them, on any Python."""
    from PySide6.QtCore import QObject, Signal

    class Emitter(QObject):
        carry = Signal(object)

    payload = object()
    received: list[object] = []
    emitter = Emitter()
    emitter.carry.connect(received.append)
    before = sys.getrefcount(payload)
    for _ in range(100):
        emitter.carry.emit(payload)
    assert len(received) == 100 and all(r is payload for r in received)
    received.clear()
    assert sys.getrefcount(payload) == before


def test_core_never_imports_qt() -> None:
    offenders = [p.name for p in _sources("core") if re.search(r"^\s*(from|import) PySide6", p.read_text(), re.M)]
    assert offenders == []
