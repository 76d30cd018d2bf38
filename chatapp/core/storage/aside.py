"""Setting a damaged file aside instead of deleting it: `<name>.unreadable-<time>` next to it, so
nothing the user had is lost and a fresh one can be started. Used for the history and documents
databases (with their WAL files) and for settings.json."""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

# SQLITE_ERROR (a table of another shape), SQLITE_CORRUPT, SQLITE_NOTADB: the file is not a database we
# can use. Anything else (locked, permissions, a full disk) is a problem to report, not a file to move.
_DAMAGED = frozenset({1, 11, 26})


def is_damaged(error: sqlite3.DatabaseError) -> bool:
    """Whether opening a database failed because of the file itself (so setting it aside is right)."""
    return getattr(error, "sqlite_errorcode", None) in _DAMAGED


def _free_name(path: Path, label: str) -> Path:
    """`<name>.<label>-<time>`, with a counter when one was set aside in the same second (both kept)."""
    stamp = time.strftime("%Y%m%d-%H%M%S")
    aside = path.with_name(f"{path.name}.{label}-{stamp}")
    n = 1
    while aside.exists():
        n += 1
        aside = path.with_name(f"{path.name}.{label}-{stamp}-{n}")
    return aside


def move_aside(path: Path) -> Path:
    """Rename `path` (and its SQLite -wal/-shm files, if any) to `<name>.unreadable-<time>`."""
    aside = _free_name(path, "unreadable")
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
    aside = _free_name(path, label)
    shutil.copy2(path, aside)
    return aside
