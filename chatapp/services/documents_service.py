"""The window's documents: collections, indexing on a worker thread, folder watching, and the step that
puts excerpts into a reply's prompt.

Indexing runs on its own thread (never the model's or the GUI's), one job at a time; progress reaches
the GUI thread through queued signals at most ten times a second. "Pause" stops the job between two
files or embedding batches; every file finished so far is kept, and "Resume" (any re-scan) goes on.
Folders are watched while the window is open and every collection is re-scanned at start-up; a re-scan
that finds nothing changed reads no file and loads no model.

Retrieval for a reply runs on the model thread as the request's augment step (services/inference.py):
the question is searched in the conversation's collections and the excerpts go into the message the
model sees; the stored message stays as written, and the sources go into the reply's stats.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QFileSystemWatcher, QObject, QTimer, Signal, Slot

from chatapp.core.errors import KnownError
from chatapp.core.storage.paths import AppPaths
from chatapp.core.turns.turn import Augment
from chatapp.services.i18n import user_message

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 0.1
WATCH_DELAY_MS = 2000  # a burst of saves (an editor, a git checkout) becomes one re-scan
MAX_WATCHED = 4000  # inotify watches are a per-user resource (8192 by default on Linux)


class DocumentsService(QObject):
    collectionsChanged = Signal()
    progress = Signal(str, object)  # collection name, IndexProgress
    indexed = Signal(str, object)  # collection name, ScanReport
    failed = Signal(str, str)  # collection name, one sentence
    busyChanged = Signal(bool)

    def __init__(self, paths: AppPaths, parent: QObject | None = None) -> None:
        super().__init__(parent)
        from chatapp.documents.collections import Documents

        self.documents = Documents(paths)
        self._jobs: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._cancel = threading.Event()
        self._running: str | None = None
        self._thread = threading.Thread(target=self._work, name="chatapp-documents", daemon=True)
        self._thread.start()
        self._watcher = QFileSystemWatcher(self)
        self._watcher.directoryChanged.connect(self._on_folder_changed)
        self._watcher.fileChanged.connect(self._on_folder_changed)
        self._pending: set[str] = set()
        self._watch_timer = QTimer(self)
        self._watch_timer.setSingleShot(True)
        self._watch_timer.setInterval(WATCH_DELAY_MS)
        self._watch_timer.timeout.connect(self._rescan_changed)
        self._closed = False
        self._startup = QTimer(self)
        self._startup.setSingleShot(True)
        self._startup.timeout.connect(self._catch_up)
        self.progress.connect(self._note_running)
        self.indexed.connect(self._job_ended)
        self.failed.connect(self._job_ended)

    # ----- what the window asks ----------------------------------------------------------------------
    def start(self, delay_ms: int) -> None:
        """In `delay_ms`: re-scan every collection (files changed while chatapp was closed), then watch
        their folders for as long as the window is open."""
        self._startup.start(delay_ms)

    @Slot()
    def _catch_up(self) -> None:
        if self.documents.store.notice is not None:  # a damaged index was set aside on open: say so once
            self.failed.emit("", user_message(self.documents.store.notice))
        self.rescan_all()
        self.watch()

    def collections(self) -> list[Any]:
        if self._closed:
            return []
        try:
            return self.documents.collections()
        except KnownError as exc:
            self.failed.emit("", user_message(exc))
            return []

    def collection_names(self) -> list[str]:
        if self._closed:
            return []
        try:
            return self.documents.store.names()
        except KnownError as exc:
            self.failed.emit("", user_message(exc))
            return []

    def embedding_models(self) -> list[Path]:
        """The embedding models a new collection can use (the built-in one is always offered too)."""
        from chatapp.documents.collections import available_embedding_models

        return available_embedding_models(self.documents.paths)

    def reading(self, name: str) -> tuple[float | None, str | None]:
        """(share of the collection its embedding model reads as unknown tokens, the model file of an
        unfinished re-index with another model): two one-row queries, fine on the GUI thread. After
        shutdown (an indexing result still queued for the window) there is nothing to read."""
        if self._closed:
            return None, None
        try:
            return self.documents.unreadable_share(name), self.documents.reindexing(name)
        except KnownError:
            return None, None

    @property
    def busy_with(self) -> str | None:
        """The collection being indexed now, if any."""
        return self._running

    def add(self, name: str, roots: Sequence[Path], embedding_model: str | None = None) -> None:
        self._submit(name, lambda cancel, progress: self.documents.add(name, roots, embedding_model, cancel, progress))

    def rescan(self, name: str) -> None:
        self._submit(name, lambda cancel, progress: self.documents.rescan(name, cancel, progress))

    def rescan_all(self) -> None:
        for name in self.collection_names():
            self.rescan(name)

    def pause(self) -> None:
        """Stop the indexing job in progress (what is indexed stays) and drop the queued ones."""
        self._cancel.set()
        while not self._jobs.empty():
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break

    def remove(self, name: str) -> None:
        try:
            self.documents.remove(name)
        except KnownError as exc:
            self.failed.emit(name, user_message(exc))
        self.watch()
        self.collectionsChanged.emit()

    def watch(self) -> None:
        """Watch every folder (new, deleted, renamed files) and every document (edits in place) of every
        collection, up to MAX_WATCHED paths; beyond that, changes are found by Re-scan or the next start."""
        paths: list[str] = []
        for _name, root in self._roots():
            paths.extend(_watchable(Path(root), MAX_WATCHED - len(paths)))
        watched = self._watcher.directories() + self._watcher.files()
        if watched:
            self._watcher.removePaths(watched)
        if paths:
            self._watcher.addPaths(paths)

    def _roots(self) -> list[tuple[str, str]]:
        return [] if self._closed else self.documents.store.roots()

    def shutdown(self) -> None:
        self._closed = True
        self._startup.stop()
        self._watch_timer.stop()
        self.pause()
        self._jobs.put(None)
        self._thread.join(timeout=5)
        self.documents.close()

    # ----- the augment step for replies (runs on the model thread) --------------------------------------
    def augmenter(self, names: Sequence[str], top: int = 5) -> Augment:
        """The augment step that puts excerpts from `names` into a reply (run on the model thread)."""
        from chatapp.documents.prompting import excerpts_augment

        return excerpts_augment(self.documents, names, top)

    # ----- the worker --------------------------------------------------------------------------------
    def _submit(self, name: str, job: Callable[[threading.Event, Callable[[Any], None]], Any]) -> None:
        if self._closed:
            return
        def run() -> None:
            self._cancel.clear()
            last = [0.0]

            def progress(p: Any) -> None:
                now = time.monotonic()
                if now - last[0] >= PROGRESS_INTERVAL_S or p.files_done >= p.files_total:
                    last[0] = now
                    self.progress.emit(name, p)

            try:
                report = job(self._cancel, progress)
            except KnownError as exc:
                self.failed.emit(name, user_message(exc))
            except Exception as exc:
                log.exception("indexing %s failed", name)
                self.failed.emit(name, self.tr("Indexing {name} failed unexpectedly: {reason}").format(
                    name=name, reason=exc))
            else:
                self.indexed.emit(name, report)

        self._jobs.put(run)

    def _work(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job()

    @Slot(str, object)
    def _note_running(self, name: str, progress: Any) -> None:
        running = name if progress.files_done < progress.files_total else None
        if running != self._running:
            self._running = running
            self.busyChanged.emit(running is not None)

    @Slot(str, object)
    def _job_ended(self, _name: str, _outcome: object) -> None:
        if self._running is not None:
            self._running = None
            self.busyChanged.emit(False)
        self.collectionsChanged.emit()

    @Slot(str)
    def _on_folder_changed(self, path: str) -> None:
        changed = Path(path)
        for name, root in self._roots():
            if changed == Path(root) or Path(root) in changed.parents:
                self._pending.add(name)
        self._watch_timer.start()

    @Slot()
    def _rescan_changed(self) -> None:
        for name in sorted(self._pending):
            self.rescan(name)
        self._pending.clear()
        self.watch()  # new sub-folders


def _watchable(root: Path, limit: int) -> list[str]:
    """The folders under `root` and the documents in them (what the indexer would read)."""
    from chatapp.documents.indexer import folders_under
    from chatapp.documents.readers import kind_of

    if limit <= 0:
        return []
    if root.is_file():
        return [str(root)]
    found: list[str] = []
    for folder, files in folders_under(root):
        found.append(str(folder))
        found.extend(str(f) for f in files if kind_of(f))
        if len(found) >= limit:
            return found[:limit]
    return found
