"""The window's side of the model thread: `InferenceWorker` does the window's model jobs (load,
connect to a server, preview, speculation) on the core `ModelHost` thread, which the API server
shares; `InferenceController` is its face on the GUI thread. Replies are turns (services/turns.py),
which stream from `backend()`: the engine on the host, or the connected server.

Protocol (see docs/ARCHITECTURE.md):
- requests are frozen dataclasses handed to the host as jobs (they cross threads by identity), run in
  order with any API requests; exactly one terminal signal per request;
- cancel is a `threading.Event` inside each request, set directly from the GUI thread;
- the worker's signals are emitted on the host thread; the controller relays them through bound slots
  (queued, so handlers run on the GUI thread) and drops signals for requests that are no longer
  current.
The GUI thread never imports llama_cpp: the engine imports it lazily, on the worker thread, at load.
"""

from __future__ import annotations

import itertools
import json
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal, Slot

from chatapp.core.backends.protocol import ChatBackend
from chatapp.core.backends.remote import RemoteChat
from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.models.catalog import ModelCatalog
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter, RoutedBackend, RouterPolicy
from chatapp.core.turns.turn import Augment
from chatapp.core.types import (
    DEFAULT_SPECULATION,
    ChatTemplate,
    LoadOptions,
    Message,
    ModelSummary,
    OutputFormat,
    Speculation,
)
from chatapp.services.i18n import user_message

log = logging.getLogger(__name__)
BATCH_INTERVAL_S = 0.05
SHUTDOWN_WAIT_S = 2.0


@dataclass(frozen=True)
class LoadRequest:
    request_id: int
    path: Path
    options: LoadOptions
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True)
class RemoteRequest:
    """Chat with `model` on an OpenAI-compatible server instead of a local file."""

    request_id: int
    url: str
    model: str
    api_key: str = field(default="", repr=False)
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True)
class PreviewRequest:
    request_id: int
    messages: tuple[Message, ...]
    template: ChatTemplate | None
    augment: Augment | None = field(default=None, compare=False)
    output: OutputFormat | None = None


@dataclass(frozen=True)
class Preview:
    request_id: int
    text: str
    token_count: int
    template_name: str
    error: str = ""
    output: OutputFormat | None = None  # the shape the reply is held to (its grammar checked), if any


class InferenceWorker(QObject):
    """The window's jobs; its methods run on the model host's thread, the only one touching the model."""

    loadProgress = Signal(int, float)
    loaded = Signal(int, object, object)  # request id, ModelSummary, RemoteChat or None (a local model)
    failed = Signal(int, str)  # request id, message for the user
    previewReady = Signal(object)  # Preview
    speculationApplied = Signal(str, str)  # the mode in effect, why not the one asked for ('' if it is)

    def __init__(self, router: ModelRouter) -> None:
        super().__init__()
        self.router = router
        self.engine = router.host.engine
        self.remote: RemoteChat | None = None  # when set, the window's replies come from a server
        self.speculation: tuple[str, str] = (DEFAULT_SPECULATION, "")  # mode, draft model file: kept across loads

    def apply_speculation(self, mode: str, draft_model: str) -> None:
        """Use this speculative decoding now (if a model is loaded) and after every later load."""
        self.speculation = (mode, draft_model)
        if not self.engine.loaded:
            return
        message = ""
        try:
            self.engine.set_speculation(Speculation(mode), draft_model or None)
        except KnownError as exc:
            message = user_message(exc)
        except Exception as exc:
            log.exception("speculative decoding setup failed")
            message = self.tr("Loading the draft model failed unexpectedly: {reason}").format(reason=exc)
        self.speculationApplied.emit(self.engine.speculation.mode, message)

    def connect_remote(self, request: RemoteRequest) -> None:
        try:
            remote = RemoteChat(request.url, request.model, request.api_key or None)
            remote.check()
        except KnownError as exc:
            self.failed.emit(request.request_id, user_message(exc))
            return
        except Exception as exc:
            log.exception("connecting to a server failed")
            self.failed.emit(request.request_id, self.tr("Connecting to {url} failed unexpectedly: {reason}").format(
                url=request.url, reason=exc))
            return
        self.remote = remote
        self.loaded.emit(request.request_id, ModelSummary(
            path=f"{remote.url}#{remote.model}", name=remote.label, architecture="remote", context_size=0,
            context_train=0, n_threads=0, n_gpu_layers=0, backend="server", template_name="the server's own",
            template_note="the server applies its own chat template",
        ), remote)

    def load(self, request: LoadRequest) -> None:
        try:
            summary = self.router.load_here(self.engine, request.path, request.options,
                                            progress=lambda f: self._load_progress(request, f))
        except KnownError as exc:
            self.failed.emit(request.request_id, user_message(exc))
        except Exception as exc:
            log.exception("model load failed")
            self.failed.emit(request.request_id,
                             self.tr("Loading the model failed unexpectedly: {reason}").format(reason=exc))
        else:
            self.remote = None
            self.apply_speculation(*self.speculation)
            self.loaded.emit(request.request_id, summary, None)

    def _load_progress(self, request: LoadRequest, fraction: float) -> bool:
        self.loadProgress.emit(request.request_id, fraction)
        return not request.cancel.is_set()

    def preview(self, request: PreviewRequest) -> None:
        try:
            messages = request.augment(request.messages)[0] if request.augment is not None else request.messages
            if self.remote is not None:  # the server renders the prompt: show what is sent
                sent = [{"role": m.role, "content": m.content} for m in messages]
                text = json.dumps(sent, ensure_ascii=False, indent=2)
                self.previewReady.emit(Preview(request.request_id, text, 0, "the server's own"))
                return
            if not self.engine.loaded:
                raise KnownError(QT_TRANSLATE_NOOP("core", "Load a model to preview its prompt."))
            template = self.engine.template_for(request.template)
            text = self.engine.render(messages, template)
            if request.output is not None:
                from chatapp.core.runtime.grammar import to_gbnf

                to_gbnf(request.output)  # a schema the grammar cannot hold is said here, before sending
            preview = Preview(request.request_id, self.engine.readable(text), self.engine.count_tokens(text),
                              template.name, output=request.output)
        except KnownError as exc:
            preview = Preview(request.request_id, "", 0, "", user_message(exc))
        self.previewReady.emit(preview)



