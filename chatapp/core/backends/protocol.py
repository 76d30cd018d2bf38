"""What the chat front ends (window, terminal) need from whatever produces a reply: the local model
behind the model router (core/runtime/router.py) or a model on an OpenAI-compatible server
(core/backends/remote.py). Both speak the one generation contract (core/generation.py)."""

from __future__ import annotations

import threading
from typing import Protocol

from chatapp.core.generation import EventStream, GenerationRequest


class ChatBackend(Protocol):
    """Streams the reply a request asks for, as typed events ending with one `Done`; `cancel` stops it
    (within a token locally, between a server's pieces remotely)."""

    def generate(self, request: GenerationRequest, cancel: threading.Event) -> EventStream: ...
