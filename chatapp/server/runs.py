"""An API request's generations: started through the model router, their events handed to the event loop.

Events are produced on the model thread (or a generation thread, on a parallel load) and cross to the
loop in batches: the loop is woken only when it is waiting, so a fast model costs one wake-up per batch,
not per token. Consecutive text pieces in a batch are joined. A failure arrives as an `ApiError` in
the dialect-neutral sense (server/errors.py), after whatever was written before it.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import threading
from collections.abc import AsyncIterator
from dataclasses import dataclass

from starlette.requests import Request

from chatapp.core.errors import KnownError
from chatapp.core.generation import Done, Event, GenerationRequest, TextDelta, ThinkingDelta, TokenLogprob
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.types import FinishReason
from chatapp.server.errors import ApiError, from_generation

log = logging.getLogger(__name__)
DISCONNECT_POLL_S = 0.25  # how often a waiting non-streamed request checks that its client is still there


@dataclass(frozen=True)
class Reply:
    """A whole reply, for a request that is not streamed."""

    text: str
    thinking: str
    done: Done
    logprobs: tuple[TokenLogprob, ...] = ()  # when the request asked for them


class GenerationRun:
    def __init__(self, router: ModelRouter, request: GenerationRequest) -> None:
        self.loop = asyncio.get_running_loop()
        self.cancel = threading.Event()
        self._items: collections.deque[Event | ApiError] = collections.deque()
        self._lock = threading.Lock()
        self._sleeping = False
        self._ready = asyncio.Event()
        try:
            self.model = router.start(request, self.cancel, self._put, self._failed).model
        except KnownError as exc:  # the model cannot answer: not loaded, not known, its load failed
            raise from_generation(exc) from None

    def stop(self) -> None:
        self.cancel.set()

    def _failed(self, exc: BaseException) -> None:
        self._put(from_generation(exc))

    def _put(self, item: Event | ApiError) -> None:
        if isinstance(item, Done):
            if item.stats is None:
                log.info("API request dropped: the client went away while it waited")
            elif item.stats.finish_reason == FinishReason.CANCELLED:
                log.info("API request cancelled: the client went away after %d tokens", item.stats.completion_tokens)
        with self._lock:
            self._items.append(item)
            wake, self._sleeping = self._sleeping, False
        if wake:
            with contextlib.suppress(RuntimeError):  # the loop closed: the server is stopping
                self.loop.call_soon_threadsafe(self._ready.set)

    async def batch(self) -> list[Event | ApiError]:
        """Everything produced since the last call (waiting for at least one item), consecutive text and
        thinking pieces joined."""
        while True:
            with self._lock:
                if self._items:
                    items = list(self._items)
                    self._items.clear()
                    break
                self._sleeping = True
                self._ready.clear()
            await self._ready.wait()
        out: list[Event | ApiError] = []
        for item in items:
            last = out[-1] if out else None
            if isinstance(item, TextDelta) and isinstance(last, TextDelta):
                out[-1] = TextDelta(last.text + item.text)
            elif isinstance(item, ThinkingDelta) and isinstance(last, ThinkingDelta):
                out[-1] = ThinkingDelta(last.text + item.text)
            else:
                out.append(item)
        return out

    async def collect(self, request: Request) -> Reply:
        """The whole reply, cancelled if the client goes away meanwhile; raises the ApiError it failed with."""
        text: list[str] = []
        thinking: list[str] = []
        logprobs: list[TokenLogprob] = []
        while True:
            getter = asyncio.ensure_future(self.batch())
            while not getter.done():
                done, _ = await asyncio.wait({getter}, timeout=DISCONNECT_POLL_S)
                if not done and await request.is_disconnected():
                    self.cancel.set()
            for item in getter.result():
                if isinstance(item, ApiError):
                    raise item
                if isinstance(item, TextDelta):
                    text.append(item.text)
                elif isinstance(item, ThinkingDelta):
                    thinking.append(item.text)
                elif isinstance(item, TokenLogprob):
                    logprobs.append(item)
                elif isinstance(item, Done):
                    return Reply("".join(text), "".join(thinking).strip(), item, tuple(logprobs))

    async def stream(self) -> AsyncIterator[Event]:
        """The events as they come, ending with `Done`. The first batch is awaited here, so a failure
        before anything was generated is raised now (the response can still carry its status)."""
        first = await self.batch()
        for item in first:
            if isinstance(item, ApiError):
                raise item

        async def rest() -> AsyncIterator[Event]:
            items = first
            while True:
                for item in items:
                    if isinstance(item, ApiError):
                        raise item
                    yield item
                    if isinstance(item, Done):
                        return
                items = await self.batch()

        return rest()


_END = object()


class Choices:
    """The generations that answer one request (OpenAI's `n`, a list of prompts): started together — so a
    model loaded for parallel requests batches them —, read together, cancelled together. Their events come
    as (choice index, event); with one choice, straight from its run."""

    def __init__(self, runs: list[GenerationRun]) -> None:
        self.runs = runs
        self.model = runs[0].model

    def stop(self) -> None:
        for run in self.runs:
            run.cancel.set()

    async def collect(self, request: Request) -> list[Reply]:
        try:
            return list(await asyncio.gather(*(run.collect(request) for run in self.runs)))
        finally:
            self.stop()  # one failed: the others are not wanted any more

    async def stream(self) -> AsyncIterator[tuple[int, Event]]:
        """The first choice's first batch is awaited here (a failure before anything was generated keeps its
        status); the others' failures come in the stream."""
        first = await self.runs[0].stream()
        if len(self.runs) == 1:
            return ((0, event) async for event in first)
        queue: asyncio.Queue[tuple[int, object]] = asyncio.Queue()

        async def pump(index: int, events: AsyncIterator[Event] | None) -> None:
            try:
                async for event in events if events is not None else await self.runs[index].stream():
                    await queue.put((index, event))
            except ApiError as error:
                await queue.put((index, error))
            finally:
                await queue.put((index, _END))

        tasks = [asyncio.ensure_future(pump(i, first if i == 0 else None)) for i in range(len(self.runs))]

        async def merged() -> AsyncIterator[tuple[int, Event]]:
            ended = 0
            try:
                while ended < len(tasks):
                    index, item = await queue.get()
                    if item is _END:
                        ended += 1
                    elif isinstance(item, ApiError):
                        raise item
                    else:
                        yield index, item  # type: ignore[misc]
            finally:
                for task in tasks:
                    task.cancel()

        return merged()
