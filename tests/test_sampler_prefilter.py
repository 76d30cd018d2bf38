"""The sampler's prefilter (core/runtime/sampler.py) picks exactly what the whole-vocabulary chain picks:
the same llama.cpp samplers, the same seed, on logits shaped like a model's (peaked, flat, with ties,
with the penalties of a recent history), token after token."""

from __future__ import annotations

import numpy as np
import pytest

from chatapp.core.runtime.sampler import NativeSampler
from chatapp.core.types import SamplingParams

N_VOCAB = 262_144  # Gemma 3's vocabulary, where the prefilter matters


def logits_like_a_model(rng: np.random.Generator, step: int) -> np.ndarray:
    kind = step % 4
    logits = rng.standard_normal(N_VOCAB).astype(np.float32) * 2.0
    if kind == 0:  # confident: one token far ahead
        logits[rng.integers(N_VOCAB)] += 25.0
    elif kind == 1:  # a handful of good candidates
        logits[rng.integers(N_VOCAB, size=12)] += rng.uniform(8.0, 10.0, size=12).astype(np.float32)
    elif kind == 2:  # flat: many near the top (the prefilter must widen or give up)
        logits *= 0.05
    else:  # ties at the top-k boundary and repeats of recent tokens
        logits[:200] = 12.0
    return logits


@pytest.mark.parametrize("params", [
    SamplingParams(),  # the app's default: temp 0.7, top-p 0.95, top-k 40, min-p 0.05, repeat 1.1
    SamplingParams(temperature=1.2, top_k=100, top_p=1.0, min_p=0.0, repeat_penalty=1.5,
                   presence_penalty=0.8, frequency_penalty=0.5),
    SamplingParams(temperature=0.0, repeat_penalty=1.3),  # greedy after penalties
    SamplingParams(top_k=1000, top_p=0.5),
], ids=["default", "hot-penalised", "greedy", "wide-top-k"])
def test_the_prefilter_picks_what_the_whole_vocabulary_picks(params: SamplingParams) -> None:
    rng = np.random.default_rng(7)
    fast = NativeSampler(N_VOCAB, params, seed=1234)
    full = NativeSampler(N_VOCAB, params, seed=1234)
    full.prefilter = 0  # the whole vocabulary, as llama_sampler_sample gives it
    assert fast.prefilter > 0
    try:
        for step in range(60):
            logits = logits_like_a_model(rng, step)
            assert fast.sample_logits(logits) == full.sample_logits(logits), f"step {step}"
    finally:
        fast.close()
        full.close()


@pytest.mark.parametrize("params", [
    SamplingParams(top_k=0),  # no top-k: every token may be picked
    SamplingParams(repeat_penalty=0.8),  # a penalty below 1 raises logits
    SamplingParams(presence_penalty=-0.5),  # so does a negative presence penalty
])
def test_settings_it_would_not_be_exact_for_use_the_whole_vocabulary(params: SamplingParams) -> None:
    sampler = NativeSampler(N_VOCAB, params, seed=1)
    try:
        assert sampler.prefilter == 0
    finally:
        sampler.close()


@pytest.mark.parametrize("values", [
    [float("-inf")] * 6,  # bans, as ignore_eos makes: the candidates found before the bias are reused
    [-3.0, -0.5, -40.0, -1.0, -8.0, -2.0],  # lowered only: reused too
    [30.0, -1.0, 2.0, 0.0, -5.0, 9.0],  # some raised: looked for again
], ids=["banned", "lowered", "raised"])
def test_a_bias_with_log_probabilities_picks_what_the_whole_vocabulary_picks(values: list[float]) -> None:
    """The bias is added in place for the pick and taken off again; the prefilter's candidates found before
    it are reused where that is exact. Tokens 0-5 are biased and are often the model's best here, so
    the best is banned or lowered out of the candidates found before the bias."""
    rng = np.random.default_rng(11)
    bias = (np.arange(6, dtype=np.int64), np.array(values, dtype=np.float32))
    fast = NativeSampler(N_VOCAB, SamplingParams(), seed=99, bias=bias, explain=10)
    full = NativeSampler(N_VOCAB, SamplingParams(), seed=99, bias=bias)
    full.prefilter = 0
    try:
        for step in range(60):
            # no exact ties: which of two equal logits top-k keeps depends on where each sits in the
            # candidates, and banned tokens sit among the whole vocabulary's but not among the prefilter's
            logits = logits_like_a_model(rng, step) + rng.uniform(0.0, 0.5, N_VOCAB).astype(np.float32)
            if step % 3 == 0:
                logits[step % 6] = logits.max() + 6.0  # a biased token far ahead of the rest
            kept = logits.copy()
            token = fast.sample_logits(logits)
            assert token == full.sample_logits(logits.copy()), f"step {step}"
            np.testing.assert_array_equal(logits, kept)  # the bias was taken off again
            assert fast.last is not None
            shifted = kept.astype(np.float64) - kept.max()
            log_total = kept.max() + np.log(np.exp(shifted).sum())
            assert fast.last[1] == pytest.approx(kept[token] - log_total, abs=1e-4)  # the model's, unbiased
    finally:
        fast.close()
        full.close()
