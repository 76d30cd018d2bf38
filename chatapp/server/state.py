"""What the API's endpoints share from their owner (`chatapp serve` or the window): the model router,
the embedding model, and a hook counting requests (the window's status bar shows it)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from starlette.requests import Request

from chatapp.core.generation import GenerationRequest
from chatapp.core.runtime.router import ModelRouter
from chatapp.documents.embedder import Embedder
from chatapp.server.errors import from_generation
from chatapp.server.response_store import ResponseStore
from chatapp.server.runs import GenerationRun


@dataclass
class ServerState:
    router: ModelRouter
    on_request: Callable[[], None] | None = None
    embedder: Embedder | None = None  # serves /v1/embeddings when set
    responses: ResponseStore = field(default_factory=ResponseStore)  # the Responses API's recent answers

    def context_size(self, model: str) -> int | None:
        """The context of the model `model` names, for early refusals (None: not loaded, or not known)."""
        return self.router.context_size(model)

    def start(self, request: GenerationRequest) -> GenerationRun:
        """Start generating on the event loop's thread (raises the ApiError for a model that cannot answer)."""
        return GenerationRun(self.router, request)

    def count_tokens(self, request: GenerationRequest) -> int:
        """The tokens the model reads for `request` (blocking: call it on a worker thread); a failure is the
        ApiError a generation's would be."""
        try:
            return self.router.count_tokens(request)
        except Exception as exc:  # noqa: BLE001 - said to the client in one sentence, or as a bug in the log
            raise from_generation(exc) from None


def server_state(request: Request) -> ServerState:
    """The app's state, the request counted."""
    state: ServerState = request.app.state.chatapp
    if state.on_request is not None:
        state.on_request()
    return state
