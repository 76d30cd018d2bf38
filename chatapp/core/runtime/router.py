"""Which model answers a request: the model router, and the bridge from a model's thread to whoever waits.

Every door names a model in its `GenerationRequest`. A router made with a `ModelCatalog` (`chatapp serve`,
the window's API server) serves the library: a name the catalog knows is loaded on request, on a model
host of its own (its own thread, its own parallel sequences, so one model's long reply never holds
another's request); several stay loaded up to `RouterPolicy.max_models` or what memory holds, the least
recently used idle one unloaded first to make room (never one that is generating), and a model nobody
asked for in `idle_unload` seconds (or a request's `keep_alive`) is unloaded. A name the catalog does not
know is `ModelNotFound`, never a file opened. Requests that come while their model loads wait behind the
load on its thread; a client that hangs up meanwhile drops its own request, never the load.

The `host` a router is made with is the window's (or a test's) own model: it answers its model's name,
every name when there is no catalog (llama-server's single-model behaviour), and is never unloaded here.

What a request chooses — its template, its sequence — travels with it, so the window's preview and an
API request's `auto` never meet. The events a generation produces reach the caller through `start`
(callbacks, for the API's event loop) or `generate` (a blocking stream, for the window's turn thread).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field, replace
from pathlib import Path

from chatapp.core.errors import QT_TRANSLATE_NOOP, EngineStateError, KnownError
from chatapp.core.generation import Done, Event, EventStream, GenerationRequest
from chatapp.core.models import memory
from chatapp.core.models.catalog import CatalogEntry, ModelCatalog, model_id
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.types import LoadedModel, LoadOptions, ModelSummary

log = logging.getLogger(__name__)
NO_MODEL = QT_TRANSLATE_NOOP("core", "No model is loaded; load a model first.")
REAP_EVERY_S = 0.5  # how often idle models are looked for

__all__ = ["LoadedModel", "ModelLoadFailed", "ModelNotFound", "ModelNotLoaded", "ModelRouter", "Route", "RoutedBackend",
           "RouterPolicy", "model_id"]


class ModelNotLoaded(EngineStateError):
    """No model can answer: none is loaded or loading."""


class ModelNotFound(KnownError):
    """A request named a model that is neither loaded nor in the library."""

    def __init__(self, model: str, known: list[str]) -> None:
        if not model:
            text = QT_TRANSLATE_NOOP("core", "Name a model: this server has several ({known}).")
        elif known:
            text = QT_TRANSLATE_NOOP("core", "There is no model '{model}' here; models here include {known}.")
        else:
            text = QT_TRANSLATE_NOOP("core", "There is no model '{model}' here, and the library is empty.")
        super().__init__(text, model=model[:100], known=", ".join(known))
        self.model = model


class ModelLoadFailed(KnownError):
    """A library model could not be loaded (a damaged file, too little memory): one sentence, remembered for
    that version of the file so that a client's retries do not load it again."""

    def __init__(self, model: str, reason: BaseException) -> None:
        if isinstance(reason, KnownError):
            super().__init__(QT_TRANSLATE_NOOP("core", "{model} could not be loaded: {reason}"), model=model,
                             reason=str(reason))
        else:
            super().__init__(QT_TRANSLATE_NOOP("core", "{model} could not be loaded; the log has the details."),
                             model=model)
        self.model = model


@dataclass(frozen=True)
class RouterPolicy:
    """How a library server keeps models: `max_models` loaded on request at once (None: as many as memory
    holds by the estimate), unloaded after `idle_unload` seconds unused (None: never), loaded with
    `options`."""

    max_models: int | None = None
    idle_unload: float | None = 15 * 60.0
    options: LoadOptions = LoadOptions()


@dataclass(frozen=True)
class Route:
    """Where a request goes: the model's id (as responses name it) and the host that runs it."""

    model: str
    host: ModelHost
    summary: ModelSummary | None  # None while it loads


@dataclass(eq=False)
class _Slot:
    """A model loaded (or loading) on request."""

    id: str
    path: Path
    host: ModelHost
    summary: ModelSummary | None = None
    failure: BaseException | None = None
    active: int = 0
    last_used: float = field(default_factory=time.monotonic)
    keep_alive: float | None = None  # a request's own, in seconds (< 0: forever); None: the policy's
    memory: int = 0


