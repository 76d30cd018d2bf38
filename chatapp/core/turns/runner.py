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
from dataclasses import dataclass, replace
from typing import Any

from chatapp.core.backends.protocol import ChatBackend
from chatapp.core.errors import KnownError
from chatapp.core.generation import (
    Candidate,
    Event,
    EventStream,
    GenerationRequest,
    TextDelta,
    ThinkingDelta,
    TokenLogprob,
)
from chatapp.core.storage.history import CANCELLED, COMPLETE, INTERRUPTED, StoredMessage
from chatapp.core.turns.record import HistoryRecord
from chatapp.core.turns.turn import Permission, ToolSource, Turn, TurnOutcome, TurnSink, finish_reason
from chatapp.core.types import (
    CallDelta,
    FinishReason,
    GenerationStats,
    Message,
    ToolCall,
    ToolOutcome,
    ToolSet,
    ToolSpec,
)

# A streaming reply is saved at least this often, so a crash loses at most this much of it.
PARTIAL_SAVE_INTERVAL_S = 1.0


class _Reply:
    """The reply as it grows: its answer and thinking, partial saves, and when the model stopped thinking."""

    def __init__(self, record: HistoryRecord | None, message: StoredMessage | None, prefix: str,
                 prefix_thinking: str, sink: TurnSink) -> None:
        self.record, self.message, self.prefix, self.sink = record, message, prefix, sink
        self.pieces: list[str] = []
        self.tokens: list[tuple[Candidate, ...]] = []  # with the token view: each token's candidates
        self.thoughts: list[str] = [prefix_thinking] if prefix_thinking else []
        self.started = time.monotonic()
        self.thinking_s: float | None = None
        self._last_save = self.started
        self._save_failed = False

    def add(self, event: Event) -> None:
        if isinstance(event, TextDelta):
            if self.thinking_s is None and self.thoughts:
                self.thinking_s = time.monotonic() - self.started
            self.pieces.append(event.text)
            self.sink.text(event.text)
        elif isinstance(event, ThinkingDelta):
            self.thoughts.append(event.text)
            self.sink.thinking(event.text)
        elif isinstance(event, CallDelta):
            self.sink.call(event)
            return
        else:
            if isinstance(event, TokenLogprob) and event.choices:
                self.tokens.append(event.choices)
            return
        if self.record is not None and self.message is not None and not self._save_failed \
                and time.monotonic() - self._last_save >= PARTIAL_SAVE_INTERVAL_S:
            self._last_save = time.monotonic()
            try:
                self.record.save_partial(self.message, self.text, self.thinking)
            except KnownError as exc:  # keep streaming; the reply is still on screen and in memory
                self._save_failed = True
                self.sink.save_failed(exc)

    @property
    def text(self) -> str:
        return self.prefix + "".join(self.pieces)

    @property
    def thinking(self) -> str:
        return "".join(self.thoughts).strip()


def stream_reply(stream: EventStream, add: Callable[[Event], None], cancel: threading.Event) -> GenerationStats | None:
    """Feed the stream's events to `add` until it ends; Ctrl+C cancels and drains it (so the engine
    still records its stats and what sits in the KV cache). Returns the stream's stats."""
    try:
        for event in stream:
            add(event)
    except KeyboardInterrupt:
        cancel.set()
        for event in stream:
            add(event)
    return stream.stats


def run_turn(turn: Turn, backend: ChatBackend, sink: TurnSink, record: HistoryRecord | None = None,
             cancel: threading.Event | None = None, model: str = "",
             interrupt: threading.Event | None = None, tools: ToolSource | None = None,
             permission: Permission | None = None) -> TurnOutcome:
    """Run `turn` on `backend`, reporting to `sink` and saving to `record` (None: not kept).
    `cancel` stops the reply (kept as `cancelled`); `interrupt`, set with it when the app closes,
    keeps it as `interrupted`, to be continued. Raises what the backend raised, after recording how
    the reply ended.

    With `tools`, the turn is a loop: a reply that calls tools is saved with its calls, each call
    runs once `permission` allows it (no permission: none runs) and its result is saved as a `tool`
    message, and the model replies again with the results — up to `turn.max_rounds` rounds, after
    which it is asked to answer without tools, and the reply's stats say the limit was reached."""
    cancel = cancel if cancel is not None else threading.Event()
    conversation = user = message = None
    if record is not None:
        conversation = record.ensure_conversation()
        parent = turn.parent_id
        if turn.user_text is not None:
            user = record.add_user(turn.user_text, parent, turn.user_images)
            parent = user.id
        message = record.reopen(turn.continuing) if turn.continuing is not None else record.open_reply(parent, model)
    sink.opened(conversation, user, message)
    messages = turn.messages()
    extra: dict[str, Any] = {}
    specs = tools.specs() if tools is not None and turn.tool_choice != "none" else ()
    allowed_always: set[str] = set()
    rounds = 0
    prefix, prefix_thinking = turn.reply_prefix, turn.reply_prefix_thinking
    while True:
        limit_reached = bool(specs) and rounds >= turn.max_rounds
        toolset = ToolSet(specs, "auto" if rounds else turn.tool_choice) if specs and not limit_reached else None
        if rounds == 0 and turn.augment is not None:
            messages, extra = _augmented(turn, messages, sink)
        done = _one_reply(turn, backend, sink, record, message, messages, prefix, prefix_thinking, cancel, toolset)
        text, stats, calls = done.text, done.stats, done.tool_calls
        status = COMPLETE
        if finish_reason(stats) == FinishReason.CANCELLED:
            status = INTERRUPTED if interrupt is not None and interrupt.is_set() else CANCELLED
        stats_dict = _stats(turn, done, model, extra if rounds == 0 else {})
        if limit_reached:
            stats_dict["tool_round_limit"] = turn.max_rounds
        final = _finish(record, message, done, status, stats_dict, sink)
        if not calls or tools is None or status != COMPLETE:
            return TurnOutcome(text, stats, status, stats_dict, conversation, user, final, done.thinking)
        sink.reply_finished(final)
        messages = (*messages, Message("assistant", text, tool_calls=calls, thinking=done.thinking))
        parent_id = final.id if final is not None else None
        for call in calls:
            outcome = _run_call(call, {s.name: s for s in specs}.get(call.name), tools, permission,
                                allowed_always, cancel)
            result = _record_result(record, parent_id, call, outcome, sink)
            parent_id = result.id if result is not None else parent_id
            messages = (*messages, Message("tool", outcome.content, tool_call_id=call.id, name=call.name))
        if cancel.is_set():  # Stop while tools ran: what ran is kept; no reply is started
            return TurnOutcome(text, stats, CANCELLED, stats_dict, conversation, user, final, done.thinking)
        rounds += 1
        prefix = prefix_thinking = ""
        message = record.open_reply(parent_id, model) if record is not None else None
        sink.opened(None, None, message)


