"""llama.cpp's native sampler chain for one reply, able to sample from saved logits too.

Why our own chain instead of `Llama.generate`'s: a seed must mean the same reply whether or not the
prompt was already in the KV cache. llama-cpp-python re-evaluates the last prompt token alone when the
whole prompt is cached, and a one-token batch takes other CPU kernels than the batch that first read
the prompt (repacked weights: gemv instead of gemm), so the logits differ in the last bits and a
temperature-1 reply with a fixed seed changes. The engine instead keeps a copy of the logits at the
end of the prompt with the cache, and always samples the first token from that copy through
`sample_logits`, which does exactly what `llama_sampler_sample` does in C (apply the chain to the
full candidate list, take `selected`, accept it). Later tokens use `llama_sampler_sample` directly.

The chain mirrors llama-cpp-python's: penalties over the last 64 tokens, then greedy at temperature
0, else top-k → typical(1.0) → top-p → min-p → temperature → dist(seed).

With a grammar (an output format: core/runtime/grammar.py) the chain is split in two — the
truncation steps, then the pick (dist or greedy) — and the grammar is asked about the token picked
first; only when it refuses is it asked about the truncated candidates (and, if none fits, the whole
vocabulary), so constrained decoding costs about what unconstrained does.
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP
from chatapp.core.runtime import llama_runtime
from chatapp.core.runtime.grammar import NEG_INF, GrammarDeadEnd, GrammarSampler
from chatapp.core.types import SamplingParams

PENALTY_LAST_N = 64  # llama-cpp-python's default window for the repeat penalty
GREEDY_POOL = 64  # with a grammar at temperature 0: the best candidates asked first, before the whole vocabulary

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)


class NativeSampler:
    """One reply's sampler chain (its RNG state advances with every token); `close()` frees it."""

    def __init__(self, n_vocab: int, params: SamplingParams, seed: int,
                 grammar: GrammarSampler | None = None) -> None:
        lib = llama_runtime.llama()
        self._lib = lib
        self.n_vocab = n_vocab
        self.grammar = grammar
        self.chain: Any = self._new_chain()
        # Without a grammar: one chain, sampled in C. With one: `chain` truncates, `pick` chooses.
        self.pick: Any = self._new_chain() if grammar is not None else self.chain
        lib.llama_sampler_chain_add(self.chain, lib.llama_sampler_init_penalties(
            n_vocab, PENALTY_LAST_N, params.repeat_penalty, params.frequency_penalty, params.presence_penalty))
        if params.temperature == 0.0:
            if grammar is not None:
                lib.llama_sampler_chain_add(self.chain, lib.llama_sampler_init_top_k(GREEDY_POOL))
            lib.llama_sampler_chain_add(self.pick, lib.llama_sampler_init_greedy())
        else:
            for step in (lib.llama_sampler_init_top_k(params.top_k), lib.llama_sampler_init_typical(1.0, 1),
                         lib.llama_sampler_init_top_p(params.top_p, 1), lib.llama_sampler_init_min_p(params.min_p, 1),
                         lib.llama_sampler_init_temp(params.temperature)):
                lib.llama_sampler_chain_add(self.chain, step)
            lib.llama_sampler_chain_add(self.pick, lib.llama_sampler_init_dist(seed & 0xFFFFFFFF))
        self._candidates = np.zeros(n_vocab, dtype=_TOKEN_DATA)
        self._ids = np.arange(n_vocab, dtype=np.int32)
        self.grammar_fallbacks = 0  # tokens the grammar refused at first (for benchmarks)

    def _new_chain(self) -> Any:
        return self._lib.llama_sampler_chain_init(self._lib.llama_sampler_chain_default_params())

    def sample(self, ctx: Any, idx: int = -1) -> int:
        """Sample from the logits of output `idx` of the context's last decode (and accept it)."""
        if self.grammar is None:
            return int(self._lib.llama_sampler_sample(self.chain, ctx, idx))
        live = np.ctypeslib.as_array(self._lib.llama_get_logits_ith(ctx, idx), shape=(self.n_vocab,))
        return self._sample_constrained(live)

    def sample_logits(self, logits: np.ndarray) -> int:
        """Sample from a saved copy of one position's logits, exactly as `sample` would from the live ones."""
        if self.grammar is not None:
            return self._sample_constrained(logits)
        array = self._fill(logits)
        token = self._pick(array, self.chain)
        self._lib.llama_sampler_accept(self.chain, token)
        return token

    def _fill(self, logits: np.ndarray) -> Any:
        """Every token as a candidate, in the buffer kept for this."""
        cand = self._candidates
        cand["id"] = self._ids
        cand["logit"] = logits
        cand["p"] = 0.0
        return self._array(cand)

    def _array(self, cand: np.ndarray) -> Any:
        lib = self._lib
        return lib.llama_token_data_array(data=cand.ctypes.data_as(ctypes.POINTER(lib.llama_token_data)),
                                          size=len(cand), selected=-1, sorted=False)

    def _pick(self, array: Any, chain: Any) -> int:
        self._lib.llama_sampler_apply(chain, ctypes.byref(array))
        if not 0 <= array.selected < array.size:
            raise RuntimeError(f"llama.cpp's sampler selected no token ({array.selected})")
        return int(array.data[array.selected].id)

    def _sample_constrained(self, logits: np.ndarray) -> int:
        """The truncation steps, then the pick; the grammar asked about the token picked, then (if it
        refused) about the truncated candidates, then about every token."""
        assert self.grammar is not None
        grammar, lib = self.grammar, self._lib
        array = self._fill(logits)
        lib.llama_sampler_apply(self.chain, ctypes.byref(array))
        kept = self._candidates[: array.size].copy()  # what truncation left, before the pick rescales it
        token = self._pick(array, self.pick)
        if not grammar.allows(token):
            self.grammar_fallbacks += 1
            token = self._pick_allowed(kept) if len(kept) else -1
            if token < 0:
                array = self._fill(logits)
                grammar.filter(array)
                if not np.isfinite(self._candidates["logit"]).any():
                    raise GrammarDeadEnd(QT_TRANSLATE_NOOP(
                        "core", "The grammar allows nothing more here, so the reply ends unfinished."))
                lib.llama_sampler_apply(self.chain, ctypes.byref(array))
                kept = self._candidates[: array.size].copy()
                token = self._pick_allowed(kept)
                if token < 0:  # truncation dropped every allowed token: the best allowed one
                    allowed = self._candidates
                    token = int(allowed["id"][int(np.argmax(allowed["logit"]))])
        lib.llama_sampler_accept(self.chain, token)
        lib.llama_sampler_accept(self.pick, token)
        grammar.accept(token)
        return token

    def _pick_allowed(self, cand: np.ndarray) -> int:
        """The pick among the candidates the grammar allows; -1 when it allows none of them."""
        assert self.grammar is not None
        array = self._array(cand)
        self.grammar.filter(array)
        if not np.isfinite(cand["logit"][: array.size]).any():
            return -1
        token = self._pick(array, self.pick)
        chosen = cand[cand["id"] == token]
        return token if len(chosen) and chosen["logit"][0] != NEG_INF else -1

    def close(self) -> None:
        if self.pick is not None and self.pick is not self.chain:
            self._lib.llama_sampler_free(self.pick)
        self.pick = None
        if self.chain is not None:
            self._lib.llama_sampler_free(self.chain)
            self.chain = None
        if self.grammar is not None:
            self.grammar.close()
