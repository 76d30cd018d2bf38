"""Run one turn: record the user's message, stream the reply while saving it, end it in one place.

The terminal (`chatapp chat`), the window (on its turn thread, services/turns.py) and tests call
`run_turn` with their own backend, sink and record; the API server, which keeps no history, uses the
same reply path through `stream_reply`. How a turn can end, each said once here:
- the backend finished: `complete` (or `cancelled` if the caller's event stopped it) with its stats;
- Ctrl+C (KeyboardInterrupt while streaming): cancelled, the stream drained so the engine records
  its stats and KV state;
- the backend failed (a KnownError, a lost server, a bug): nothing written → the placeholder is
  removed, the user's message stays; something written → kept as `interrupted`; the error is raised
  to the caller, who says it.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from chatapp.core import reasoning
from chatapp.core.backends.protocol import ChatBackend, ChatStream
from chatapp.core.errors import KnownError
from chatapp.core.storage.history import CANCELLED, COMPLETE, INTERRUPTED, StoredMessage
from chatapp.core.turns.record import HistoryRecord
from chatapp.core.turns.turn import Turn, TurnOutcome, TurnSink, finish_reason
from chatapp.core.types import FinishReason, GenerationStats

# A streaming reply is saved at least this often, so a crash loses at most this much of it.
PARTIAL_SAVE_INTERVAL_S = 1.0


class _Reply:
    """The reply as it grows: its text, partial saves, and when a reasoning model stopped thinking."""

    def __init__(self, record: HistoryRecord | None, message: StoredMessage | None, prefix: str,
                 sink: TurnSink) -> None:
        self.record, self.message, self.prefix, self.sink = record, message, prefix, sink
        self.pieces: list[str] = []
        self.started = time.monotonic()
        self.thinking_s: float | None = None
        self._last_save = self.started
        self._save_failed = False

    def add(self, piece: str) -> None:
        tail = self.pieces[-1][-len(reasoning.CLOSE):] if self.pieces else ""
        self.pieces.append(piece)
        if self.thinking_s is None and reasoning.CLOSE in tail + piece:
            self.thinking_s = time.monotonic() - self.started
        self.sink.text(piece)
        if self.record is not None and self.message is not None and not self._save_failed \
                and time.monotonic() - self._last_save >= PARTIAL_SAVE_INTERVAL_S:
            self._last_save = time.monotonic()
            try:
                self.record.save_partial(self.message, self.text)
            except KnownError as exc:  # keep streaming; the reply is still on screen and in memory
                self._save_failed = True
                self.sink.save_failed(exc)

    @property
    def text(self) -> str:
        return self.prefix + "".join(self.pieces)


def stream_reply(stream: ChatStream, add: Callable[[str], None], cancel: threading.Event) -> GenerationStats | None:
    """Feed the stream's pieces to `add` until it ends; Ctrl+C cancels and drains it (so the engine
    still records its stats and what sits in the KV cache). Returns the stream's stats."""
    try:
        for piece in stream:
            add(piece)
    except KeyboardInterrupt:
        cancel.set()
        for piece in stream:
            add(piece)
    return stream.stats


def run_turn(turn: Turn, backend: ChatBackend, sink: TurnSink, record: HistoryRecord | None = None,
             cancel: threading.Event | None = None, model: str = "",
             interrupt: threading.Event | None = None) -> TurnOutcome:
    """Run `turn` on `backend`, reporting to `sink` and saving to `record` (None: not kept).
    `cancel` stops the reply (kept as `cancelled`); `interrupt`, set with it when the app closes,
    keeps it as `interrupted`, to be continued. Raises what the backend raised, after recording how
    the reply ended."""
    cancel = cancel if cancel is not None else threading.Event()
    conversation = user = message = None
    if record is not None:
        conversation = record.ensure_conversation()
        parent = turn.parent_id
        if turn.user_text is not None:
            user = record.add_user(turn.user_text, parent)
            parent = user.id
        message = record.reopen(turn.continuing) if turn.continuing is not None else record.open_reply(parent, model)
    sink.opened(conversation, user, message)
    reply = _Reply(record, message, turn.reply_prefix, sink)
    extra: dict[str, Any] = {}
    try:
        messages = turn.messages()
        if turn.augment is not None:
            messages, extra = turn.augment(messages)
            sink.augmented(extra)
        stream = backend.chat(messages, turn.params, cancel=cancel, reply_prefix=turn.reply_prefix, stops=turn.stops,
                              output=turn.output)
        stats = stream_reply(stream, reply.add, cancel)
    except BaseException:
        kept = None
        if record is not None and message is not None:
            kept = message
            with contextlib.suppress(KnownError):  # if even this fails, the row stays `streaming` → interrupted
                kept = record.abandon(message, reply.text, continuing=turn.continuing is not None)
        sink.abandoned(kept)
        raise
    status = COMPLETE
    if finish_reason(stats) == FinishReason.CANCELLED:
        status = INTERRUPTED if interrupt is not None and interrupt.is_set() else CANCELLED
    stats_dict: dict[str, Any] = stats.to_dict() if stats is not None else {}
    if stats is not None and model:
        stats_dict["model"] = model
    if reply.thinking_s is not None:
        stats_dict["thinking_s"] = round(reply.thinking_s, 1)
    if turn.output is not None:
        stats_dict["output"] = turn.output.kind  # the window shows JSON replies formatted
    stats_dict.update(extra)
    final = None
    if record is not None and message is not None:
        try:
            final = record.finish(message, reply.text, status, stats_dict)
        except KnownError as exc:  # shown as written; the store keeps its last partial save
            sink.save_failed(exc)
            final = replace(message, content=reply.text, status=status, stats=stats_dict)
    return TurnOutcome(reply.text, stats, status, stats_dict, conversation, user, final)
