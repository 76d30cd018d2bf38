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

Without a grammar the chain is given only the tokens that can matter, not the whole vocabulary: the
best top-k + 64 by raw logit (a superset found with a threshold, in one pass over the logits). That is
exact: penalties only lower logits (for penalties ≥ 1 and non-negative presence/frequency) and touch
at most the last 64 tokens, so at least top-k unpenalized tokens of the superset beat every token
outside it. Filling and partially sorting 262k candidates in C cost ~1 ms a token on Gemma 3 (6% of a
token on 2 cores); the prefilter costs ~0.1 ms. Settings for which it would not be exact (top-k off,
a repeat penalty below 1, negative presence or frequency penalties) use the whole vocabulary.

With a grammar (an output format, or a tool call once it starts: core/runtime/grammar.py) the
chain is split into its steps — penalties, a pool of the best POOL candidates, the truncation steps
(top-k, typical, top-p, min-p, temperature), the pick (dist or greedy) — with the same result as the
single chain (top-k of the pool is top-k of the vocabulary). The grammar is asked about the token
picked first; when it refuses, about the truncated candidates, then about the pool, and only when
none of those fits, about the whole vocabulary. So constrained decoding costs about what
unconstrained does, even over Gemma's 262k-token vocabulary.

Explained (`explain`, the window's view of how each token was chosen): the split chain as with a
grammar, its truncation steps applied one at a time, so for the model's most likely tokens the sampler
records their probability under the model, under the settings (what `dist` drew from), and which
step cut them. The same steps in the same order: the reply is the one an unexplained sampler draws.
"""

from __future__ import annotations

import ctypes
import os
from dataclasses import dataclass
from typing import Any

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP
from chatapp.core.runtime import llama_runtime
from chatapp.core.runtime.grammar import NEG_INF, GrammarDeadEnd, GrammarSampler
from chatapp.core.types import SamplingParams

PENALTY_LAST_N = 64  # llama-cpp-python's default window for the repeat penalty
POOL = 128  # with a grammar: the candidates asked before the whole vocabulary
SORT_BELOW = 1024  # the most likely tokens: sorted outright among fewer candidates than this, else partitioned
PREFILTER_WIDTHS = (4.0, 8.0, 16.0, 32.0)  # logits below the best, tried in turn for a large enough superset
# CHATAPP_SAMPLER_PREFILTER=0 gives the chain the whole vocabulary (benchmarks measure what the prefilter saves).
PREFILTER_ON = os.environ.get("CHATAPP_SAMPLER_PREFILTER", "1") != "0"

_TOKEN_DATA = np.dtype([("id", np.int32), ("logit", np.float32), ("p", np.float32)], align=True)
# The truncation steps of the chain, in order, as an explanation names them ("typical" at 1.0 cuts nothing).
STEP_NAMES = ("top-k", "typical", "top-p", "min-p", "temperature")
# The logits near the best: the best, the ids within a width of it (None: no width held enough) and the width.
Near = tuple[float, np.ndarray | None, float]


@dataclass(frozen=True, slots=True)
class Weighed:
    """One candidate for a sampled position, as the explanation shows it."""

    token: int
    model_p: float  # the model's probability (softmax of the raw logits)
    sampler_p: float  # the probability `dist` drew it with, after penalties and truncation (0: cut)
    cut_by: str  # the step that removed it ("top-k", "top-p", "min-p", "greedy"); "" when kept; "grammar":
    # drawn though the settings cut it, because the output format allowed none of the tokens they kept


class NativeSampler:
    """One reply's sampler chain (its RNG state advances with every token); `close()` frees it.
    `constrained`: built in steps so a grammar can apply (now, or from `set_grammar` on, as when a
    tool call starts mid-reply)."""

    def __init__(self, n_vocab: int, params: SamplingParams, seed: int,
                 grammar: GrammarSampler | None = None, constrained: bool = False,
                 bias: tuple[np.ndarray, np.ndarray] | None = None, logprobs: int | None = None,
                 explain: int = 0) -> None:
        """`bias`: token ids and what to add to their logits before anything else (minus infinity: never
        sampled — a request's `ignore_eos` bans the end-of-generation tokens this way; OpenAI's
        `logit_bias`). `logprobs`: keep each sampled token's log-probability under the model and this many
        alternatives (`last`). `explain`: keep this many of the model's most likely tokens with what the
        settings made of them (`last_choice`); it implies `logprobs` of at least as many."""
        lib = llama_runtime.llama()
        self._lib = lib
        self.n_vocab = n_vocab
        self.bias = bias if bias is not None and len(bias[0]) else None
        self.explain = explain
        self.logprobs = max(logprobs or 0, explain) if explain else logprobs
        self.last: tuple[int, float, np.ndarray, np.ndarray] | None = None  # token, logprob, top ids, top logprobs
        self.last_choice: tuple[Weighed, ...] = ()  # with `explain`: the candidates, the one drawn among them
        self.grammar = grammar
        self.constrained = constrained or grammar is not None or explain > 0
        penalties = lib.llama_sampler_init_penalties(n_vocab, PENALTY_LAST_N, params.repeat_penalty,
                                                     params.frequency_penalty, params.presence_penalty)
        self.greedy = greedy = params.temperature == 0.0
        truncation = [] if greedy else [
            lib.llama_sampler_init_top_k(params.top_k), lib.llama_sampler_init_typical(1.0, 1),
            lib.llama_sampler_init_top_p(params.top_p, 1), lib.llama_sampler_init_min_p(params.min_p, 1),
            lib.llama_sampler_init_temp(params.temperature)]
        pick = lib.llama_sampler_init_greedy() if greedy else lib.llama_sampler_init_dist(seed & 0xFFFFFFFF)
        self.pool: Any = None
        self.truncate: Any = None
        self.pick: Any = None
        if not self.constrained:  # one chain, sampled in C
            self.chain: Any = self._new_chain(penalties, *truncation, pick)
        else:
            self.chain = self._new_chain(penalties)
            # top-k of a pool that holds the best `POOL` is top-k of the vocabulary; top-k 0 (off) needs all of it
            pooled = greedy or 0 < params.top_k <= POOL
            self.pool = self._new_chain(*([lib.llama_sampler_init_top_k(POOL)] if pooled else []))
            self.truncate = self._new_chain(*truncation)
            self.pick = self._new_chain(pick)
        self._truncation_steps = truncation  # owned by `truncate` (if made), which frees them
        self._candidates = np.zeros(n_vocab, dtype=_TOKEN_DATA)
        self._ids = np.arange(n_vocab, dtype=np.int32)
        # Scratch for the passes over every logit, made once: no vocabulary-sized array is allocated per token.
        self._scratch = np.empty(n_vocab, dtype=np.float32)
        self._mask = np.empty(n_vocab, dtype=np.bool_)
        self.grammar_fallbacks = 0  # tokens the grammar refused at first (for benchmarks)
        self._shared_near: Near | None = None
        self._bias_lowers = self.bias is not None and bool((self.bias[1] <= 0).all())
        self._pool_size = 0  # explained: the candidates the truncation steps started from...
        self._steps_left: list[int] = []  # ...and how many each step left
        self._explained_pool: np.ndarray | None = None  # those candidates, kept when a fallback refills the buffer
        # The prefilter's superset size (see the module docstring), or 0 where it would not be exact.
        exact = params.repeat_penalty >= 1.0 and params.presence_penalty >= 0.0 and params.frequency_penalty >= 0.0
        exact = exact and PREFILTER_ON
        # Explained without a grammar, the split chain takes the same superset (the steps see the same
        # candidates, so the draw and what they cut are unchanged).
        unconstrained = not self.constrained or (explain > 0 and grammar is None)
        self.prefilter = (params.top_k + PENALTY_LAST_N if unconstrained and exact and not greedy
                          and params.top_k > 0 and params.top_k + PENALTY_LAST_N < n_vocab else 0)
        if unconstrained and exact and greedy:
            self.prefilter = 1 + PENALTY_LAST_N  # greedy: the best after penalties is among the best 65

    def _new_chain(self, *steps: Any) -> Any:
        chain = self._lib.llama_sampler_chain_init(self._lib.llama_sampler_chain_default_params())
        for step in steps:
            self._lib.llama_sampler_chain_add(chain, step)
        return chain

    def set_grammar(self, grammar: GrammarSampler | None) -> None:
        """Hold the following tokens to `grammar` (a sampler built `constrained`)."""
        if not self.constrained:
            raise ValueError("a grammar needs a sampler built constrained")
        if self.grammar is not None:
            self.grammar.close()
        self.grammar = grammar

    def sample(self, ctx: Any, idx: int = -1) -> int:
        """Sample from the logits of output `idx` of the context's last decode (and accept it)."""
        if not self.constrained and not self.prefilter and self.bias is None and self.logprobs is None:
            return int(self._lib.llama_sampler_sample(self.chain, ctx, idx))
        live = np.ctypeslib.as_array(self._lib.llama_get_logits_ith(ctx, idx), shape=(self.n_vocab,))
        return self._sample(live)

    def sample_logits(self, logits: np.ndarray) -> int:
        """Sample from a saved copy of one position's logits, exactly as `sample` would from the live ones
        (the copy is left as it was)."""
        return self._sample(logits)

    def _sample(self, logits: np.ndarray) -> int:
        """Sample from `logits`; a bias is added in place for the pick and taken off again (no copy of
        the vocabulary's logits per token)."""
        # The logits near the best, found once for both the log-probabilities and the prefilter.
        near = self._near(logits, max(self.logprobs or 0, self.prefilter)) if self.logprobs else None
        weighed = self._weigh(logits, near) if self.logprobs is not None else None
        if self.bias is None:
            self._shared_near = near
            token = self._pick_token(logits)
        else:
            ids, values = self.bias
            unbiased = logits[ids]
            logits[ids] += values
            try:
                self._shared_near = self._near_after_bias(logits, near)
                token = self._pick_token(logits)
            finally:
                logits[ids] = unbiased
        if weighed is not None:
            log_total, top = weighed
            self.last = (token, float(logits[token]) - log_total, top, logits[top].astype(np.float64) - log_total)
            if self.explain:
                self.last_choice = self._explanation(token, logits, log_total, top[: self.explain])
        return token

    def _near(self, logits: np.ndarray, count: int) -> Near:
        """The best logit, the ids within the narrowest width of it that holds `count` of them (None:
        no width does: near-uniform logits) and that width."""
        best = float(logits.max())
        mask = self._mask[: len(logits)]
        for width in PREFILTER_WIDTHS:
            ids = np.flatnonzero(np.greater_equal(logits, best - width, out=mask))
            if len(ids) >= count:
                return best, ids, width
        return best, None, PREFILTER_WIDTHS[-1]

    def _near_after_bias(self, logits: np.ndarray, near: Near | None) -> Near | None:
        """The prefilter's candidates once a bias is added, from those found before it (None: look again).
        A bias that only lowers logits (bans, as `ignore_eos` makes) lifts no token over the threshold, so
        the tokens still over it are every token over it; if they are still enough, they hold the best
        `prefilter`, which is all the prefilter needs."""
        if near is None or not self._bias_lowers:
            return None
        best, ids, width = near
        if ids is None:
            return None
        kept = ids[logits[ids] >= best - width]
        return (best, kept, width) if len(kept) >= self.prefilter else None

    def _weigh(self, logits: np.ndarray, near: Near | None) -> tuple[float, np.ndarray]:
        """The log of the softmax's denominator over the raw logits (before any bias or sampler step, as
        OpenAI's logprobs are: a token's log-probability is its logit minus this) and the ids of the most
        likely tokens, best first. The top ones are looked for among the logits near the best (as the
        prefilter does), not by partitioning the whole vocabulary: 0.4 ms a token less on 49k tokens."""
        best, ids = (near[0], near[1]) if near is not None else (float(logits.max()), None)
        # float32 terms, summed pairwise by numpy: ~1e-7 relative, below what a probability is shown with
        shifted = np.subtract(logits, best, out=self._scratch[: len(logits)])
        log_total = best + float(np.log(np.exp(shifted, out=shifted).sum()))
        k = self.logprobs or 0
        if not 0 < k < len(logits):
            return log_total, np.arange(len(logits) if k else 0)
        if ids is None:
            ids = np.arange(len(logits))
        if len(ids) > SORT_BELOW:  # near-uniform logits: partition first, sort what is left
            ids = ids[np.argpartition(logits[ids], -k)[-k:]]
        return log_total, ids[np.argsort(logits[ids], kind="stable")[: -k - 1: -1]]

    def _pick_token(self, logits: np.ndarray) -> int:
        if self.constrained:
            return self._sample_in_steps(logits)
        array = self._fill_best(logits) if self.prefilter else self._fill(logits)
        token = self._pick(array, self.chain)
        self._lib.llama_sampler_accept(self.chain, token)
        return token

    def _fill_best(self, logits: np.ndarray) -> Any:
        """The candidates that can matter (see the module docstring): every token whose logit is within
        a width of the best, the narrowest width that keeps `prefilter` of them; the whole vocabulary
        when none does (near-uniform logits)."""
        shared, self._shared_near = self._shared_near, None
        _, ids, _ = shared if shared is not None else self._near(logits, self.prefilter)
        if ids is None:
            return self._fill(logits)
        return self._put(ids, logits[ids])

    def _fill(self, logits: np.ndarray) -> Any:
        """Every token as a candidate, in the buffer kept for this."""
        return self._put(self._ids, logits)

    def _put(self, ids: np.ndarray, logits: np.ndarray) -> Any:
        """These tokens with these logits as the candidates, at the start of the buffer kept for this."""
        cand = self._candidates[: len(ids)]
        cand["id"] = ids
        cand["logit"] = logits
        cand["p"] = 0.0
        return self._array(cand)

    def _array(self, cand: np.ndarray) -> Any:
        lib = self._lib
        return lib.llama_token_data_array(data=cand.ctypes.data_as(ctypes.POINTER(lib.llama_token_data)),
                                          size=len(cand), selected=-1, sorted=False)

    def _apply(self, chain: Any, array: Any) -> None:
        self._lib.llama_sampler_apply(chain, ctypes.byref(array))

    def _pick(self, array: Any, chain: Any) -> int:
        self._apply(chain, array)
        if not 0 <= array.selected < array.size:
            raise RuntimeError(f"llama.cpp's sampler selected no token ({array.selected})")
        return int(array.data[array.selected].id)

    def _sample_in_steps(self, logits: np.ndarray) -> int:
        """Penalties, pool, truncation, pick; with a grammar, the token picked is checked and, if refused,
        the truncated candidates, the pool and then the vocabulary are asked in turn."""
        array = self._fill_best(logits) if self.prefilter and self.grammar is None else self._fill(logits)
        self._apply(self.chain, array)
        pool = None
        if self.grammar is not None:  # the pool is what the grammar is asked about next (without one, top-k
            self._apply(self.pool, array)  # of the pool is the truncation's own top-k: nothing to add)
            pool = self._candidates[: array.size].copy()
        if self.explain:
            self._truncate_explained(array)
        else:
            self._apply(self.truncate, array)
        kept = self._candidates[: array.size].copy() if self.grammar is not None else None
        token = self._pick(array, self.pick)
        if self.grammar is not None and not self.grammar.allows(token):
            assert pool is not None and kept is not None
            self.grammar_fallbacks += 1
            token = self._pick_allowed(kept, truncate=False)
            if token < 0:
                token = self._pick_allowed(pool, truncate=True)
            if token < 0:
                if self.explain:  # the whole vocabulary refills the buffer the explanation reads: keep it
                    self._explained_pool = self._candidates[: self._pool_size].copy()
                token = self._pick_from_vocabulary(logits)
        for chain in (self.chain, self.truncate, self.pick):
            self._lib.llama_sampler_accept(chain, token)
        if self.grammar is not None:
            self.grammar.accept(token)
        return token

    def _truncate_explained(self, array: Any) -> None:
        """The truncation chain's steps one at a time (the same result as applying the chain), noting how
        many candidates each left. Top-k sorts the candidates in place, best first, and every later step
        keeps a prefix of them, so a token's place in the buffer says which step cut it (the token view's
        test recomputes the steps independently, should llama.cpp ever work otherwise)."""
        self._pool_size = array.size
        self._steps_left = []
        for step in self._truncation_steps:
            self._apply(step, array)
            self._steps_left.append(array.size)

    def _explanation(self, token: int, raw: np.ndarray, log_total: float, top: np.ndarray) -> tuple[Weighed, ...]:
        """The model's most likely tokens (and the one drawn, if it is not among them) as the settings saw them."""
        ids = [int(t) for t in top]
        if token not in ids:
            ids.append(token)
        model_p = np.exp(raw[ids].astype(np.float64) - log_total).tolist()
        if self.greedy or not self._steps_left:
            return tuple(Weighed(t, p, 1.0 if t == token else 0.0, "" if t == token else "greedy")
                         for t, p in zip(ids, model_p, strict=True))
        pool = self._explained_pool if self._explained_pool is not None else self._candidates[: self._pool_size]
        self._explained_pool = None
        left = self._steps_left
        drawn = pool["p"][: left[-1]].tolist()  # `dist` leaves in each candidate the probability it drew with
        # Only top-k's survivors need a place: any other token was cut by top-k (or never in the pool).
        place = {t: i for i, t in enumerate(pool["id"][: left[0]].tolist())}
        shown = []
        for t, p in zip(ids, model_p, strict=True):
            i = place.get(t, left[0])
            if i < left[-1]:
                shown.append(Weighed(t, p, drawn[i], ""))
            elif t == token:  # the settings cut it; the output format's grammar allowed nothing they kept
                shown.append(Weighed(t, p, 0.0, "grammar"))
            else:
                step = next(n for n, size in enumerate(left) if i >= size)
                shown.append(Weighed(t, p, 0.0, STEP_NAMES[step] if step < len(STEP_NAMES) else "sampler"))
        return tuple(shown)

    def _pick_allowed(self, cand: np.ndarray, truncate: bool) -> int:
        """The pick among the candidates the grammar allows (after the truncation steps if asked);
        -1 when it allows none of them."""
        assert self.grammar is not None
        if not len(cand):
            return -1
        array = self._array(cand)
        self.grammar.filter(array)
        if not np.isfinite(cand["logit"]).any():
            return -1
        if truncate:
            self._apply(self.truncate, array)
        token = self._pick(array, self.pick)
        chosen = cand[cand["id"] == token]
        return token if len(chosen) and chosen["logit"][0] != NEG_INF else -1

    def _pick_from_vocabulary(self, logits: np.ndarray) -> int:
        assert self.grammar is not None
        array = self._fill(logits)
        self._apply(self.chain, array)
        self.grammar.filter(array)
        allowed = self._candidates
        if not np.isfinite(allowed["logit"]).any():
            raise GrammarDeadEnd(QT_TRANSLATE_NOOP(
                "core", "The grammar allows nothing more here, so the reply ends unfinished."))
        self._apply(self.truncate, array)
        token = self._pick(array, self.pick)
        if allowed["logit"][: array.size][allowed["id"][: array.size] == token][:1].tolist() in ([], [NEG_INF]):
            token = int(allowed["id"][int(np.argmax(allowed["logit"]))])  # truncation kept no allowed token
        return token

    def close(self) -> None:
        for name in ("pool", "truncate", "pick", "chain"):
            chain = getattr(self, name)
            if chain is not None:
                self._lib.llama_sampler_free(chain)
            setattr(self, name, None)
        if self.grammar is not None:
            self.grammar.close()
            self.grammar = None
