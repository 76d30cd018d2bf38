"""Hub searches, file listings, downloads and the library, off the GUI thread, reported as signals.

Network calls run on short-lived Python threads; downloads run on the core `DownloadQueue`'s thread.
Signals emitted from those threads reach GUI-thread receivers queued, so widgets update safely.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from chatapp.core.errors import KnownError
from chatapp.core.models import hub
from chatapp.core.models.downloads import DownloadEvent, DownloadQueue
from chatapp.core.models.hub import RemoteModel
from chatapp.core.models.library import LocalModel, delete_model, scan_library
from chatapp.services.i18n import user_message


class ModelService(QObject):
    searchDone = Signal(str, list)  # query, list[RepoSummary]
    filesListed = Signal(str, list)  # repo id, list[RemoteModel]
    failed = Signal(str)  # a message for the user
    downloadEvent = Signal(object)  # DownloadEvent
    libraryChanged = Signal(list)  # list[LocalModel]

    def __init__(self, models_dir: Path, extra_dirs: tuple[Path, ...] = ()) -> None:
        super().__init__()
        self.models_dir = models_dir
        self.extra_dirs = extra_dirs
        self._queue: DownloadQueue | None = None
        self.jobs: dict[int, RemoteModel] = {}

    def _background(self, work: Callable[[], None]) -> None:
        def run() -> None:
            try:
                work()
            except KnownError as exc:
                self.failed.emit(user_message(exc))

        threading.Thread(target=run, daemon=True).start()

    def search(self, query: str) -> None:
        self._background(lambda: self.searchDone.emit(query, hub.search(query)))

    def list_files(self, repo_id: str) -> None:
        self._background(lambda: self.filesListed.emit(repo_id, hub.list_models(repo_id)))

    def download(self, model: RemoteModel) -> int:
        if self._queue is None:
            self._queue = DownloadQueue(self.models_dir, self._on_download_event)
        job = self._queue.enqueue(model)
        self.jobs[job] = model
        return job

    def cancel(self, job_id: int) -> None:
        if self._queue is not None:
            self._queue.cancel(job_id)

    def _on_download_event(self, event: DownloadEvent) -> None:  # on the download thread
        self.downloadEvent.emit(event)
        if event.kind == "done":
            self.refresh_library()

    def refresh_library(self) -> None:
        self._background(lambda: self.libraryChanged.emit(self.scan()))

    def scan(self) -> list[LocalModel]:
        return scan_library([self.models_dir, *self.extra_dirs])

    def delete(self, model: LocalModel) -> None:
        delete_model(model)
        self.refresh_library()

    def shutdown(self) -> None:
        if self._queue is not None:
            self._queue.shutdown()
