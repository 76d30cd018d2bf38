"""The window's turns, run by the core turn runner on a thread of their own.

`TurnService` (GUI thread) starts a turn; the runner records the user's message, streams the reply
from the backend (the engine on the model thread, or a server) and saves it, on the turn thread,
through that thread's own history connection. What it reports arrives as signals on the GUI thread:
`opened` with the saved messages, `delta` in batches (every BATCH_INTERVAL_S), then exactly one of
`finished` or `failed`. Stop sets the turn's cancel event directly; closing the window also sets
its interrupt event, so the reply is kept as `interrupted`, ready to be continued.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from PySide6.QtCore import QObject, Signal, Slot

from chatapp.core.backends.protocol import ChatBackend
from chatapp.core.errors import KnownError
from chatapp.core.jobs import JobThread
from chatapp.core.storage.history import Conversation, HistoryStore, StoredMessage
from chatapp.core.turns.record import HistoryRecord, NewConversation
from chatapp.core.turns.runner import run_turn
from chatapp.core.turns.turn import NullSink, Permission, ToolSource, Turn, TurnOutcome
from chatapp.core.types import ToolCall, ToolOutcome
from chatapp.services.i18n import user_message

log = logging.getLogger(__name__)
# Text reaches the window 10 times a second: on 2 cores every repaint is taken from the decode threads
# (measured with bench_gui: 50 ms batches cost ~10% of decode speed on Gemma 3 270M, 100 ms ~4%).
BATCH_INTERVAL_S = 0.1
SHUTDOWN_WAIT_S = 2.0


@dataclass(frozen=True)
class Opened:
    conversation: Conversation | None
    user: StoredMessage | None
    reply: StoredMessage | None


@dataclass(frozen=True)
class Failed:
    message: str  # for the user
    opened: bool  # whether the user's message had been saved before it failed
    reply: StoredMessage | None  # what was kept of the reply (interrupted), None if it was removed


@dataclass(frozen=True)
class _Running:
    turn_id: int
    cancel: threading.Event = field(default_factory=threading.Event)
    interrupt: threading.Event = field(default_factory=threading.Event)


class _Sink(NullSink):
    """Runs on the turn thread: batches text and hands everything to the service's signals."""

    def __init__(self, relay: _Relay, turn_id: int) -> None:
        self.relay, self.turn_id = relay, turn_id
        self.pending: list[str] = []
        self.pending_thinking: list[str] = []
        self.last_emit = time.monotonic()
        self.was_opened = False
        self.kept: StoredMessage | None = None

    def opened(self, conversation: Conversation | None, user: StoredMessage | None,
               reply: StoredMessage | None) -> None:
        self.was_opened = True
        self.relay.opened.emit(self.turn_id, Opened(conversation, user, reply))

    def text(self, piece: str) -> None:
        self.pending.append(piece)
        self._maybe_flush()

    def thinking(self, piece: str) -> None:
        self.pending_thinking.append(piece)
        self._maybe_flush()

    def _maybe_flush(self) -> None:
        now = time.monotonic()
        if now - self.last_emit >= BATCH_INTERVAL_S:
            self.flush()
            self.last_emit = now

    def flush(self) -> None:
        if self.pending or self.pending_thinking:
            self.relay.delta.emit(self.turn_id, "".join(self.pending_thinking), "".join(self.pending))
            self.pending.clear()
            self.pending_thinking.clear()

    def save_failed(self, error: KnownError) -> None:
        self.relay.saveFailed.emit(self.turn_id, user_message(error))

    def reply_finished(self, reply: StoredMessage | None) -> None:
        self.flush()
        if reply is not None:
            self.relay.replyDone.emit(self.turn_id, reply)

    def tool_finished(self, call: ToolCall, outcome: ToolOutcome, message: StoredMessage | None) -> None:
        if message is not None:
            self.relay.toolDone.emit(self.turn_id, message)

    def abandoned(self, reply: StoredMessage | None) -> None:
        self.kept = reply


class _Relay(QObject):
    """Emitted on the turn thread; the service's bound slots receive them queued on the GUI thread."""

    opened = Signal(int, object)  # turn id, Opened
    delta = Signal(int, str, str)  # turn id, more thinking, more answer
    saveFailed = Signal(int, str)
    replyDone = Signal(int, object)  # turn id, StoredMessage: a reply that called tools, done
    toolDone = Signal(int, object)  # turn id, StoredMessage: a call's saved result
    finished = Signal(int, object)  # turn id, TurnOutcome
    failed = Signal(int, object)  # turn id, Failed