class ModelRouter:
    """Model ids → the host of the model that answers them (see the module docstring)."""

    def __init__(self, host: ModelHost | None = None, catalog: ModelCatalog | None = None,
                 policy: RouterPolicy = RouterPolicy(), prepare: Callable[[Engine], None] | None = None) -> None:
        self._host = host
        self.catalog = catalog
        self.policy = policy
        self.default = ""  # the id a request without a model goes to (`chatapp serve --model`)
        self._prepare = prepare  # run on each model loaded on request, after its load (speculation)
        self._loading: str | None = None  # the id of the model being loaded on `host`
        self._slots: dict[str, _Slot] = {}
        self._failed: dict[Path, tuple[tuple[int, int], ModelLoadFailed]] = {}  # file → (its version, why)
        self._lock = threading.Condition()
        self._load_turn = threading.Lock()  # one load at a time: each makes room knowing what the last took
        self._closed = threading.Event()
        self._reaper: threading.Thread | None = None
        if catalog is not None:
            self._reaper = threading.Thread(target=self._reap, name="model-reaper", daemon=True)
            self._reaper.start()

    @property
    def host(self) -> ModelHost:
        """The window's (or a test's) own model host."""
        if self._host is None:
            raise ModelNotLoaded(NO_MODEL)
        return self._host

    # ----- the own host's model (the window's) --------------------------------------------------------
    def load(self, path: str | Path, options: LoadOptions = LoadOptions(),
             progress: Callable[[float], bool] | None = None) -> Future[ModelSummary]:
        """Load `path` on the own host's thread; requests that come meanwhile wait behind the load instead
        of being refused (`chatapp launch` listens while its model loads)."""
        self._loading = model_id(path)
        return self.host.start_call(lambda engine: self.load_here(engine, path, options, progress))

    def load_here(self, engine: Engine, path: str | Path, options: LoadOptions = LoadOptions(),
                  progress: Callable[[float], bool] | None = None) -> ModelSummary:
        """`load` from a job already on the own host's thread (the window's loads)."""
        self._loading = model_id(path)
        try:
            summary = engine.load(path, options, progress=progress)
            _memory(summary)  # its estimate, read here rather than where the window lists what is loaded
            return summary
        finally:
            self._loading = None

    def _own(self) -> Route | None:
        if self._host is None:
            return None
        summary = self._host.engine.summary  # an immutable value, replaced whole on each load
        if summary is not None:
            return Route(model_id(summary.path), self._host, summary)
        loading = self._loading
        return Route(loading, self._host, None) if loading is not None else None

    # ----- models on request --------------------------------------------------------------------------
    def set_policy(self, max_models: int | None, idle_unload: float | None) -> None:
        """Change how many models stay loaded and for how long (the window's settings); the reaper and
        the next load follow it."""
        with self._lock:
            self.policy = replace(self.policy, max_models=max_models, idle_unload=idle_unload)
            self._lock.notify_all()

    def preload(self, model: str) -> Future[ModelSummary]:
        """Load a library model now and make it the default (`chatapp serve --model`)."""
        slot = self._acquire(model)[1]
        assert slot is not None
        self.default = slot.id
        loaded = slot.host.start_call(lambda _engine: self._loaded_or_raise(slot))
        loaded.add_done_callback(lambda _done: self._release(slot))  # in use until then: a failed load's
        return loaded  # host is retired only after it has told this caller

    def loaded(self) -> list[LoadedModel]:
        """What is in memory, for whom, and for how long yet."""
        out = []
        own = self._own()
        if own is not None:
            path = Path(own.summary.path) if own.summary is not None else Path(own.model)
            out.append(LoadedModel(own.model, path, own.summary, "window", 0, _memory(own.summary), None))
        now = time.monotonic()
        with self._lock:
            for s in self._slots.values():
                left = self._deadline(s)
                out.append(LoadedModel(s.id, s.path, s.summary, "api", s.active, s.memory,
                                       None if left is None else max(0.0, left - now)))
        return out

    def context_size(self, model: str = "") -> int | None:
        """The context of the loaded model `model` names (None: not loaded, or unknown), without loading it."""
        own = self._own()
        if self.catalog is None or (own is not None and self._is_own(model, own)):
            return own.summary.context_size if own is not None and own.summary is not None else None
        with self._lock:
            slot = self._find_slot(model)
        if slot is None and model:
            entry = self.catalog.find(model)
            with self._lock:
                slot = self._slots.get(entry.id) if entry is not None else None
        return slot.summary.context_size if slot is not None and slot.summary is not None else None

    def unload(self, model: str) -> str | None:
        """Unload a model loaded on request (once its running requests end): its id, or None if none is
        loaded by that name. The window's own model is unloaded only from the window (EngineStateError)."""
        own = self._own()
        if own is not None and own.summary is not None and model and self._is_own(model, own):
            raise EngineStateError(QT_TRANSLATE_NOOP("core", "{model} is the window's model; unload it there."),
                                   model=own.model)
        if not model:
            return None
        with self._lock:
            slot = self._find_slot(model)
        if slot is None and self.catalog is not None and (entry := self.catalog.find(model)) is not None:
            with self._lock:  # an alias, or a file name (the catalog may list the folders: unlocked)
                slot = self._slots.get(entry.id)
        if slot is None:
            return None
        with self._lock:
            slot.keep_alive = 0.0  # the reaper takes it as soon as it is idle
            self._lock.notify_all()
        return slot.id

    def shutdown(self) -> None:
        """Unload every model loaded on request (the own host is its owner's to shut down)."""
        self._closed.set()
        with self._lock:
            slots = list(self._slots.values())
            self._slots.clear()
            self._lock.notify_all()
        for slot in slots:
            slot.host.shutdown()
        if self._reaper is not None:
            self._reaper.join(2)

    # ----- running requests ---------------------------------------------------------------------------
    def start(self, request: GenerationRequest, cancel: threading.Event, on_event: Callable[[Event], None],
              on_error: Callable[[BaseException], None], main: bool = False) -> Route:
        """Run `request` on its model; each event goes to `on_event` on the generating thread, ending
        with one `Done` (`Done(None)` when `cancel` was set before it started) — or `on_error` instead.
        `main`: it continues the window's conversation (the own host's main sequence), whatever it names."""
        if main:
            route, slot = self._own() or self._raise_not_loaded(), None
        else:
            route, slot = self._acquire(request.model, request.keep_alive)

        def job(engine: Engine) -> None:
            try:
                if slot is not None and slot.failure is not None:
                    raise slot.failure
                lease = engine.lease(pooled=not main)
                try:
                    for event in engine.generate(request, cancel, lease):
                        on_event(event)
                finally:
                    lease.release()
            except Exception as exc:  # noqa: BLE001 - handed to the caller, who says it
                on_error(exc)
            finally:
                self._release(slot)

        def dropped() -> None:
            self._release(slot)
            on_event(Done(None))

        try:
            route.host.submit_generation(job, cancel=cancel, on_dropped=dropped, main=main)
        except RuntimeError:  # its host shut down (the server is stopping)
            self._release(slot)
            raise ModelNotLoaded(NO_MODEL) from None
        return route

    def count_tokens(self, request: GenerationRequest) -> int:
        """The tokens the model would read for `request` (its whole prompt: template, tools, images),
        counted on the model's thread (it waits for generations to end, as any job does)."""
        route, slot = self._acquire(request.model, request.keep_alive)
        try:
            if slot is not None:
                route.host.call(lambda _engine: self._loaded_or_raise(slot))
            return route.host.call(lambda engine: engine.prompt_tokens(request))
        finally:
            self._release(slot)

    def generate(self, request: GenerationRequest, cancel: threading.Event, main: bool = False) -> EventStream:
        """`start` as a stream for another thread to read (an error raised there is raised in the reader)."""
        items: queue.Queue[Event | _Failed] = queue.Queue()
        self.start(request, cancel, items.put, lambda exc: items.put(_Failed(exc)), main=main)
        return EventStream(_read(items))

    # ----- the slots ----------------------------------------------------------------------------------
    def _acquire(self, model: str, keep_alive: float | None = None) -> tuple[Route, _Slot | None]:
        """The route for `model`, counted as in use (until `_release`) when it is a model loaded on request:
        found and counted under one hold of the lock, so the reaper never unloads it in between."""
        own = self._own()
        if self.catalog is None:
            if own is None:
                raise ModelNotLoaded(NO_MODEL)
            return own, None
        if own is not None and self._is_own(model, own):
            return own, None
        with self._lock:
            slot = self._find_slot(model)
            if slot is not None:
                return self._use(slot, keep_alive)
        entry = self._entry(model, own)  # (the catalog may list the folders: unlocked)
        if own is not None and entry.id == own.model:
            return own, None
        with self._lock:
            slot = self._slots.get(entry.id)
            if slot is None:
                self._raise_if_failed(entry.path)
                slot = self._new_slot(entry)
            return self._use(slot, keep_alive)

    def _use(self, slot: _Slot, keep_alive: float | None) -> tuple[Route, _Slot]:
        """Count a request on `slot` (under the lock)."""
        slot.active += 1
        slot.last_used = time.monotonic()
        if keep_alive is not None:
            slot.keep_alive = keep_alive
        return Route(slot.id, slot.host, slot.summary), slot

    def _release(self, slot: _Slot | None) -> None:
        if slot is None:
            return
        with self._lock:
            slot.active -= 1
            slot.last_used = time.monotonic()
            self._lock.notify_all()

    def _is_own(self, model: str, own: Route) -> bool:
        if not model:
            return not self.default
        summary = own.summary
        names = {own.model, *((Path(summary.path).name.lower(), Path(summary.path).stem.lower()) if summary else ())}
        return model.lower() in names

    def _find_slot(self, model: str) -> _Slot | None:
        """The loaded (or loading) slot `model` names, by id or file name (under the lock)."""
        wanted = (model or self.default).lower()
        if not wanted:  # no name, no default: the one most recently used
            return max(self._slots.values(), key=lambda s: s.last_used, default=None)
        for slot in self._slots.values():
            if wanted in (slot.id, slot.path.name.lower(), slot.path.stem.lower()):
                return slot
        return None

    def _entry(self, model: str, own: Route | None) -> CatalogEntry:
        assert self.catalog is not None
        entry = self.catalog.find(model or self.default)
        if entry is None:
            known = ([own.model] if own is not None else []) + self.catalog.suggestions()
            raise ModelNotFound(model, list(dict.fromkeys(known))[:5])
        return entry

    def _new_slot(self, entry: CatalogEntry) -> _Slot:
        """A host for `entry`, its load queued first on it (under the lock)."""
        if self._closed.is_set():
            raise ModelNotLoaded(NO_MODEL)
        slot = _Slot(entry.id, entry.path, ModelHost(name=f"model {entry.id}"))
        self._slots[entry.id] = slot
        slot.host.submit(lambda engine: self._load_slot(engine, slot))
        return slot

    def _load_slot(self, engine: Engine, slot: _Slot) -> None:
        """The first job on a new slot's thread: room made, the model loaded (or the reason it cannot be,
        kept for the requests that wait behind it)."""
        try:
            with self._load_turn:
                options = self.policy.options
                need = _estimate(slot.path, options)
                self._make_room(slot, need)
                log.info("loading %s for an API request", slot.id)
                summary = engine.load(slot.path, options)
                if self._prepare is not None:
                    self._prepare(engine)
            with self._lock:
                slot.summary, slot.memory = summary, _memory(summary) or need
                slot.last_used = time.monotonic()
        except Exception as exc:  # each waiting request is told, and each later one
            log.warning("loading %s failed: %s", slot.id, exc, exc_info=None if isinstance(exc, KnownError) else exc)
            failure = ModelLoadFailed(slot.id, exc)
            with self._lock:
                slot.failure = failure
                if (version := _version(slot.path)) is not None:
                    self._failed[slot.path] = (version, failure)
                if self._slots.get(slot.id) is slot:
                    del self._slots[slot.id]
                self._lock.notify_all()
            threading.Thread(target=self._retire, args=(slot,), name="model-retire", daemon=True).start()

    def _loaded_or_raise(self, slot: _Slot) -> ModelSummary:
        """On the slot's thread, after its load: its summary, or the load's failure."""
        if slot.failure is not None:
            raise slot.failure
        assert slot.summary is not None
        return slot.summary

    def _make_room(self, slot: _Slot, need: int) -> None:
        """Unload idle models, least recently used first, until `slot` may load: fewer than `max_models`
        others, and `need` bytes free beside what loaded models hold. When every other model is busy and
        the count is the limit, wait for one to end; memory that cannot be freed is left to the load's
        own check, which says how much is missing."""
        while True:
            with self._lock:
                others = [s for s in self._slots.values() if s is not slot and s.summary is not None]
                over_count = self.policy.max_models is not None and len(others) >= self.policy.max_models
                held = sum(s.memory for s in others)
                own = self._own()
                held += _memory(own.summary) if own is not None else 0
                over_memory = need > memory.available_memory_bytes() - held
                if not (over_count or over_memory) or self._closed.is_set():
                    return
                idle = sorted((s for s in others if s.active == 0), key=lambda s: s.last_used)
                if not idle:
                    if not over_count:
                        return
                    self._lock.wait(REAP_EVERY_S)
                    continue
                victim = idle[0]
                del self._slots[victim.id]
            log.info("unloading %s to make room for %s", victim.id, slot.id)
            victim.host.shutdown()

    def _deadline(self, slot: _Slot) -> float | None:
        """When an idle slot is unloaded (monotonic time; None: never)."""
        keep = slot.keep_alive if slot.keep_alive is not None else self.policy.idle_unload
        if keep is None or keep < 0:
            return None
        return slot.last_used + keep

    def _reap(self) -> None:
        """Unload models idle past their time (the router's own thread)."""
        while not self._closed.wait(REAP_EVERY_S):
            now = time.monotonic()
            with self._lock:
                due = [s for s in self._slots.values() if s.active == 0 and s.summary is not None
                       and (d := self._deadline(s)) is not None and d <= now]
                for slot in due:
                    del self._slots[slot.id]
            for slot in due:
                log.info("unloading %s: idle", slot.id)
                slot.host.shutdown()

    def _retire(self, slot: _Slot) -> None:
        """End a failed slot's host once the requests queued behind its load have been told."""
        with self._lock:
            while slot.active > 0 and not self._closed.is_set():
                self._lock.wait(REAP_EVERY_S)
        slot.host.shutdown()

    def _raise_if_failed(self, path: Path) -> None:
        """The failure of this file's last load, unless the file changed since (under the lock)."""
        failed = self._failed.get(path)
        if failed is not None:
            if failed[0] == _version(path):
                raise failed[1]
            del self._failed[path]

    @staticmethod
    def _raise_not_loaded() -> Route:
        raise ModelNotLoaded(NO_MODEL)


