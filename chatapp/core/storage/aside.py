"""Setting a damaged file aside instead of deleting it: `<name>.unreadable-<time>` next to it, so
nothing the user had is lost and a fresh one can be started. Used for the history and documents
databases (with their WAL files) and for settings.json."""

from __future__ import annotations

import time
from pathlib import Path


def move_aside(path: Path) -> Path:
    """Rename `path` (and its SQLite -wal/-shm files, if any) to `<name>.unreadable-<time>`."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.unreadable-{stamp}")
    n = 1
    while aside.exists():  # twice in one second: keep both
        n += 1
        aside = path.with_name(f"{path.name}.unreadable-{stamp}-{n}")
    path.replace(aside)
    for suffix in ("-wal", "-shm"):
        extra = path.with_name(path.name + suffix)
        if extra.exists():
            extra.replace(aside.with_name(aside.name + suffix))
    return aside


def copy_aside(path: Path, label: str) -> Path:
    """Keep a copy of `path` as `<name>.<label>-<time>` before it is rewritten (the original stays); a
    copy with the same bytes already kept is reused, so reading the same file again adds nothing."""
    import shutil

    content = path.read_bytes()
    for earlier in sorted(path.parent.glob(f"{path.name}.{label}-*")):
        if earlier.read_bytes() == content:
            return earlier
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    shutil.copy2(path, aside)
    return aside
