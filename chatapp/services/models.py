"""Searches, file listings, downloads and the library, off the GUI thread, reported as signals.

Network calls run on short-lived Python threads; downloads run on the core `DownloadQueue`'s thread.
Signals emitted from those threads reach GUI-thread receivers queued, so widgets update safely.

This service owns the model source the window uses (Hugging Face, a mirror, ModelScope): Settings →
Downloads and the model manager's suggestion both change it here, and `sourceChanged` tells the rest
(and the settings file). A search or listing that has not answered after `slow_after_s` seconds, or
cannot reach its source at all, is reported (`sourceSlow`) so the window can offer another source.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Signal

from chatapp.core.errors import KnownError
from chatapp.core.models.downloads import DownloadEvent, DownloadQueue
from chatapp.core.models.library import LocalModel, delete_model, scan_library
from chatapp.core.models.remote import RemoteModel, SourceUnreachable
from chatapp.core.models.sources import HUGGING_FACE, ModelSource, SourceClient, client_for
from chatapp.services.i18n import user_message


class ModelService(QObject):
    searchDone = Signal(str, list)  # query, list[RepoSummary]
    filesListed = Signal(str, list)  # repo id, list[RemoteModel]
    failed = Signal(str)  # a message for the user
    downloadEvent = Signal(object)  # DownloadEvent
    libraryChanged = Signal(list)  # list[LocalModel]
    sourceChanged = Signal(object)  # ModelSource: the user chose where models come from
    sourceSlow = Signal(object)  # ModelSource that did not answer in time, or could not be reached

    def __init__(self, models_dir: Path, extra_dirs: tuple[Path, ...] = (), source: ModelSource = HUGGING_FACE,
                 source_chosen: bool = True) -> None:
        super().__init__()
        self.models_dir = models_dir
        self.extra_dirs = extra_dirs
        self.client: SourceClient = client_for(source)
        self.source_chosen = source_chosen  # False: never chosen, the window may suggest one
        self.suggest_on_first_use = False  # set where huggingface.co is likely out of reach (a Chinese locale)
        self.slow_after_s = 5.0
        self._queue: DownloadQueue | None = None
        self.jobs: dict[int, RemoteModel] = {}

    @property
    def source(self) -> ModelSource:
        return self.client.source

    def set_source(self, source: ModelSource) -> None:
        """Search and list from `source` from now on (downloads keep the source they were listed from)."""
        changed = source != self.client.source or not self.source_chosen
        self.client = client_for(source)
        self.source_chosen = True
        if changed:
            self.sourceChanged.emit(source)

    def _background(self, work: Callable[[], None]) -> None:
        def run() -> None:
            try:
                work()
            except KnownError as exc:
                self.failed.emit(user_message(exc))

        threading.Thread(target=run, daemon=True).start()

    def _ask_source(self, work: Callable[[SourceClient], None]) -> None:
        """Run `work` with the current source's client in the background; report it (`sourceSlow`) if it
        has not answered after `slow_after_s`, or cannot be reached."""
        client = self.client
        answered = threading.Event()

        def slow() -> None:
            if not answered.is_set():
                self.sourceSlow.emit(client.source)

        def run() -> None:
            timer = threading.Timer(self.slow_after_s, slow)
            timer.daemon = True
            timer.start()
            try:
                work(client)
            except SourceUnreachable:
                self.sourceSlow.emit(client.source)
                raise
            finally:
                answered.set()
                timer.cancel()

        self._background(run)

    def search(self, query: str) -> None:
        self._ask_source(lambda client: self.searchDone.emit(query, client.search(query)))

    def list_files(self, repo_id: str) -> None:
        self._ask_source(lambda client: self.filesListed.emit(repo_id, client.list_models(repo_id)))

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
