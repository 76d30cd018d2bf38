"""The one thread that owns the model, for every caller: the window, the API server, `chatapp serve`.

llama.cpp's context is not thread-safe and its OpenMP pool belongs to the thread that decodes (another
thread decoding after it ran at two thirds of the speed here), so exactly one thread ever touches the
`Engine`. Callers hand it jobs: plain callables that receive the engine. Jobs run one after another
in the order they were submitted, so the window's replies and API requests share one KV cache and
one set of templates without locks. A job carries its own cancel event; one whose event is set
before it starts (a client that hung up while queued) is dropped without running.
"""

from __future__ import annotations

from collections.abc import Callable

from chatapp.core.jobs import JobThread
from chatapp.core.runtime.engine import Engine

Job = Callable[[Engine], None]


class ModelHost(JobThread[Engine]):
    """Runs jobs on the model thread, in order; the engine is freed when the thread ends."""

    def __init__(self, engine: Engine | None = None, name: str = "model") -> None:
        super().__init__(engine or Engine(), name, on_exit=Engine.unload)

    @property
    def engine(self) -> Engine:
        """Read only from inside a job."""
        return self.owned
