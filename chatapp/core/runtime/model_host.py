"""The one thread that owns the model, for every caller: the window, the API server, `chatapp serve`.

llama.cpp's context is not thread-safe and its OpenMP pool belongs to the thread that decodes (another
thread decoding after it ran at two thirds of the speed here), so exactly one thread ever touches the
`Engine`. Callers hand it jobs: plain callables that receive the engine. Jobs run one after another
in the order they were submitted, so the window's replies and API requests share one KV cache and
one set of templates without locks. A job carries its own cancel event; one whose event is set
before it starts (a client that hung up while queued) is dropped without running.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from chatapp.core.runtime.engine import Engine

log = logging.getLogger(__name__)

Job = Callable[[Engine], None]


@dataclass
class _Queued:
    job: Job
    cancel: threading.Event | None
    on_dropped: Callable[[], None] | None = None
    done: threading.Event = field(default_factory=threading.Event)


class ModelHost:
    """Runs jobs on its own thread, in order. `engine` may be read only from inside a job."""

    def __init__(self, engine: Engine | None = None, name: str = "model") -> None:
        self.engine = engine or Engine()
        self._jobs: queue.Queue[_Queued | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._stopped = False
        self._thread.start()

    def submit(self, job: Job, cancel: threading.Event | None = None,
               on_dropped: Callable[[], None] | None = None) -> threading.Event:
        """Queue `job`; returns an event set once it has run (or was dropped because `cancel` was set
        before its turn, in which case `on_dropped` is called on the host thread instead)."""
        if self._stopped:
            raise RuntimeError("the model host has shut down")
        item = _Queued(job, cancel, on_dropped)
        self._jobs.put(item)
        return item.done

    def call(self, job: Callable[[Engine], object], timeout: float | None = None) -> object:
        """Run `job` on the host thread and return its result (or raise its exception) here."""
        result: list[object] = []
        error: list[BaseException] = []

        def run(engine: Engine) -> None:
            try:
                result.append(job(engine))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, raised there
                error.append(exc)

        if threading.current_thread() is self._thread:
            run(self.engine)
        elif not self.submit(run).wait(timeout):
            raise TimeoutError("the model is busy")
        if error:
            raise error[0]
        return result[0]

    @property
    def pending(self) -> int:
        return self._jobs.qsize()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Finish the running job (callers cancel it first), drop the rest, free the model; True if
        the thread ended within `timeout`."""
        self._stopped = True
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                item.done.set()
        self._jobs.put(None)
        self._thread.join(timeout)
        return not self._thread.is_alive()

    def _run(self) -> None:
        while (item := self._jobs.get()) is not None:
            try:
                if item.cancel is not None and item.cancel.is_set():
                    if item.on_dropped is not None:
                        item.on_dropped()
                    continue
                item.job(self.engine)
            except Exception:
                log.exception("a model job failed")
            finally:
                item.done.set()
        self.engine.unload()
