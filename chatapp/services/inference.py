"""The window's side of the model thread: `InferenceWorker` does the window's jobs on the core
`ModelHost` thread (which the API server shares); `InferenceController` is its face on the GUI thread.

Protocol (see docs/ARCHITECTURE.md):
- requests are frozen dataclasses handed to the host as jobs (they cross threads by identity), run in
  order with any API requests;
- the worker emits text in batches (every BATCH_INTERVAL_S) and exactly one terminal signal per
  request, `finished` or `failed`, from a try/finally;
- cancel is a `threading.Event` inside each request, set directly from the GUI thread (a queued
  "stop" slot would only run after the generation loop ended);
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
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject, Signal, Slot

from chatapp.core.backends.protocol import ChatBackend
from chatapp.core.backends.remote import RemoteChat
from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.templates import ChatTemplate
from chatapp.core.types import (
    DEFAULT_SPECULATION,
    FinishReason,
    GenerationStats,
    LoadOptions,
    Message,
    ModelSummary,
    SamplingParams,
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
    template: ChatTemplate | None  # None: auto
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


@dataclass(frozen=True)
class RemoteRequest:
    """Chat with `model` on an OpenAI-compatible server instead of a local file."""

    request_id: int
    url: str
    model: str
    api_key: str = field(default="", repr=False)
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)


# Run on the model thread before a reply or a preview: the messages as the model should see them, and
# what to add to the reply's stats (documents put their excerpts into the last message this way).
Augment = Callable[[tuple[Message, ...]], tuple[tuple[Message, ...], dict[str, Any]]]


@dataclass(frozen=True)
class GenerateRequest:
    request_id: int
    messages: tuple[Message, ...]
    params: SamplingParams
    template: ChatTemplate | None
    reply_prefix: str = ""  # continuing an interrupted reply
    cancel: threading.Event = field(default_factory=threading.Event, compare=False)
    augment: Augment | None = field(default=None, compare=False)


@dataclass(frozen=True)
class PreviewRequest:
    request_id: int
    messages: tuple[Message, ...]
    template: ChatTemplate | None
    augment: Augment | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Preview:
    request_id: int
    text: str
    token_count: int
    template_name: str
    error: str = ""


class InferenceWorker(QObject):
    """The window's jobs; its methods run on the model host's thread, the only one touching the model."""

    loadProgress = Signal(int, float)
    loaded = Signal(int, object)  # request id, ModelSummary
    tokens = Signal(int, str)
    augmented = Signal(int, object)  # request id, stats the augment step added (dict)
    finished = Signal(int, object)  # request id, GenerationStats
    failed = Signal(int, str)  # request id, message for the user
    previewReady = Signal(object)  # Preview
    speculationApplied = Signal(str, str)  # the mode in effect, why not the one asked for ('' if it is)

    def __init__(self, engine: Engine) -> None:
        super().__init__()
        self.engine = engine
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

    @property
    def backend(self) -> ChatBackend:
        return self.remote if self.remote is not None else self.engine

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
        ))

    def load(self, request: LoadRequest) -> None:
        try:
            summary = self.engine.load(
                request.path, request.options, request.template,
                progress=lambda f: self._load_progress(request, f),
            )
        except KnownError as exc:
            self.failed.emit(request.request_id, user_message(exc))
        except Exception as exc:
            log.exception("model load failed")
            self.failed.emit(request.request_id,
                             self.tr("Loading the model failed unexpectedly: {reason}").format(reason=exc))
        else:
            self.remote = None
            self.apply_speculation(*self.speculation)
            self.loaded.emit(request.request_id, summary)

    def _load_progress(self, request: LoadRequest, fraction: float) -> bool:
        self.loadProgress.emit(request.request_id, fraction)
        return not request.cancel.is_set()

    def generate(self, request: GenerateRequest) -> None:
        stats: GenerationStats | None = None
        error: str | None = None
        try:
            if request.cancel.is_set():
                return
            if self.remote is None:
                self.engine.set_template(request.template)
            messages = request.messages
            if request.augment is not None:
                messages, extra = request.augment(messages)
                self.augmented.emit(request.request_id, extra)
            stream = self.backend.chat(
                messages, request.params, cancel=request.cancel, reply_prefix=request.reply_prefix
            )
            pending: list[str] = []
            last_emit = time.monotonic()
            for piece in stream:
                pending.append(piece)
                now = time.monotonic()
                if now - last_emit >= BATCH_INTERVAL_S:
                    self.tokens.emit(request.request_id, "".join(pending))
                    pending.clear()
                    last_emit = now
            if pending:
                self.tokens.emit(request.request_id, "".join(pending))
            stats = stream.stats
        except KnownError as exc:
            error = user_message(exc)
        except Exception as exc:
            log.exception("generation failed")
            error = self.tr("Generation failed unexpectedly: {reason}").format(reason=exc)
        finally:
            if error is not None:
                self.failed.emit(request.request_id, error)
            else:
                self.finished.emit(request.request_id, stats)

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
            template = self.engine.set_template(request.template)
            text = self.engine.render(messages)
            preview = Preview(request.request_id, text, self.engine.count_tokens(text), template.name)
        except KnownError as exc:
            preview = Preview(request.request_id, "", 0, "", user_message(exc))
        self.previewReady.emit(preview)



class InferenceController(QObject):
    """GUI-thread API to the worker. Signals here are always delivered on the GUI thread."""

    loadStarted = Signal(str)
    loadProgress = Signal(float)
    modelLoaded = Signal(object)  # ModelSummary
    modelFailed = Signal(str)
    replyTokens = Signal(int, str)
    replyAugmented = Signal(int, object)  # request id, stats added before the reply (dict)
    replyFinished = Signal(int, object)  # request id, GenerationStats or None (cancelled before start)
    replyFailed = Signal(int, str)
    previewReady = Signal(object)  # Preview
    speculationApplied = Signal(str, str)  # mode in effect, message ('' when it is the one asked for)

    def __init__(self, host: ModelHost | None = None, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self.host = host or ModelHost()
        self._worker = InferenceWorker(self.host.engine)
        self._worker.loadProgress.connect(self._on_load_progress)
        self._worker.loaded.connect(self._on_loaded)
        self._worker.tokens.connect(self._on_tokens)
        self._worker.augmented.connect(self._on_augmented)
        self._worker.finished.connect(self._on_finished)
        self._worker.failed.connect(self._on_failed)
        self._worker.previewReady.connect(self._on_preview)
        self._worker.speculationApplied.connect(self._on_speculation)
        self._load: LoadRequest | RemoteRequest | None = None
        self._generation: GenerateRequest | None = None
        self._preview_id = 0
        self.summary: ModelSummary | None = None

    # ----- requests ----------------------------------------------------------------------------------
    def load_model(self, path: Path, options: LoadOptions, template: ChatTemplate | None) -> None:
        self.cancel()
        if self._load is not None:
            self._load.cancel.set()
        request = LoadRequest(next(self._ids), path, options, template)
        self._load = request
        self.summary = None
        self.loadStarted.emit(str(path))
        self.host.submit(lambda _engine: self._worker.load(request))

    def connect_remote(self, url: str, model: str, api_key: str = "") -> None:
        """Use `model` on the server at `url` for the window's replies (a local model stays loaded for
        the API server). Reported like a load: loadStarted, then modelLoaded or modelFailed."""
        self.cancel()
        if self._load is not None:
            self._load.cancel.set()
        request = RemoteRequest(next(self._ids), url, model, api_key)
        self._load = request
        self.summary = None
        self.loadStarted.emit(self.tr("{model} on {url}").format(model=model, url=url))
        self.host.submit(lambda _engine: self._worker.connect_remote(request))

    def send(
        self, messages: Sequence[Message], params: SamplingParams, template: ChatTemplate | None,
        reply_prefix: str = "", augment: Augment | None = None,
    ) -> int:
        self.cancel()
        request = GenerateRequest(next(self._ids), tuple(messages), params, template, reply_prefix, augment=augment)
        self._generation = request
        self.host.submit(lambda _engine: self._worker.generate(request))
        return request.request_id

    def preview(self, messages: Sequence[Message], template: ChatTemplate | None,
                augment: Augment | None = None) -> None:
        self._preview_id = next(self._ids)
        request = PreviewRequest(self._preview_id, tuple(messages), template, augment)
        self.host.submit(lambda _engine: self._worker.preview(request))

    def set_speculation(self, mode: str, draft_model: str = "") -> None:
        """Speculative decoding for the window's and the API's replies, from now on and after reloads.
        Answered by `speculationApplied` once a model is loaded (a draft model loads first)."""
        self.host.submit(lambda _engine: self._worker.apply_speculation(mode, draft_model))

    def cancel(self) -> None:
        """Stop the current reply within one token (the event is read by the worker per token)."""
        if self._generation is not None:
            self._generation.cancel.set()

    @property
    def generating(self) -> bool:
        return self._generation is not None

    @property
    def loading(self) -> bool:
        return self._load is not None

    def shutdown(self) -> bool:
        """Stop everything and end the model thread; True if it ended within SHUTDOWN_WAIT_S."""
        self.cancel()
        if self._load is not None:
            self._load.cancel.set()
        return self.host.shutdown(SHUTDOWN_WAIT_S)

    # ----- relays (GUI thread) ------------------------------------------------------------------------
    @Slot(int, float)
    def _on_load_progress(self, request_id: int, fraction: float) -> None:
        if self._load is not None and request_id == self._load.request_id:
            self.loadProgress.emit(fraction)

    @Slot(int, object)
    def _on_loaded(self, request_id: int, summary: ModelSummary) -> None:
        if self._load is not None and request_id == self._load.request_id:
            self._load = None
            self.summary = summary
            self.modelLoaded.emit(summary)

    @Slot(int, str)
    def _on_tokens(self, request_id: int, text: str) -> None:
        if self._generation is not None and request_id == self._generation.request_id:
            self.replyTokens.emit(request_id, text)

    @Slot(int, object)
    def _on_augmented(self, request_id: int, extra: dict) -> None:
        if self._generation is not None and request_id == self._generation.request_id:
            self.replyAugmented.emit(request_id, extra)

    @Slot(int, object)
    def _on_finished(self, request_id: int, stats: GenerationStats | None) -> None:
        if self._generation is not None and request_id == self._generation.request_id:
            self._generation = None
            self.replyFinished.emit(request_id, stats)

    @Slot(int, str)
    def _on_failed(self, request_id: int, message: str) -> None:
        if self._load is not None and request_id == self._load.request_id:
            self._load = None
            self.modelFailed.emit(message)
        elif self._generation is not None and request_id == self._generation.request_id:
            self._generation = None
            self.replyFailed.emit(request_id, message)

    @Slot(str, str)
    def _on_speculation(self, mode: str, message: str) -> None:
        self.speculationApplied.emit(mode, message)

    @Slot(object)
    def _on_preview(self, preview: Preview) -> None:
        if preview.request_id == self._preview_id:
            self.previewReady.emit(preview)


def is_cancelled(stats: GenerationStats | None) -> bool:
    return stats is None or stats.finish_reason == FinishReason.CANCELLED
