"""Which model answers a request, and the bridge from the model thread to whoever waits for the events.

Every door names a model in its `GenerationRequest`; the router finds the loaded model that answers to
that name and runs the request on its host, in the main sequence (the window's conversation) or in one
of a parallel load's pool (API requests). Today one model is loaded at a time, so every name reaches
it (llama-server's single-model behaviour); the issue "Your machine's model server" puts several
behind these same calls. What a request chooses — its template, its sequence — travels with it, so
the window's preview and an API request's `auto` never meet.

The events a generation produces on the model thread reach the caller through `start` (callbacks, for
the API's event loop) or `generate` (a blocking stream, for the window's turn thread).
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass
from pathlib import Path

from chatapp.core.errors import QT_TRANSLATE_NOOP, EngineStateError
from chatapp.core.generation import Done, Event, EventStream, GenerationRequest
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.types import LoadOptions, ModelSummary

log = logging.getLogger(__name__)
NO_MODEL = QT_TRANSLATE_NOOP("core", "No model is loaded; load a model first.")


class ModelNotLoaded(EngineStateError):
    """No model can answer: none is loaded or loading."""


def model_id(path: str | Path) -> str:
    """The id a model is known by to clients: its file name without `.gguf`."""
    return Path(path).stem


@dataclass(frozen=True)
class Route:
    """Where a request goes: the model's id (as responses name it) and the host that runs it."""

    model: str
    host: ModelHost
    summary: ModelSummary | None  # None while it loads


class ModelRouter:
    """Model ids → the host of the model that answers them."""

    def __init__(self, host: ModelHost) -> None:
        self.host = host
        self._loading: str | None = None  # the id of the model being loaded

    def load(self, path: str | Path, options: LoadOptions = LoadOptions(),
             progress: Callable[[float], bool] | None = None) -> Future[ModelSummary]:
        """Load `path` on the model thread; requests that come meanwhile wait behind the load instead of
        being refused (`chatapp serve` listens while its model loads)."""
        self._loading = model_id(path)
        return self.host.start_call(lambda engine: self.load_here(engine, path, options, progress))

    def load_here(self, engine: Engine, path: str | Path, options: LoadOptions = LoadOptions(),
                  progress: Callable[[float], bool] | None = None) -> ModelSummary:
        """`load` from a job already on the model thread (the window's loads)."""
        self._loading = model_id(path)
        try:
            return engine.load(path, options, progress=progress)
        finally:
            self._loading = None

    def models(self) -> list[Route]:
        """The models loaded now."""
        summary = self.host.engine.summary  # an immutable value, replaced whole on each load
        return [Route(model_id(summary.path), self.host, summary)] if summary is not None else []

    def resolve(self, model: str = "") -> Route:
        """The model that answers `model` ("" or any name while one model is loaded: that one)."""
        loaded = self.models()
        if loaded:
            return loaded[0]
        loading = self._loading
        if loading is not None:
            return Route(loading, self.host, None)
        raise ModelNotLoaded(NO_MODEL)

    def start(self, request: GenerationRequest, cancel: threading.Event, on_event: Callable[[Event], None],
              on_error: Callable[[BaseException], None], main: bool = False) -> Route:
        """Run `request` on its model; each event goes to `on_event` on the generating thread, ending
        with one `Done` (`Done(None)` when `cancel` was set before it started) — or `on_error` instead.
        `main`: it continues the window's conversation (the main sequence), not an API request."""
        route = self.resolve(request.model)

        def job(engine: Engine) -> None:
            try:
                lease = engine.lease(pooled=not main)
                try:
                    for event in engine.generate(request, cancel, lease):
                        on_event(event)
                finally:
                    lease.release()
            except Exception as exc:  # noqa: BLE001 - handed to the caller, who says it
                on_error(exc)

        route.host.submit_generation(job, cancel=cancel, on_dropped=lambda: on_event(Done(None)), main=main)
        return route

    def count_tokens(self, request: GenerationRequest) -> int:
        """The tokens the model would read for `request` (its whole prompt: template, tools, images),
        counted on the model thread (it waits for generations to end, as any job does)."""
        return self.resolve(request.model).host.call(lambda engine: engine.prompt_tokens(request))

    def generate(self, request: GenerationRequest, cancel: threading.Event, main: bool = False) -> EventStream:
        """`start` as a stream for another thread to read (an error raised there is raised in the reader)."""
        items: queue.Queue[Event | _Failed] = queue.Queue()
        self.start(request, cancel, items.put, lambda exc: items.put(_Failed(exc)), main=main)
        return EventStream(_read(items))


@dataclass(frozen=True)
class _Failed:
    error: BaseException


def _read(items: queue.Queue[Event | _Failed]) -> Iterator[Event]:
    while True:
        item = items.get()
        if isinstance(item, _Failed):
            raise item.error
        yield item
        if isinstance(item, Done):
            return


class RoutedBackend:
    """The router as a `ChatBackend` for the window's turns: replies from the loaded model, in the main
    sequence, generated on the model thread (or beside API requests on a parallel load)."""

    def __init__(self, router: ModelRouter) -> None:
        self.router = router

    def generate(self, request: GenerationRequest, cancel: threading.Event) -> EventStream:
        return self.router.generate(request, cancel, main=True)