def _augmented(turn: Turn, messages: tuple[Message, ...], sink: TurnSink
               ) -> tuple[tuple[Message, ...], dict[str, Any]]:
    assert turn.augment is not None
    messages, extra = turn.augment(messages)
    sink.augmented(extra)
    return messages, extra


def _one_reply(turn: Turn, backend: ChatBackend, sink: TurnSink, record: HistoryRecord | None,
               message: StoredMessage | None, messages: tuple[Message, ...], prefix: str, prefix_thinking: str,
               cancel: threading.Event, toolset: ToolSet | None) -> _Done:
    """Stream one reply into `message`; on failure, record what was kept and raise."""
    reply = _Reply(record, message, prefix, prefix_thinking, sink)
    request = GenerationRequest(messages, sampling=turn.params, stops=turn.stops, tools=toolset, output=turn.output,
                                template=turn.template, reply_prefix=prefix, reply_prefix_thinking=prefix_thinking,
                                explain=turn.explain)
    try:
        stream = backend.generate(request, cancel)
        stats = stream_reply(stream, reply.add, cancel)
    except BaseException:
        kept = None
        if record is not None and message is not None:
            kept = message
            with contextlib.suppress(KnownError):  # if even this fails, the row stays `streaming` → interrupted
                kept = record.abandon(message, reply.text, continuing=bool(prefix or prefix_thinking),
                                      thinking=reply.thinking)
        sink.abandoned(kept)
        raise
    return _Done(reply.text, stats, stream.tool_calls, reply.thinking_s, reply.thinking, tuple(reply.tokens))


@dataclass(frozen=True)
class _Done:
    """One reply as it ended: its answer, stats, the calls it made, how long it thought, its thinking."""

    text: str
    stats: GenerationStats | None
    tool_calls: tuple[ToolCall, ...] = ()
    thinking_s: float | None = None
    thinking: str = ""
    tokens: tuple[tuple[Candidate, ...], ...] = ()  # with the token view: how each token was chosen


def _stats(turn: Turn, done: _Done, model: str, extra: dict[str, Any]) -> dict[str, Any]:
    stats_dict: dict[str, Any] = done.stats.to_dict() if done.stats is not None else {}
    if done.stats is not None and model:
        stats_dict["model"] = model
    if done.thinking_s is not None:
        stats_dict["thinking_s"] = round(done.thinking_s, 1)
    if turn.output is not None:
        stats_dict["output"] = turn.output.kind  # the window shows JSON replies formatted
    stats_dict.update(extra)
    return stats_dict


def _finish(record: HistoryRecord | None, message: StoredMessage | None, done: _Done, status: str,
            stats: dict[str, Any], sink: TurnSink) -> StoredMessage | None:
    if record is None or message is None:
        return None
    try:
        return record.finish(message, done.text, status, stats, done.tool_calls, done.thinking, done.tokens)
    except KnownError as exc:  # shown as written; the store keeps its last partial save
        sink.save_failed(exc)
        return replace(message, content=done.text, status=status, stats=stats, tool_calls=done.tool_calls,
                       thinking=done.thinking)


def _run_call(call: ToolCall, spec: ToolSpec | None, tools: ToolSource, permission: Permission | None,
              allowed_always: set[str], cancel: threading.Event) -> ToolOutcome:
    """The call run, once allowed; a refusal or Stop is the result the model is told."""
    if cancel.is_set():
        return ToolOutcome("The user stopped before this call ran.", True, cancelled=True)
    if call.name not in allowed_always:
        decision = permission.decide(call, spec) if permission is not None else "deny"
        if cancel.is_set():
            return ToolOutcome("The user stopped before this call ran.", True, cancelled=True)
        if decision == "deny":
            return ToolOutcome("The user did not allow this call; do not call it again unless they ask.", True,
                               denied=True)
        if decision == "always":
            allowed_always.add(call.name)
    return tools.call(call, cancel)


def _record_result(record: HistoryRecord | None, parent_id: str | None, call: ToolCall, outcome: ToolOutcome,
                   sink: TurnSink) -> StoredMessage | None:
    message = None
    if record is not None:
        try:
            message = record.add_tool_result(parent_id, call, outcome)
        except KnownError as exc:
            sink.save_failed(exc)
    sink.tool_finished(call, outcome, message)
    return message
