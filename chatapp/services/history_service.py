"""The window's history work on a storage thread: the chat list, full-text search, the ‹ n/m › counters
of the path shown, and the conversation actions (pin, rename, export).

Searching 100,000 messages takes tens of milliseconds, which on the GUI thread would freeze typing
in the search box; an export reads a whole conversation, its images and writes a file. The storage
thread owns its own SQLite connection (WAL lets it read while the turn thread writes) and answers
with signals, queued onto the GUI thread; the GUI thread never waits for it.

Requests are jobs, answers are signals. Lookups (the list, a search, the counters) supersede each
other: only the newest request of a kind is answered — one typed letter by letter runs only the
latest query still waiting, and the counters of a path the window has since left never arrive.
An action (pin, rename, export) ends with exactly one signal: its answer or `failed`, one sentence
for the window to show.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import logging
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.jobs import JobThread
from chatapp.core.storage.history import Branch, HistoryStore, Project
from chatapp.services.i18n import user_message

log = logging.getLogger(__name__)
SHUTDOWN_WAIT_S = 2.0
LIST, SEARCH, BRANCHES = "list", "search", "branches"  # the lookups that supersede their kind's older requests


class _Relay(QObject):
    """Emitted on the storage thread; received queued on the GUI thread."""

    answered = Signal(int, object)  # request id, its result
    failed = Signal(int, object)  # request id, the exception


class HistoryService(QObject):
    conversationsListed = Signal(object)  # list[Conversation]: the chat list, pinned first
    searchFinished = Signal(str, object)  # query, list[SearchHit], best first
    branchesRead = Signal(object)  # dict[str, Branch]: the ‹ n/m › of the path last asked about (read_branches)
    conversationChanged = Signal(object)  # Conversation: pinned, unpinned or renamed
    projectImported = Signal(object)  # Project, with its chats
    exported = Signal(str)  # the file an export was written to
    failed = Signal(str)  # one sentence: a request that did not happen

    def __init__(self, store: HistoryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.store = store  # the storage thread's own connection
        self._thread = JobThread(store, "storage")
        self._ids = itertools.count(1)
        self._latest: dict[str, int] = {}  # per kind of lookup, its newest request
        self._answers: dict[int, Callable[[Any], None]] = {}  # requests waiting for their answer (GUI thread)
        self._relay = _Relay()
        self._relay.answered.connect(self._on_answered)
        self._relay.failed.connect(self._on_failed)

    # ----- lookups ---------------------------------------------------------------------------------------
    def list_conversations(self) -> None:
        self._submit(lambda store: store.conversations(), self.conversationsListed.emit, LIST)

    def search(self, query: str, limit: int = 50, project_id: str | None = None) -> None:
        self._submit(lambda store: store.search(query, limit, project_id),
                     lambda hits: self.searchFinished.emit(query, hits), SEARCH)

    def read_branches(self, message_ids: Sequence[str]) -> None:
        """Where each message of a path sits among its versions, answered by `branchesRead` — unless
        another path is asked about before the answer arrives: then only that one is answered. A message
        deleted meanwhile is left out."""
        ids = tuple(message_ids)

        def read(store: HistoryStore) -> dict[str, Branch]:
            branches = {}
            for message_id in ids:
                with contextlib.suppress(KnownError):  # no such message (any more)
                    branches[message_id] = store.branch(message_id)
            return branches

        self._submit(read, self.branchesRead.emit, BRANCHES)

    # ----- actions ---------------------------------------------------------------------------------------
    def pin(self, conv_id: str, pinned: bool) -> None:
        """Answered by `conversationChanged` or `failed`."""
        self._submit(lambda store: store.update_conversation(conv_id, pinned=pinned), self.conversationChanged.emit)

    def rename(self, conv_id: str, title: str) -> None:
        """Answered by `conversationChanged` or `failed`."""
        title = title.strip() or "Untitled"
        self._submit(lambda store: store.update_conversation(conv_id, title=title), self.conversationChanged.emit)

    def export(self, conv_id: str, fmt: str, path: str) -> None:
        """Write a conversation to `path`, as Markdown (`fmt` "md") or JSON; answered by `exported` or `failed`."""

        def export(store: HistoryStore) -> str:
            text = (store.export_markdown(conv_id) if fmt == "md"
                    else json.dumps(store.export_json(conv_id), indent=2, ensure_ascii=False))
            Path(path).write_text(text, encoding="utf-8")
            return path

        self._submit(export, self.exported.emit)

    def export_project(self, project_id: str, path: str) -> None:
        """Write a project and its chats to `path` as JSON; answered by `exported` or `failed`."""

        def export(store: HistoryStore) -> str:
            Path(path).write_text(json.dumps(store.export_project(project_id), indent=2, ensure_ascii=False),
                                  encoding="utf-8")
            return path

        self._submit(export, self.exported.emit)

    def import_project(self, path: str) -> None:
        """Read a project export from `path` and recreate it with its chats (all or nothing); answered by
        `projectImported` or `failed`."""

        def read(store: HistoryStore) -> Project:
            try:
                data = json.loads(Path(path).read_text(encoding="utf-8"))
            except (OSError, ValueError) as exc:
                raise KnownError(QT_TRANSLATE_NOOP("core", "{file} could not be read as a project export "
                                                   "({reason})."), file=Path(path).name,
                                 reason=getattr(exc, "strerror", None) or exc.__class__.__name__) from None
            return store.import_project(data)

        self._submit(read, self.projectImported.emit)

    # ----- the storage thread ------------------------------------------------------------------------------
    def _submit(self, work: Callable[[HistoryStore], object], answer: Callable[[Any], None], kind: str = "") -> None:
        request = next(self._ids)
        if kind:
            self._answers.pop(self._latest.get(kind, 0), None)  # superseded: the new request answers instead
            self._latest[kind] = request
        self._answers[request] = answer

        def job(store: HistoryStore) -> None:
            if kind and self._latest.get(kind) != request:  # a newer request is queued: it answers instead
                return
            try:
                result = work(store)
            except Exception as exc:  # every request ends with one signal; the GUI thread words it
                if not isinstance(exc, (KnownError, OSError)):
                    log.exception("history request failed")
                self._relay.failed.emit(request, exc)
            else:
                self._relay.answered.emit(request, result)

        self._thread.submit(job)

    @Slot(int, object)
    def _on_answered(self, request: int, result: object) -> None:
        answer = self._answers.pop(request, None)
        if answer is not None:  # not superseded meanwhile
            answer(result)

    @Slot(int, object)
    def _on_failed(self, request: int, exc: Exception) -> None:
        if self._answers.pop(request, None) is None:
            return
        if isinstance(exc, KnownError):
            self.failed.emit(user_message(exc))
        elif isinstance(exc, OSError):  # an export's file
            self.failed.emit(self.tr("Could not write {path}: {reason}.").format(
                path=exc.filename, reason=exc.strerror or exc))
        else:
            self.failed.emit(self.tr("Your chat history could not do that ({reason}); the log has the details.")
                             .format(reason=exc))

    def shutdown(self) -> None:
        """Answer nothing more; let the actions already asked for (a rename, an export) finish, then stop."""
        self._answers.clear()
        self._latest = {kind: -1 for kind in (LIST, SEARCH, BRANCHES)}  # waiting lookups are skipped
        with contextlib.suppress(RuntimeError):
            self._thread.submit(lambda _store: None).wait(SHUTDOWN_WAIT_S)
        self._thread.shutdown(SHUTDOWN_WAIT_S)
        self.store.close()
