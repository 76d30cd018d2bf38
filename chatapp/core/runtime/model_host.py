"""The one thread that owns the model, for every caller: the window, the API server, `chatapp serve`.

llama.cpp's context is not thread-safe and its OpenMP pool belongs to the thread that decodes (another
thread decoding after it ran at two thirds of the speed here), so exactly one thread ever decodes.
Callers hand it jobs: plain callables that receive the engine. Jobs run one after another in the order
they were submitted, so the window's replies and API requests share one KV cache and one set of
templates without locks. A job carries its own cancel event; one whose event is set before it starts
(a client that hung up while queued) is dropped without running.

Generations (`submit_generation`) are jobs too, unless the model was loaded for parallel requests
(`LoadOptions.parallel`): then each runs on a thread of its own, bound to a sequence of the context
(the window's is the main one, API requests borrow the others), while the model thread serves their
decodes in shared batches (core/runtime/batching.py). Other jobs wait until no generation runs, and
while one waits, no new generation starts.
"""

from __future__ import annotations

import collections
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass

from chatapp.core.jobs import JobThread
from chatapp.core.runtime.engine import Engine

log = logging.getLogger(__name__)
Job = Callable[[Engine], None]


@dataclass(eq=False)
class _Generation:
    job: Job
    cancel: threading.Event
    on_dropped: Callable[[], None] | None
    main: bool  # the window's conversation: the main sequence, one at a time


class ModelHost(JobThread[Engine]):
    """Runs jobs on the model thread, in order; the engine is freed when the thread ends."""

    def __init__(self, engine: Engine | None = None, name: str = "model") -> None:
        super().__init__(engine or Engine(), name, on_exit=Engine.unload)
        self._lock = threading.Lock()
        self._waiting: collections.deque[_Generation] = collections.deque()
        self._serve_queued = False  # a serving job is queued or running and will look at `_waiting`
        self._running_main = False
        self._running_pooled = 0

    @property
    def engine(self) -> Engine:
        """Read only from inside a job."""
        return self.owned

    def submit_generation(self, job: Job, cancel: threading.Event, on_dropped: Callable[[], None] | None = None,
                          main: bool = False) -> None:
        """Run `job`, a generation, beside other generations when the engine allows (else as a job).
        `main`: it continues the window's conversation (the main sequence) rather than an API request."""
        if self.owned.parallel == 0:  # (a reload may change this; either path is safe with either engine)
            def run_or_join(engine: Engine) -> None:
                if engine.parallel == 0:
                    job(engine)
                else:  # queued behind the load of a parallel model: join the others rather than wait for them
                    self.submit_generation(job, cancel, on_dropped, main)

            self.submit(run_or_join, cancel=cancel, on_dropped=on_dropped)
            return
        with self._lock:
            self._waiting.append(_Generation(job, cancel, on_dropped, main))
            if self._serve_queued:
                scheduler = self.owned.scheduler
                if scheduler is not None:
                    scheduler.wake()
                return
            self._serve_queued = True
        self.submit(self._serve)

    def _serve(self, engine: Engine) -> None:
        """The serving job. The first waiting generation runs here, on the model thread, exactly as a
        lone one always did; those that come while it runs start on threads of their own, and its
        decodes take theirs along (DecodeScheduler._lead). When it ends, the next waiting one leads,
        or the model thread serves those still running until they end."""
        scheduler = engine.scheduler
        limit = engine.parallel if scheduler is not None else None
        if scheduler is not None:
            def admit() -> None:
                if self.pending:  # another job waits: let it run once these generations are done
                    return
                while (generation := self._next(limit=limit)) is not None:
                    self._start(engine, generation)

            scheduler.admit = admit
        try:
            while not self.pending and (generation := self._next(limit=limit)) is not None:
                self._run_here(engine, generation)
            if scheduler is not None:
                scheduler.serve()
        finally:
            if scheduler is not None:
                scheduler.admit = lambda: None
        with self._lock:
            if self._waiting:  # came while other jobs waited, or after the last admission
                self.submit(self._serve)
            else:
                self._serve_queued = False

    def _next(self, limit: int | None) -> _Generation | None:
        """The next waiting generation that may start now (dropping those cancelled while they waited)."""
        with self._lock:
            for generation in list(self._waiting):
                if generation.cancel.is_set():
                    self._waiting.remove(generation)
                    if generation.on_dropped is not None:
                        generation.on_dropped()
                    continue
                if limit is not None and (self._running_main if generation.main else self._running_pooled >= limit):
                    continue
                self._waiting.remove(generation)
                if generation.main:
                    self._running_main = True
                else:
                    self._running_pooled += 1
                return generation
        return None

    def _run_here(self, engine: Engine, generation: _Generation) -> None:
        scheduler = engine.scheduler
        role = scheduler.leading(generation.cancel) if scheduler is not None else contextlib.nullcontext()
        self._run_generation(engine, generation, role)

    def _start(self, engine: Engine, generation: _Generation) -> None:
        scheduler = engine.scheduler
        assert scheduler is not None
        me = scheduler.join(generation.cancel)
        threading.Thread(target=self._run_generation, args=(engine, generation, scheduler.acting_as(me)),
                         name="generation", daemon=True).start()

    def _run_generation(self, engine: Engine, generation: _Generation,
                        role: contextlib.AbstractContextManager[None]) -> None:
        """The generation's job in its `role` (leading on the model thread, or a participant on its own),
        counted as finished before the role ends."""
        with role:
            try:
                generation.job(engine)
            except Exception:
                log.exception("a generation failed")
            finally:
                self._finished(generation)

    def _finished(self, generation: _Generation) -> None:
        with self._lock:
            if generation.main:
                self._running_main = False
            else:
                self._running_pooled -= 1