def _version(path: Path) -> tuple[int, int] | None:
    """A file's size and modification time (None: it is gone)."""
    try:
        stat = path.stat()
    except OSError:
        return None
    return stat.st_size, stat.st_mtime_ns


def _estimate(path: Path, options: LoadOptions) -> int:
    """Bytes the model will take (weights, KV cache at its context, overhead), from its header."""
    from chatapp.core.models.gguf_info import read_header

    try:
        header = read_header(path)
    except KnownError:
        return 0  # the load says what is wrong with the file
    n_ctx = options.n_ctx or memory.default_context(header)
    return memory.required_bytes(header, n_ctx)


_MEMORY: dict[tuple[str, int], int] = {}  # (path, context) → bytes: a header is read once per loaded model


def _memory(summary: ModelSummary | None) -> int:
    """A loaded model's bytes, as `_estimate` (0 for none, or a model on a server)."""
    if summary is None or not summary.file_size:
        return 0
    key = (summary.path, summary.context_size)
    if key not in _MEMORY:
        _MEMORY[key] = _estimate(Path(summary.path), LoadOptions(n_ctx=summary.context_size))
    return _MEMORY[key]


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
    """The router as a `ChatBackend` for the window's turns: replies from the window's model, in the main
    sequence, generated on its thread (or beside API requests on a parallel load)."""

    def __init__(self, router: ModelRouter) -> None:
        self.router = router

    def generate(self, request: GenerationRequest, cancel: threading.Event) -> EventStream:
        return self.router.generate(request, cancel, main=True)
