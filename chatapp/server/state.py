"""What the API's endpoints share from their owner (`chatapp serve` or the window): the model router,
the embedding model, the speech models, and a hook counting requests (the window's status bar shows it). Dialects reach
the models only through here: what can be named, what is loaded, unloading one."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from starlette.requests import Request

from chatapp.core.errors import EngineStateError
from chatapp.core.generation import GenerationRequest
from chatapp.core.models.catalog import ModelFacts
from chatapp.core.models.memory import DEFAULT_MAX_CONTEXT
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.types import LoadedModel
from chatapp.documents.embedder import Embedder
from chatapp.server.errors import ApiError, from_generation
from chatapp.server.response_store import ResponseStore
from chatapp.server.runs import GenerationRun
from chatapp.voice.engines import VoiceEngines


@dataclass(frozen=True)
class ListedModel:
    """A model a request may name, as `/v1/models` lists it."""

    id: str
    created: int  # its file's modification time (Unix seconds)
    facts: ModelFacts | None  # None: the header could not be read (never listed) or it is not a file here
    loaded: LoadedModel | None
    context_length: int  # what a request gets: the loaded context, or the one it would be loaded with


@dataclass
class ServerState:
    router: ModelRouter
    on_request: Callable[[], None] | None = None
    embedder: Embedder | None = None  # serves /v1/embeddings when set
    voice: VoiceEngines | None = None  # serves /v1/audio/transcriptions and /v1/audio/speech when set
    responses: ResponseStore = field(default_factory=ResponseStore)  # the Responses API's recent answers

    def context_size(self, model: str) -> int | None:
        """The context of the model `model` names, for early refusals (None: not loaded, or not known)."""
        return self.router.context_size(model)

    def list_models(self) -> list[ListedModel]:
        """Every model a request may name — loaded ones first, then the library's — with the facts a client
        picks by (blocking: headers are read, once per file; call it on a worker thread). A file whose
        header cannot be read is left out: a client would only pick it to be told so."""
        catalog = self.router.catalog
        entries = catalog.entries() if catalog is not None else []
        listed: dict[str, ListedModel] = {}
        for model in self.router.loaded():
            if model.summary is None:  # still loading
                continue
            path = Path(model.summary.path)
            facts = catalog.facts_of(path) if catalog is not None and path.is_file() else None
            listed[model.model] = ListedModel(model.model, _created(path), facts, model, model.summary.context_size)
        for entry in entries:
            if entry.id in listed:
                continue
            facts = catalog.facts(entry) if catalog is not None else None
            if facts is not None and not facts.problem:
                context = min(facts.context_length, self.router.policy.options.n_ctx or DEFAULT_MAX_CONTEXT)
                listed[entry.id] = ListedModel(entry.id, _created(entry.path), facts, None, context)
        return list(listed.values())

    def loaded_models(self) -> list[LoadedModel]:
        """The models in memory, for whom, and until when."""
        return self.router.loaded()

    def unload(self, model: str) -> str:
        """Unload the model `model` names once its requests end; its id. The window's own model is the
        window's to unload (409); a model that is not loaded is 404."""
        try:
            unloaded = self.router.unload(model)
        except EngineStateError as exc:
            raise ApiError(409, str(exc), code="model_in_use", param="model") from None
        if unloaded is None:
            raise ApiError(404, f"No model named '{model[:100]}' is loaded.", code="model_not_found", param="model")
        return unloaded

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


def _created(path: Path) -> int:
    try:
        return int(path.stat().st_mtime)
    except OSError:
        return 0


def server_state(request: Request) -> ServerState:
    """The app's state, the request counted."""
    state: ServerState = request.app.state.chatapp
    if state.on_request is not None:
        state.on_request()
    return state
