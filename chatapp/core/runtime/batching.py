"""Continuous batching: the decodes of several sequences in one `llama_decode`, on the model thread.

The model thread runs one generation itself, as it always did; those that arrive while it runs (an
API request, the window's reply) run on threads of their own, *participants*, and whatever they do to
the llama context goes through this scheduler. Whenever the model thread's generation decodes (or,
once it has ended, in `serve()`), and no participant is reading the context (every one is either
parked in a request here or has not touched the context yet), the model thread runs the queued
one-off operations (a cache trim, an image read by libmtmd) one by one, then one batch holding the
queued rows of every generation — one token for each that is generating, a draft to check, a slice
of a prompt being read — and wakes those whose rows are done. So a step costs one pass over the
weights for all of them, nobody waits for another's whole reply, and a generation alone costs
nothing extra.

Why participants are threads and decoding is not: llama.cpp's context is not thread-safe and its
OpenMP pool belongs to the thread that decodes (core/runtime/model_host.py), while a generation's
Python side (its sampler, stop strings, tool-call parser) is easiest to keep as the one straight loop
the engine already has. The rule that makes it safe: the context is decoded only while no participant
is between a request's return and its next request — the window where it reads its rows' logits.

Fairness: every participant that is generating gets its token in every step; prompts share what room
is left in the batch (`n_batch` rows), in the order they arrived, a long one in slices.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from chatapp.core.runtime import llama_runtime

T = TypeVar("T")
# A step reading more prompt rows than this can be aborted when every participant in it is cancelled
# (a Python abort callback costs ~1 ms a step: not worth it for steps of single tokens).
ABORTABLE_ROWS = 128


@dataclass(eq=False)
class Participant:
    """A generation running beside others, as the scheduler sees it."""

    cancel: threading.Event
    inside: bool = False  # between a request's return and its next request: it may read the logits


@dataclass(eq=False)
class _Request:
    owner: Participant | None
    seq_id: int = 0
    tokens: Sequence[int] = ()
    pos: int = 0
    all_logits: bool = False
    op: Callable[[], Any] | None = None
    done_rows: int = 0
    row: int = -1  # the batch row of the first token's logits (all_logits) or of the last token's
    result: Any = None
    error: BaseException | None = None
    done: bool = False  # evaluated (set by the model thread while it runs the step)
    finished: bool = False  # handed back: the participant may read its logits (set holding the lock)
    order: int = field(default=0)


class DecodeScheduler:
    """One llama context's decodes, batched across the participants' sequences."""

    def __init__(self, ctx: Any, n_batch: int) -> None:
        self._lib = llama_runtime.llama()
        self.ctx = ctx
        self.n_batch = n_batch
        self._batch = self._lib.llama_batch_init(n_batch, 0, 1)
        self._cond = threading.Condition()
        self._local = threading.local()
        self._participants: set[Participant] = set()
        self._queue: list[_Request] = []
        self._arrivals = 0
        self.steps = 0  # batches decoded, and of those, the ones holding rows of several sequences
        self.shared_steps = 0
        # Called by the model thread (holding no lock) before every step and whenever woken: lets
        # waiting generations in (core/runtime/model_host.py sets it while it serves them).
        self.admit: Callable[[], None] = lambda: None
        self._leader_cancel: threading.Event | None = None

    def close(self) -> None:
        self._lib.llama_batch_free(self._batch)

    # ----- participants (any thread) -----------------------------------------------------------------
    def join(self, cancel: threading.Event) -> Participant:
        """Count a new participant in (before its thread starts, so `serve` waits for it); `cancel`:
        its request's cancel event, which may abort a long prompt step it is alone in."""
        me = Participant(cancel)
        with self._cond:
            self._participants.add(me)
        return me

    @contextmanager
    def acting_as(self, me: Participant) -> Iterator[None]:
        """The calling thread is `me` for the duration: its context work goes through the scheduler.
        On leaving, `me` is counted out."""
        self._local.me = me
        try:
            yield
        finally:
            self._local.me = None
            with self._cond:
                self._participants.discard(me)
                self._cond.notify_all()

    @contextmanager
    def leading(self, cancel: threading.Event) -> Iterator[None]:
        """The model thread's own generation, with its cancel event (it may abort a long prompt step)."""
        self._leader_cancel = cancel
        try:
            yield
        finally:
            self._leader_cancel = None

    @property
    def participants(self) -> int:
        with self._cond:
            return len(self._participants)

    def decode(self, seq_id: int, tokens: Sequence[int], pos: int, all_logits: bool = False) -> int:
        """Evaluate `tokens` for sequence `seq_id` from position `pos`; returns the batch row whose
        logits follow the last token (or, `all_logits`, the row of the first: the others follow it).
        Raises RuntimeError("llama_decode returned N") as llama-cpp-python does."""
        if all_logits and len(tokens) > self.n_batch:
            raise ValueError("a batch with logits for every position must fit in n_batch")
        request = self._submit(_Request(self._me(), seq_id, tokens, pos, all_logits))
        return int(request.row)

    def run(self, op: Callable[[], T]) -> T:
        """Run `op` (something else that touches the context) on the model thread, alone."""
        request = self._submit(_Request(self._me(), op=op))
        return request.result

    def _me(self) -> Participant | None:
        return getattr(self._local, "me", None)

    def _submit(self, request: _Request) -> _Request:
        me = request.owner
        if me is None:  # the model thread's own generation (or a job between generations): it leads
            self._lead(request)
        else:
            with self._cond:
                if me.inside:
                    me.inside = False
                self._arrivals += 1
                request.order = self._arrivals
                self._queue.append(request)
                self._cond.notify_all()
                while not request.finished:
                    self._cond.wait()
        if request.error is not None:
            raise request.error
        return request

    # ----- the model thread ----------------------------------------------------------------------------
    def _lead(self, request: _Request) -> None:
        """A request of the model thread's own: decoded at once, with whatever the participants have
        queued. Alone, that is exactly the one-generation path (no thread hand-over per token)."""
        while not request.done:  # a prompt longer than a batch takes several steps
            self.admit()
            with self._cond:
                while any(p.inside for p in self._participants):
                    self._cond.wait(0.05)
                step = [request, *self._queue]
            self._execute(step)
            if len(step) > 1:
                self._hand_back(step[1:])
        request.finished = True

    def _hand_back(self, step: list[_Request]) -> None:
        """Wake the participants whose requests are done: from here they may read their logits."""
        with self._cond:
            for request in step:
                if request.done:
                    request.finished = True
                    self._queue.remove(request)
                    if request.owner is not None:
                        request.owner.inside = True
            self._cond.notify_all()

    def wake(self) -> None:
        """Make `serve` call `admit` now (a new participant is waiting to come in)."""
        with self._cond:
            self._cond.notify_all()

    def serve(self) -> None:
        """Run steps for the participants until none is left."""
        while True:
            self.admit()
            with self._cond:
                if not self._participants and not self._queue:
                    return
                if not self._queue or any(p.inside for p in self._participants):
                    self._cond.wait(0.05)
                    continue
                step = list(self._queue)
            self._execute(step)
            self._hand_back(step)

    def _execute(self, step: list[_Request]) -> None:
        """Run a step's one-off operations, then one batch of its rows; marks what finished."""
        rows = [r for r in step if r.op is None]
        for request in step:
            if request.op is not None:
                try:
                    request.result = request.op()
                except BaseException as exc:  # noqa: BLE001 - raised again in the participant's thread
                    request.error = exc
                request.done = True
        if not rows:
            return
        # Generating sequences (short rows) first, then drafts to check, then prompts in arrival order.
        rows.sort(key=lambda r: (len(r.tokens) - r.done_rows > 1, r.all_logits is False, r.order))
        while True:
            taken = self._fill(rows)
            self.steps += 1
            self.shared_steps += len({r.seq_id for r, _ in taken}) > 1
            status = self._decode(sum(take for _, take in taken), [r.owner for r, _ in taken])
            if status != 1 or len(taken) < 2:
                break
            # No free cells for all of them (llama.cpp placed none): the request that wanted the most
            # rows gives way, and the others are decoded without it.
            loser = max(taken, key=lambda t: t[1])[0]
            loser.error, loser.done = RuntimeError("llama_decode returned 1"), True
            rows.remove(loser)
        for request, take in taken:
            if status != 0:
                request.error = RuntimeError(f"llama_decode returned {status}")
                request.done = True
                continue
            request.done_rows += take
            request.done = request.done_rows == len(request.tokens)
        if status == 0:
            # Reading logits is not read-only in llama.cpp: the first read after a decode waits for the
            # backend and puts the outputs back in batch order (a batch of several sequences is split by
            # sequence). Done once here, so the participants' reads, on their threads at once, only read.
            self._lib.llama_get_logits(self.ctx)
            row = 0
            for request, take in taken:
                if request.done:
                    request.row = row if request.all_logits else row + take - 1
                row += take

    def _fill(self, rows: list[_Request]) -> list[tuple[_Request, int]]:
        """Put as many of `rows`' tokens in the batch as fit; returns each request taken and its count."""
        batch = self._batch
        n = 0
        taken: list[tuple[_Request, int]] = []
        for request in rows:
            left = len(request.tokens) - request.done_rows
            room = self.n_batch - n
            if room <= 0 or (request.all_logits and left > room):
                continue
            take = min(left, room)
            last = request.done_rows + take == len(request.tokens)
            for i in range(take):
                k = request.done_rows + i
                batch.token[n] = request.tokens[k]
                batch.pos[n] = request.pos + k
                batch.n_seq_id[n] = 1
                batch.seq_id[n][0] = request.seq_id
                batch.logits[n] = 1 if request.all_logits or (last and i == take - 1) else 0
                n += 1
            taken.append((request, take))
        batch.n_tokens = n
        return taken

    def _decode(self, n_rows: int, owners: list[Participant | None]) -> int:
        lib = self._lib
        guard = None
        cancels = [p.cancel if p is not None else self._leader_cancel for p in owners]
        if n_rows > ABORTABLE_ROWS and all(c is not None for c in cancels):
            guard = llama_runtime.PromptAbort(self.ctx, lambda: all(c.is_set() for c in cancels if c is not None))
        try:
            return int(lib.llama_decode(self.ctx, self._batch))
        finally:
            if guard is not None:
                guard.release()
