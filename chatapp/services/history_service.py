"""The window's history lookups — the chat list and full-text search — on a storage thread.

Searching 100,000 messages takes tens of milliseconds, which on the GUI thread would freeze typing
in the search box. The storage thread owns its own SQLite connection (WAL lets it read while the turn
thread writes) and answers with signals, queued onto the GUI thread. Requests supersede each other:
a search typed letter by letter runs only the latest query still waiting.
"""

from __future__ import annotations

import itertools
import logging

from PySide6.QtCore import QObject, Signal, Slot

from chatapp.core.jobs import JobThread
from chatapp.core.storage.history import HistoryStore

log = logging.getLogger(__name__)
SHUTDOWN_WAIT_S = 2.0


class _Relay(QObject):
    """Emitted on the storage thread; received queued on the GUI thread."""

    listed = Signal(int, object)  # request id, list[Conversation]
    searched = Signal(int, str, object)  # request id, query, list[SearchHit]


class HistoryService(QObject):
    conversationsListed = Signal(object)  # list[Conversation]: the chat list, pinned first
    searchFinished = Signal(str, object)  # query, list[SearchHit], best first

    def __init__(self, store: HistoryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store  # the storage thread's own connection
        self._thread = JobThread(store, "storage")
        self._ids = itertools.count(1)
        self._latest_list = self._latest_search = 0
        self._relay = _Relay()
        self._relay.listed.connect(self._on_listed)
        self._relay.searched.connect(self._on_searched)

    def list_conversations(self) -> None:
        request = self._latest_list = next(self._ids)

        def job(store: HistoryStore) -> None:
            if request == self._latest_list:  # a newer request is queued: it answers instead
                self._relay.listed.emit(request, store.conversations())

        self._thread.submit(job)

    def search(self, query: str, limit: int = 50) -> None:
        request = self._latest_search = next(self._ids)

        def job(store: HistoryStore) -> None:
            if request == self._latest_search:
                self._relay.searched.emit(request, query, store.search(query, limit))

        self._thread.submit(job)

    def shutdown(self) -> None:
        self._latest_list = self._latest_search = -1
        self._thread.shutdown(SHUTDOWN_WAIT_S)
        self.store.close()

    @Slot(int, object)
    def _on_listed(self, request: int, conversations: object) -> None:
        if request == self._latest_list:
            self.conversationsListed.emit(conversations)

    @Slot(int, str, object)
    def _on_searched(self, request: int, query: str, hits: object) -> None:
        if request == self._latest_search:
            self.searchFinished.emit(query, hits)