class InferenceController(QObject):
    """GUI-thread API to the worker. Signals here are always delivered on the GUI thread."""

    loadStarted = Signal(str)
    loadProgress = Signal(float)
    modelLoaded = Signal(object)  # ModelSummary
    modelFailed = Signal(str)
    previewReady = Signal(object)  # Preview
    speculationApplied = Signal(str, str)  # mode in effect, message ('' when it is the one asked for)

    def __init__(self, host: ModelHost | None = None, catalog: ModelCatalog | None = None,
                 policy: RouterPolicy | None = None, parent: QObject | None = None) -> None:
        """`catalog`: the library the API server may load models from beside the window's (none: the API
        answers with the window's model whatever a request names)."""
        super().__init__(parent)
        self._ids = itertools.count(1)
        self.host = host or ModelHost()
        self.router = ModelRouter(self.host, catalog, policy or RouterPolicy())
        self._worker = InferenceWorker(self.router)
        self._worker.loadProgress.connect(self._on_load_progress)
        self._worker.loaded.connect(self._on_loaded)
        self._worker.failed.connect(self._on_failed)
        self._worker.previewReady.connect(self._on_preview)
        self._worker.speculationApplied.connect(self._on_speculation)
        self._load: LoadRequest | RemoteRequest | None = None
        self._preview_id = 0
        self.summary: ModelSummary | None = None
        self.remote: RemoteChat | None = None  # the server the window's replies come from, if any

    # ----- requests ----------------------------------------------------------------------------------
    def load_model(self, path: Path, options: LoadOptions) -> None:
        if self._load is not None:
            self._load.cancel.set()
        request = LoadRequest(next(self._ids), path, options)
        self._load = request
        self.summary = None
        self.loadStarted.emit(str(path))
        self.host.submit(lambda _engine: self._worker.load(request))

    def connect_remote(self, url: str, model: str, api_key: str = "") -> None:
        """Use `model` on the server at `url` for the window's replies (a local model stays loaded for
        the API server). Reported like a load: loadStarted, then modelLoaded or modelFailed."""
        if self._load is not None:
            self._load.cancel.set()
        request = RemoteRequest(next(self._ids), url, model, api_key)
        self._load = request
        self.summary = None
        self.loadStarted.emit(self.tr("{model} on {url}").format(model=model, url=url))
        self.host.submit(lambda _engine: self._worker.connect_remote(request))

    @property
    def sees_images(self) -> bool:
        """The loaded model has a vision projector, or the model is on a server (which decides itself)."""
        return self.summary is not None and (self.summary.sees_images or self.remote is not None)

    @property
    def hears_audio(self) -> bool:
        """The loaded model has an audio projector, or the model is on a server (which decides itself)."""
        return self.summary is not None and (self.summary.hears_audio or self.remote is not None)

    def backend(self) -> ChatBackend:
        """Where the window's next reply comes from: the connected server, or the loaded model (through
        the router, on the model thread)."""
        return self.remote if self.remote is not None else RoutedBackend(self.router)

    def preview(self, messages: Sequence[Message], template: ChatTemplate | None,
                augment: Augment | None = None, output: OutputFormat | None = None) -> None:
        if self.host.stopped:  # the app is closing (a model that finished loading as it did asks for one)
            return
        self._preview_id = next(self._ids)
        request = PreviewRequest(self._preview_id, tuple(messages), template, augment, output)
        self.host.submit(lambda _engine: self._worker.preview(request))

    def set_speculation(self, mode: str, draft_model: str = "") -> None:
        """Speculative decoding for the window's and the API's replies, from now on and after reloads.
        Answered by `speculationApplied` once a model is loaded (a draft model loads first)."""
        self.host.submit(lambda _engine: self._worker.apply_speculation(mode, draft_model))

    @property
    def loading(self) -> bool:
        return self._load is not None

    def shutdown(self) -> bool:
        """Stop everything and end the model thread; True if it ended within SHUTDOWN_WAIT_S."""
        if self._load is not None:
            self._load.cancel.set()
        self.router.shutdown()  # the models the API server loaded (the window's is the host's)
        return self.host.shutdown(SHUTDOWN_WAIT_S)

    # ----- relays (GUI thread) ------------------------------------------------------------------------
    @Slot(int, float)
    def _on_load_progress(self, request_id: int, fraction: float) -> None:
        if self._load is not None and request_id == self._load.request_id:
            self.loadProgress.emit(fraction)

    @Slot(int, object, object)
    def _on_loaded(self, request_id: int, summary: ModelSummary, remote: RemoteChat | None) -> None:
        if self._load is not None and request_id == self._load.request_id:
            self._load = None
            self.summary = summary
            self.remote = remote
            self.modelLoaded.emit(summary)

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if self._load is not None and request_id == self._load.request_id:
            self._load = None
            self.modelFailed.emit(message)

    @Slot(str, str)
    def _on_speculation(self, mode: str, message: str) -> None:
        self.speculationApplied.emit(mode, message)

    @Slot(object)
    def _on_preview(self, preview: Preview) -> None:
        if preview.request_id == self._preview_id:
            self.previewReady.emit(preview)
