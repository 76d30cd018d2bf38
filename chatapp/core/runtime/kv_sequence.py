"""What sits in llama.cpp's KV cache for the one conversation being generated, and how to extend it.

The engine keeps, beside the cached tokens, a copy of the logits at the end of the last prompt it
read. A prompt that is entirely in the cache (Regenerate, or the same question asked again) is then
not re-evaluated at all: its first token is sampled from the very logits the first reading produced,
so a fixed seed gives the same reply cached or not (see core/sampler.py for why re-evaluating would
not). A prompt that extends the cache reads only the new tokens, as before.

Images (core/runtime/vision.py) sit in `tokens` as runs of a placeholder value; the spans remember
where, so positions stay right (an M-RoPE image advances fewer positions than it fills cells) and the
cache is only ever cut at an image's edge.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from chatapp.core.runtime import llama_runtime

if TYPE_CHECKING:
    from chatapp.core.runtime.vision import MediaSpan


class KvSequence:
    """Sequence 0 of one llama context. Not thread-safe: used by the engine's owner thread only."""

    def __init__(self, llm: Any) -> None:
        self._llm = llm
        self.ctx = llm._ctx.ctx
        self.n_batch: int = llm.n_batch
        self.n_vocab: int = llm.n_vocab()
        self.tokens: list[int] = []  # evaluated, in order (an image as a run of its placeholder)
        self.spans: list[tuple[int, int, int]] = []  # images in `tokens`: (start, cells, positions)
        self._prompt_logits: np.ndarray | None = None
        self._logits_at = -1  # len(tokens) when the saved logits were taken (they follow tokens[:at])

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
            self._llm._ctx.kv_cache_seq_rm(-1, self.position(n), -1)
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
            self._read(prompt, len(self.tokens), media or {})
            lib = llama_runtime.llama()
            live = np.ctypeslib.as_array(lib.llama_get_logits_ith(self.ctx, -1), shape=(self.n_vocab,))
            self._prompt_logits, self._logits_at = live.copy(), len(self.tokens)
        assert self._prompt_logits is not None
        return self._prompt_logits

    def _read(self, prompt: Sequence[int], start: int, media: Mapping[int, MediaSpan]) -> None:
        """Evaluate prompt[start:]: runs of text with llama_decode, images with libmtmd."""
        text_from = start
        for span_start in sorted(s for s in media if s >= start):
            span = media[span_start]
            if text_from < span_start:
                self.decode(prompt[text_from:span_start])
            try:
                span.evaluate(self.ctx, self.position(len(self.tokens)), self.n_batch)
            except RuntimeError:
                self.clear()
                raise
            self.spans.append((len(self.tokens), span.n_tokens, span.n_pos))
            self.tokens.extend(prompt[span_start:span_start + span.n_tokens])
            text_from = span_start + span.n_tokens
        if text_from < len(prompt):
            self.decode(prompt[text_from:])

    def decode(self, tokens: Sequence[int], all_logits: bool = False) -> None:
        """Evaluate `tokens` after what is cached, in batches of n_batch; logits for the last one only,
        or (`all_logits`, one batch: checking a speculative draft) for every position."""
        batch = self._llm._batch
        if all_logits and len(tokens) > self.n_batch:
            raise ValueError("a batch with logits for every position must fit in n_batch")
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

    def clear(self) -> None:
        self._llm._ctx.kv_cache_clear()
        self.tokens = []
        self.spans = []
        self._prompt_logits, self._logits_at = None, -1
