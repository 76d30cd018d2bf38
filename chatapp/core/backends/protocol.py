"""What the chat front ends (window, terminal, API) need from whatever produces a reply: the local
engine (core/runtime/engine.py) or a model on an OpenAI-compatible server (core/backends/remote.py)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Protocol

from chatapp.core.types import CallDelta, GenerationStats, Message, OutputFormat, SamplingParams, ToolCall, ToolSet


class ChatStream:
    """Iterate for text pieces as they are generated; `stats` is set once iteration ends. With tools,
    the calls the reply makes are `tool_calls` at the end, and `on_call` (when set before iterating)
    hears each call's pieces as they are written."""

    def __init__(self, start: Callable[[ChatStream], Iterator[str]]) -> None:
        self.stats: GenerationStats | None = None
        self.tool_calls: list[ToolCall] = []
        self.on_call: Callable[[CallDelta], None] | None = None
        self._pieces = start(self)  # the generator records its stats on this stream

    def emit_call(self, delta: CallDelta) -> None:
        if self.on_call is not None:
            self.on_call(delta)

    def __iter__(self) -> Iterator[str]:
        return self._pieces

    def text(self) -> str:
        """Consume the whole stream and return the reply."""
        return "".join(self._pieces)


class ChatBackend(Protocol):
    """Streams a reply to a conversation. `cancel` stops a reply started without an event of its own."""

    cancel: threading.Event

    def chat(self, messages: Sequence[Message], params: SamplingParams = ..., cancel: threading.Event | None = None,
             reply_prefix: str = "", stops: Sequence[str] = (), output: OutputFormat | None = None,
             tools: ToolSet | None = None) -> ChatStream:
        """`output`: a shape the reply must take (a JSON schema, any JSON object, a grammar); `tools`:
        what the reply may call (its calls end up in the stream's `tool_calls`)."""
