"""What sits in llama.cpp's KV cache for one sequence of a context, and how to extend it.

The engine keeps, beside the cached tokens, a copy of the logits at the end of the last prompt it
read. A prompt that is entirely in the cache (Regenerate, or the same question asked again) is then
not re-evaluated at all: its first token is sampled from the very logits the first reading produced,
so a fixed seed gives the same reply cached or not (see core/sampler.py for why re-evaluating would
not). A prompt that extends the cache reads only the new tokens, as before.

Images (core/runtime/vision.py) sit in `tokens` as runs of a placeholder value; the spans remember
where, so positions stay right (an M-RoPE image advances fewer positions than it fills cells) and the
cache is only ever cut at an image's edge.

A context loaded for parallel requests holds several sequences (the window's conversation is 0, API
requests borrow the others); their decodes and cache edits then go through the context's
`DecodeScheduler` (core/runtime/batching.py), which batches them with the other sequences'.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from chatapp.core.runtime import llama_runtime

if TYPE_CHECKING:
    from chatapp.core.runtime.batching import DecodeScheduler
    from chatapp.core.runtime.vision import MediaSpan


class KvSequence:
    """One sequence of a llama context. Not thread-safe: used by one generation at a time."""

    def __init__(self, llm: Any, seq_id: int = 0, scheduler: DecodeScheduler | None = None) -> None:
        self._llm = llm
        self.ctx = llm._ctx.ctx
        self.seq_id = seq_id
        self._scheduler = scheduler
        self.n_batch: int = llm.n_batch
        self.n_vocab: int = llm.n_vocab()
        self.tokens: list[int] = []  # evaluated, in order (an image as a run of its placeholder)
        self.spans: list[tuple[int, int, int]] = []  # images in `tokens`: (start, cells, positions)
        self._prompt_logits: np.ndarray | None = None
        self._logits_at = -1  # len(tokens) when the saved logits were taken (they follow tokens[:at])
        # The text whose tokens sit in the cache, and those tokens (see Engine.tokenize_reusing_cache).
        self.cached_text = ""
        self.cached_tokens: list[int] = []

    @property
    def shared(self) -> bool:
        """Its decodes are batched with other sequences' (parallel requests): their timing is not its own."""
        return self._scheduler is not None

    def common_prefix(self, tokens: Sequence[int]) -> int:
        n = 0
        for a, b in zip(self.tokens, tokens, strict=False):
            if a != b:
                break
            n += 1
        return n

    def reusable(self, prompt: Sequence[int]) -> int:
        """How many of `prompt`'s tokens need no evaluation: all of them only if the logits that
        follow them were kept; otherwise at most all but the last, whose logits start the reply."""
        n = self.common_prefix(prompt)
        if n == len(prompt) and self._logits_at == n and self._prompt_logits is not None:
            return n
        return self._edge(min(n, len(prompt) - 1))

    def _edge(self, n: int) -> int:
        """`n`, or the start of the image it would cut in two."""
        return next((start for start, cells, _ in self.spans if start < n < start + cells), n)

    def position(self, n: int) -> int:
        """The position that follows the first `n` cached tokens."""
        return n - sum(cells - positions for start, cells, positions in self.spans if start + cells <= n)

    def truncate(self, n: int) -> None:
        """Forget positions n and beyond, in llama.cpp's cache and here."""
        n = self._edge(n)
        if n < len(self.tokens):
            position = self.position(n)
            self._on_context(lambda: self._llm._ctx.kv_cache_seq_rm(self.seq_id, position, -1))
            del self.tokens[n:]
            self.spans = [span for span in self.spans if span[0] < n]
        if self._logits_at > n:
            self._prompt_logits, self._logits_at = None, -1

    def read_prompt(self, prompt: Sequence[int], media: Mapping[int, MediaSpan] | None = None) -> np.ndarray:
        """Make the cache hold exactly `prompt` and return the logits that follow it (a copy kept for
        the next time the same prompt comes). `media`: the prompt's images by start index, read by
        libmtmd where the cache does not already hold them. Raises RuntimeError if llama.cpp fails or
        is aborted."""
        n = self.reusable(prompt)
        self.truncate(n)
        if n < len(prompt):
            row = self._read(prompt, len(self.tokens), media or {})
            lib = llama_runtime.llama()
            live = np.ctypeslib.as_array(lib.llama_get_logits_ith(self.ctx, row), shape=(self.n_vocab,))
            self._prompt_logits, self._logits_at = live.copy(), len(self.tokens)
        assert self._prompt_logits is not None
        return self._prompt_logits

    def _read(self, prompt: Sequence[int], start: int, media: Mapping[int, MediaSpan]) -> int:
        """Evaluate prompt[start:]: runs of text with llama_decode, images with libmtmd. Returns the
        output row holding the logits after the last token."""
        text_from = start
        row = -1
        for span_start in sorted(s for s in media if s >= start):
            span = media[span_start]
            if text_from < span_start:
                self.decode(prompt[text_from:span_start])
            position = self.position(len(self.tokens))
            try:
                self._on_context(lambda span=span, position=position: span.evaluate(  # type: ignore[misc]
                    self.ctx, position, self.n_batch, self.seq_id))
            except RuntimeError:
                self.clear()
                raise
            self.spans.append((len(self.tokens), span.n_tokens, span.n_pos))
            self.tokens.extend(prompt[span_start:span_start + span.n_tokens])
            text_from = span_start + span.n_tokens
        if text_from < len(prompt):
            row = self.decode(prompt[text_from:])
        return row

    def decode(self, tokens: Sequence[int], all_logits: bool = False) -> int:
        """Evaluate `tokens` after what is cached, in batches of n_batch; logits for the last one only,
        or (`all_logits`, one batch: checking a speculative draft) for every position. Returns the
        output row of the logits after the last token, or (`all_logits`) of the first: the rest follow."""
        if all_logits and len(tokens) > self.n_batch:
            raise ValueError("a batch with logits for every position must fit in n_batch")
        if self._scheduler is not None:
            try:
                row = self._scheduler.decode(self.seq_id, tokens, self.position(len(self.tokens)), all_logits)
            except RuntimeError:
                self.clear()
                raise
            self.tokens.extend(tokens)
            return row
        batch = self._llm._batch
        for start in range(0, len(tokens), self.n_batch):
            chunk = list(tokens[start : start + self.n_batch])
            batch.set_batch(batch=chunk, n_past=self.position(len(self.tokens)), logits_all=all_logits)
            try:
                self._llm._ctx.decode(batch)
            except RuntimeError:
                # A failed or aborted decode leaves llama.cpp's cache for the sequence empty.
                self.clear()
                raise
            self.tokens.extend(chunk)
        return 0 if all_logits else -1

    def clear(self) -> None:
        """Forget the whole sequence (its cells are free for the context's other sequences)."""
        self._on_context(lambda: self._llm._ctx.kv_cache_seq_rm(self.seq_id, -1, -1))
        self.tokens = []
        self.spans = []
        self._prompt_logits, self._logits_at = None, -1
        self.cached_text, self.cached_tokens = "", []

    def _on_context(self, op: Callable[[], object]) -> None:
        """Run `op`, which touches the llama context: through the scheduler when there is one."""
        if self._scheduler is not None:
            self._scheduler.run(op)
        else:
            op()
