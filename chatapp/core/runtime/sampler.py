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
"""

from __future__ import annotations

import ctypes
from typing import Any

import numpy as np

from chatapp.core.runtime import llama_runtime
from chatapp.core.types import SamplingParams

PENALTY_LAST_N = 64  # llama-cpp-python's default window for the repeat penalty

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)


class NativeSampler:
    """One reply's sampler chain (its RNG state advances with every token); `close()` frees it."""

    def __init__(self, n_vocab: int, params: SamplingParams, seed: int) -> None:
        lib = llama_runtime.llama()
        self._lib = lib
        self.n_vocab = n_vocab
        chain = lib.llama_sampler_chain_init(lib.llama_sampler_chain_default_params())
        self.chain: Any = chain

        def add(sampler: Any) -> None:
            lib.llama_sampler_chain_add(chain, sampler)

        add(lib.llama_sampler_init_penalties(n_vocab, PENALTY_LAST_N, params.repeat_penalty, params.frequency_penalty,
                                             params.presence_penalty))
        if params.temperature == 0.0:
            add(lib.llama_sampler_init_greedy())
        else:
            add(lib.llama_sampler_init_top_k(params.top_k))
            add(lib.llama_sampler_init_typical(1.0, 1))
            add(lib.llama_sampler_init_top_p(params.top_p, 1))
            add(lib.llama_sampler_init_min_p(params.min_p, 1))
            add(lib.llama_sampler_init_temp(params.temperature))
            add(lib.llama_sampler_init_dist(seed & 0xFFFFFFFF))
        self._candidates = np.zeros(n_vocab, dtype=_TOKEN_DATA)
        self._ids = np.arange(n_vocab, dtype=np.int32)

    def sample(self, ctx: Any, idx: int = -1) -> int:
        """Sample from the logits of output `idx` of the context's last decode (and accept it)."""
        return int(self._lib.llama_sampler_sample(self.chain, ctx, idx))

    def sample_logits(self, logits: np.ndarray) -> int:
        """Sample from a saved copy of one position's logits, exactly as `sample` would from the live ones."""
        lib = self._lib
        cand = self._candidates
        cand["id"] = self._ids
        cand["logit"] = logits
        cand["p"] = 0.0
        array = lib.llama_token_data_array(
            data=cand.ctypes.data_as(ctypes.POINTER(lib.llama_token_data)),
            size=self.n_vocab,
            selected=-1,
            sorted=False,
        )
        lib.llama_sampler_apply(self.chain, ctypes.byref(array))
        if not 0 <= array.selected < array.size:
            raise RuntimeError(f"llama.cpp's sampler selected no token ({array.selected})")
        token = int(array.data[array.selected].id)
        lib.llama_sampler_accept(self.chain, token)
        return token

    def close(self) -> None:
        if self.chain is not None:
            self._lib.llama_sampler_free(self.chain)
            self.chain = None
