"""What speculative decoding promises about greedy text, in a form that holds on every CPU.

A checked draft is one batch; decoding one token at a time is many. llama.cpp's CPU kernels are not
batch-invariant (repacked gemm against gemv, activation quantisation in other blocks), so the same
position's logits differ between the two in their last bits — measured on an AMD EPYC (AVX-512) with
Gemma 3 270M Q4_K_M: up to 0.47 logits between the best and the twentieth token for a 32-row batch,
0.25 for a 4-row one, with repacking on and off alike. Where the best two tokens of the one-by-one
run are closer than that, greedy may take either; nowhere else may the outputs differ.

So the property tested is: the speculative output equals the one-by-one output up to the first
position where the one-by-one run's top two logits are within NEAR_TIE of each other, never earlier.
The same holds between any two code paths that run the same greedy request (a batch of parallel
requests, another process, a server): `agree_up_to_a_near_tie` checks texts against one reference.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from chatapp.core.runtime import llama_runtime
from chatapp.core.runtime.engine import Engine

# Twice the largest difference measured (above): ties closer than this may break either way.
NEAR_TIE = 1.0


@dataclass(frozen=True)
class Reference:
    """One-by-one greedy decoding: the tokens (the end-of-generation token excluded) and, for every
    position including the one that ended the reply, the gap between its best two logits."""

    tokens: list[int]
    margins: list[float]


def one_by_one(engine: Engine, prompt_tokens: list[int], max_tokens: int) -> Reference:
    """Greedy decoding without speculation, read straight from the logits; leaves the cache empty."""
    lib = llama_runtime.llama()
    seq = engine._seq
    assert seq is not None
    seq.clear()
    logits = seq.read_prompt(prompt_tokens).copy()
    tokens: list[int] = []
    margins: list[float] = []
    vocab = engine._llm._model.vocab
    for _ in range(max_tokens):
        best, second = np.argsort(logits)[::-1][:2]
        margins.append(float(logits[best] - logits[second]))
        if lib.llama_vocab_is_eog(vocab, int(best)):
            break
        tokens.append(int(best))
        seq.decode([int(best)])
        logits = np.ctypeslib.as_array(lib.llama_get_logits_ith(seq.ctx, -1), shape=(seq.n_vocab,)).copy()
    seq.clear()
    return Reference(tokens, margins)


def last_reply_tokens(engine: Engine, n_prompt: int) -> list[int]:
    """The tokens of the reply the engine generated last (it keeps them to reuse the cache)."""
    assert engine._seq is not None
    return list(engine._seq.cached_tokens[n_prompt:])


def divergence(reference: Reference, tokens: list[int]) -> int | None:
    """The first position where `tokens` leave the reference (None: identical), checked to be a near-tie."""
    for i in range(max(len(reference.tokens), len(tokens))):
        same = i < len(reference.tokens) and i < len(tokens) and reference.tokens[i] == tokens[i]
        if not same:
            if i >= len(reference.margins):  # the reference was cut by max_tokens: nothing to compare
                return None
            assert reference.margins[i] < NEAR_TIE, (
                f"the outputs differ at token {i}, where one-by-one decoding was sure "
                f"(top-2 gap {reference.margins[i]:.3f} >= {NEAR_TIE})")
            return i
    return None


def agree_up_to_a_near_tie(engine: Engine, prompt_tokens: list[int], texts: Sequence[str], max_tokens: int) -> None:
    """Each of `texts` (greedy replies to `prompt_tokens`, from any code path) equals one-by-one greedy
    decoding on `engine` up to the first position where that decoding's two best logits are within
    NEAR_TIE, never earlier. Texts are compared as the reference's token pieces, byte by byte."""
    reference = one_by_one(engine, prompt_tokens, max_tokens)
    vocab = engine._llm._model.vocab
    pieces = [llama_runtime.detokenize(vocab, [t]) for t in reference.tokens]
    for text in texts:
        data, at, i = text.encode(), 0, 0
        while i < len(pieces) and data.startswith(pieces[i], at):
            at, i = at + len(pieces[i]), i + 1
        if (at == len(data) and i == len(reference.tokens)) or i >= max_tokens:  # the same, or cut by the limit
            continue
        assert reference.margins[i] < NEAR_TIE, (
            f"{text!r} leaves the one-by-one reply at token {i} ({data[at:at + 20]!r} instead of "
            f"{pieces[i] if i < len(pieces) else 'the end'!r}), where it was sure (top-2 gap "
            f"{reference.margins[i]:.3f} >= {NEAR_TIE})")