class TurnService(QObject):
    """GUI-thread face of the turn thread. Signals carry the turn id `start` returned."""

    opened = Signal(int, object)  # Opened
    delta = Signal(int, str, str)  # more thinking, more answer
    saveFailed = Signal(int, str)
    replyDone = Signal(int, object)  # StoredMessage: a reply that called tools (its results and a reply follow)
    toolDone = Signal(int, object)  # StoredMessage: a tool call's result
    finished = Signal(int, object)  # TurnOutcome
    failed = Signal(int, object)  # Failed

    def __init__(self, store: HistoryStore, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self.store = store  # the turn thread's own connection
        self._thread = JobThread(store, "turns")
        self._relay = _Relay()
        self._relay.opened.connect(self._on_opened)
        self._relay.delta.connect(self._on_delta)
        self._relay.saveFailed.connect(self._on_save_failed)
        self._relay.replyDone.connect(self._on_reply_done)
        self._relay.toolDone.connect(self._on_tool_done)
        self._relay.finished.connect(self._on_finished)
        self._relay.failed.connect(self._on_failed)
        self._running: _Running | None = None

    @property
    def busy(self) -> bool:
        return self._running is not None

    def start(self, turn: Turn, backend: ChatBackend, conversation: Conversation | None,
              new: NewConversation, model: str, tools: ToolSource | None = None,
              permission: Callable[[threading.Event], Permission] | None = None) -> int:
        """Run `turn` in `conversation` (None: a new one, created as `new` says), with `tools` (asking
        `permission`, made for the turn's cancel event, before each call). Returns its id."""
        running = _Running(next(self._ids))
        self._running = running

        def job(store: HistoryStore) -> None:
            sink = _Sink(self._relay, running.turn_id)
            try:
                outcome = run_turn(turn, backend, sink, HistoryRecord(store, conversation, new),
                                   cancel=running.cancel, model=model, interrupt=running.interrupt, tools=tools,
                                   permission=permission(running.cancel) if permission is not None else None)
            except KnownError as exc:
                sink.flush()
                self._relay.failed.emit(running.turn_id, Failed(user_message(exc), sink.was_opened, sink.kept))
            except Exception as exc:
                log.exception("a turn failed")
                sink.flush()
                message = self.tr("Generation failed unexpectedly: {reason}").format(reason=exc)
                self._relay.failed.emit(running.turn_id, Failed(message, sink.was_opened, sink.kept))
            else:
                sink.flush()
                self._relay.finished.emit(running.turn_id, outcome)

        self._thread.submit(job)
        return running.turn_id

    def cancel(self) -> None:
        """Stop the reply within a token (read per token by the engine, or between a server's pieces)."""
        if self._running is not None:
            self._running.cancel.set()

    def shutdown(self) -> bool:
        """Stop the turn in flight, keeping its reply as interrupted; True if the thread ended in time."""
        if self._running is not None:
            self._running.interrupt.set()
            self._running.cancel.set()
        self._running = None
        return self._thread.shutdown(SHUTDOWN_WAIT_S)

    def _current(self, turn_id: int) -> bool:
        return self._running is not None and self._running.turn_id == turn_id

    @Slot(int, object)
    def _on_opened(self, turn_id: int, opened: Opened) -> None:
        if self._current(turn_id):
            self.opened.emit(turn_id, opened)

    @Slot(int, str, str)
    def _on_delta(self, turn_id: int, thinking: str, text: str) -> None:
        if self._current(turn_id):
            self.delta.emit(turn_id, thinking, text)

    @Slot(int, str)
    def _on_save_failed(self, turn_id: int, message: str) -> None:
        if self._current(turn_id):
            self.saveFailed.emit(turn_id, message)

    @Slot(int, object)
    def _on_reply_done(self, turn_id: int, reply: StoredMessage) -> None:
        if self._current(turn_id):
            self.replyDone.emit(turn_id, reply)

    @Slot(int, object)
    def _on_tool_done(self, turn_id: int, message: StoredMessage) -> None:
        if self._current(turn_id):
            self.toolDone.emit(turn_id, message)

    @Slot(int, object)
    def _on_finished(self, turn_id: int, outcome: TurnOutcome) -> None:
        if self._current(turn_id):
            self._running = None
            self.finished.emit(turn_id, outcome)

    @Slot(int, object)
    def _on_failed(self, turn_id: int, failure: Failed) -> None:
        if self._current(turn_id):
            self._running = None
            self.failed.emit(turn_id, failure)
