"""One thread that runs jobs in order, each given the object the thread owns.

The pattern behind the model thread (core/runtime/model_host.py: jobs get the engine), the window's
turn thread (services/turns.py: jobs get the turn's history connection) and the window's storage
thread (services/history_service.py): whatever is not thread-safe — a llama.cpp context, an SQLite
connection — is touched by exactly one thread, and callers hand it work. A job carries its own cancel
event; one whose event is set before it starts (a client that hung up while queued) is dropped.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from concurrent.futures import CancelledError, Future
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

log = logging.getLogger(__name__)
T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Queued(Generic[T]):
    job: Callable[[T], None]
    cancel: threading.Event | None
    on_dropped: Callable[[], None] | None = None
    done: threading.Event = field(default_factory=threading.Event)
    future: Future[Any] | None = None  # start_call's: cancelled if shutdown drops the job unrun


class JobThread(Generic[T]):
    """Runs jobs on its own thread, in order. `owned` may be used only from inside a job."""

    def __init__(self, owned: T, name: str, on_exit: Callable[[T], None] | None = None) -> None:
        self.owned = owned
        self._on_exit = on_exit
        self._jobs: queue.Queue[_Queued[T] | None] = queue.Queue()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._stopped = False
        self._thread.start()

    @property
    def stopped(self) -> bool:
        """Shut down: `submit` refuses new jobs."""
        return self._stopped

    def submit(self, job: Callable[[T], None], cancel: threading.Event | None = None,
               on_dropped: Callable[[], None] | None = None) -> threading.Event:
        """Queue `job`; returns an event set once it has run (or was dropped because `cancel` was set
        before its turn, in which case `on_dropped` is called on this thread instead)."""
        return self._put(_Queued(job, cancel, on_dropped))

    def _put(self, item: _Queued[T]) -> threading.Event:
        if self._stopped:
            raise RuntimeError(f"the {self._thread.name} thread has shut down")
        self._jobs.put(item)
        return item.done

    def start_call(self, job: Callable[[T], R]) -> Future[R]:
        """Queue `job`; its result (or exception) arrives in the returned future, so the caller can do
        other work meanwhile (`chatapp serve` imports its HTTP stack while the model loads)."""
        future: Future[R] = Future()

        def run(owned: T) -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(job(owned))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread, raised there
                future.set_exception(exc)

        self._put(_Queued(run, None, future=future))
        return future

    def call(self, job: Callable[[T], R], timeout: float | None = None) -> R:
        """Run `job` on this thread and return its result (or raise its exception) in the caller's."""
        if self.on_this_thread():
            return job(self.owned)
        try:
            return self.start_call(job).result(timeout)
        except FutureTimeout:
            raise TimeoutError(f"the {self._thread.name} thread is busy") from None
        except CancelledError:
            raise RuntimeError(f"the {self._thread.name} thread shut down before the job ran") from None

    def on_this_thread(self) -> bool:
        return threading.current_thread() is self._thread

    @property
    def pending(self) -> int:
        return self._jobs.qsize()

    def is_alive(self) -> bool:
        return self._thread.is_alive()

    def shutdown(self, timeout: float = 5.0) -> bool:
        """Finish the running job (callers cancel it first), drop the rest, run `on_exit`; True if the
        thread ended within `timeout`."""
        self._stopped = True
        while True:
            try:
                item = self._jobs.get_nowait()
            except queue.Empty:
                break
            if item is not None:
                if item.future is not None:
                    item.future.cancel()
                if item.on_dropped is not None:  # whoever waits on its events is told it will not run
                    try:
                        item.on_dropped()
                    except Exception:
                        log.exception("telling a dropped job's caller failed")
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
                item.job(self.owned)
            except Exception:
                log.exception("a job on the %s thread failed", self._thread.name)
            finally:
                item.done.set()
        if self._on_exit is not None:
            self._on_exit(self.owned)
