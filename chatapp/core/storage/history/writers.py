"""Which open store is writing a `streaming` reply, and whether it is still alive.

Several processes may have the history open (the window, `chatapp chat`, `chatapp history`). Each
open store holds a lock file named by its writer id for as long as it is open, and the OS drops that
lock when the process dies. So a `streaming` reply whose writer's lock is free was cut off by a
crash or kill and becomes `interrupted`; one whose writer is alive is left alone.
"""

from __future__ import annotations

import sqlite3
import uuid
from pathlib import Path

from filelock import FileLock, Timeout

from chatapp.core.storage.history.records import INTERRUPTED, STREAMING


class WriterLock:
    """This store's writer id, held as a lock file beside the database while it is open."""

    def __init__(self, database: Path) -> None:
        self.writer_id = uuid.uuid4().hex
        self._dir = database.with_name(database.name + ".writers")
        self._dir.mkdir(exist_ok=True)
        self._lock = FileLock(self._dir / f"{self.writer_id}.lock")
        self._lock.acquire()

    def alive(self, writer: str) -> bool:
        """Whether the store that wrote `writer` still has the history open (in any process)."""
        if not writer:  # written before writers were recorded
            return False
        if writer == self.writer_id:
            return True
        lock_path = self._dir / f"{writer}.lock"
        if not lock_path.exists():
            return False
        lock = FileLock(lock_path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return True
        lock.release()
        lock_path.unlink(missing_ok=True)
        return False

    def mark_interrupted(self, db: sqlite3.Connection) -> list[str]:
        """Streaming replies whose writer is gone become `interrupted`; returns their ids."""
        rows = db.execute("SELECT id, writer FROM messages WHERE status = ?", (STREAMING,)).fetchall()
        dead = {w for w in {r["writer"] for r in rows} if not self.alive(w)}
        for writer in dead:
            db.execute("UPDATE messages SET status = ? WHERE status = ? AND writer = ?",
                       (INTERRUPTED, STREAMING, writer))
        return [r["id"] for r in rows if r["writer"] in dead]

    def release(self) -> None:
        if self._lock.is_locked:
            self._lock.release()
            (self._dir / f"{self.writer_id}.lock").unlink(missing_ok=True)
