"""What the chat front ends (window, terminal) need from whatever produces a reply: the local engine
(core/engine.py) or a model on an OpenAI-compatible server (core/remote.py)."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol

from chatapp.core.types import Message, SamplingParams

if TYPE_CHECKING:
    from chatapp.core.engine import ChatStream


class ChatBackend(Protocol):
    """Streams a reply to a conversation. `cancel` stops a reply started without an event of its own."""

    cancel: threading.Event

    def chat(self, messages: Sequence[Message], params: SamplingParams = ..., cancel: threading.Event | None = None,
             reply_prefix: str = "", stops: Sequence[str] = ()) -> ChatStream: ...
