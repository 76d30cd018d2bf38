"""The engine on the model thread, as a `ChatBackend` another thread can stream from.

The window runs its turns on a thread of their own (services/turns.py) so that recording a message,
waiting for a tool's permission or for a remote server never holds up the model thread, which the
API server shares. A reply from the local model is generated as the host's generation in the main
sequence (on the model thread, or beside API requests on a parallel load); its pieces cross back
through a queue, and an error raised there is raised in the reader's thread.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from chatapp.core.backends.protocol import ChatStream
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.templates import ChatTemplate
from chatapp.core.types import CallDelta, GenerationStats, Message, OutputFormat, SamplingParams, ToolCall, ToolSet


@dataclass(frozen=True)
class _End:
    stats: GenerationStats | None
    tool_calls: tuple[ToolCall, ...] = ()


@dataclass(frozen=True)
class _Failed:
    error: BaseException


class HostedEngine:
    """Replies from the host's engine with `template` (None: the model's own, `auto`)."""

    def __init__(self, host: ModelHost, template: ChatTemplate | None = None) -> None:
        self.host = host
        self.template = template
        self.cancel = threading.Event()

    def chat(self, messages: Sequence[Message], params: SamplingParams = SamplingParams(),
             cancel: threading.Event | None = None, reply_prefix: str = "", stops: Sequence[str] = (),
             output: OutputFormat | None = None, tools: ToolSet | None = None) -> ChatStream:
        if cancel is None:
            cancel = self.cancel
            cancel.clear()
        items: queue.Queue[str | CallDelta | _End | _Failed] = queue.Queue()
        messages, stops = tuple(messages), tuple(stops)

        def job(engine: Engine) -> None:
            try:
                with engine.bound(self.template, pooled=False):
                    stream = engine.chat(messages, params, cancel=cancel, reply_prefix=reply_prefix, stops=stops,
                                         output=output, tools=tools)
                    stream.on_call = items.put
                    for piece in stream:
                        items.put(piece)
                items.put(_End(stream.stats, tuple(stream.tool_calls)))
            except BaseException as exc:  # noqa: BLE001 - raised again in the reader's thread
                items.put(_Failed(exc))

        self.host.submit_generation(job, cancel=cancel, on_dropped=lambda: items.put(_End(None)), main=True)
        return ChatStream(lambda stream: _pieces(items, stream))


def _pieces(items: queue.Queue[str | CallDelta | _End | _Failed], stream: ChatStream) -> Iterator[str]:
    while True:
        item = items.get()
        if isinstance(item, _End):
            stream.stats = item.stats
            stream.tool_calls = list(item.tool_calls)
            return
        if isinstance(item, _Failed):
            raise item.error
        if isinstance(item, CallDelta):
            stream.emit_call(item)
            continue
        yield item
