"""Parallel requests on one model: several sequences in one context, their decodes batched
(core/runtime/batching.py), with the real SmolLM2 behind the real API server and the official client.

A row decoded in a batch of several sequences goes through other CPU kernels than a row decoded alone,
so greedy text may differ where the two best tokens are within rounding of each other; each reply is
held to the same request run alone up to its first such near-tie (tests/near_ties.py), never earlier.
Cross-talk (a sequence reading another's cache or logits) would change the text long before that.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import openai
import pytest
from near_ties import NEAR_TIE, one_by_one

from chatapp.core.runtime import llama_runtime
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.hosted import HostedEngine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.types import LoadOptions, Message, SamplingParams, Speculation
from chatapp.server.openai_api import ServerState
from chatapp.server.runner import ApiServer

PROMPTS = ["The capital of France is", "def fibonacci(n):", "Once upon a time, in a land far away,",
           "Ingredients for pancakes:"]
MAX_TOKENS = 40


@pytest.fixture(scope="module")
def parallel_host(instruct_model: Path) -> Iterator[ModelHost]:
    host = ModelHost()
    host.call(lambda engine: engine.load(instruct_model, LoadOptions(n_ctx=2048, parallel=4)))
    host.call(lambda engine: engine.set_speculation(Speculation("off")))
    yield host
    host.shutdown()


@pytest.fixture(scope="module")
def server(parallel_host: ModelHost) -> Iterator[ApiServer]:
    api = ApiServer(ServerState(parallel_host, lambda: "smollm2"), port=0).start()
    yield api
    api.stop()


@dataclass(frozen=True)
class Alone:
    """A prompt decoded alone, one token at a time: the tokens' texts and each position's top-2 gap."""

    pieces: list[str]
    margins: list[float]

    def check(self, text: str) -> None:
        """`text` is this reply, or leaves it only at a token where decoding alone had a near-tie."""
        done = ""
        for i, piece in enumerate(self.pieces):
            if not text.startswith(done + piece):
                assert self.margins[i] < NEAR_TIE, (
                    f"token {i} differs ({text[len(done):len(done) + 20]!r} instead of {piece!r}) where decoding "
                    f"alone was sure (top-2 gap {self.margins[i]:.3f})")
                return
            done += piece
        if text != done:  # longer: decoding alone ended here (end of text), by a near-tie only
            assert len(self.margins) > len(self.pieces) and self.margins[len(self.pieces)] < NEAR_TIE, (
                f"{text!r} runs past {done!r}, where decoding alone was sure it ended")


def _alone(engine: Engine, tokens: list[int]) -> Alone:
    reference = one_by_one(engine, tokens, MAX_TOKENS)
    vocab = engine._llm._model.vocab
    return Alone([llama_runtime.detokenize(vocab, [t]).decode("utf-8", errors="replace") for t in reference.tokens],
                 reference.margins)


@pytest.fixture(scope="module")
def references(parallel_host: ModelHost) -> dict[str, Alone]:
    return parallel_host.call(  # type: ignore[return-value]
        lambda engine: {p: _alone(engine, engine.tokenize(p)) for p in PROMPTS})


def _complete(server: ApiServer, prompt: str, results: dict[str, str], errors: list[BaseException]) -> None:
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=120)
        reply = client.completions.create(model="m", prompt=prompt, max_tokens=MAX_TOKENS, temperature=0)
        results[prompt] = reply.choices[0].text
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def _free_sequences(host: ModelHost) -> int:
    return host.call(lambda engine: len(engine._free))  # type: ignore[return-value]


def test_requests_at_once_each_get_their_own_reply(parallel_host: ModelHost, server: ApiServer,
                                                  references: dict[str, Alone]) -> None:
    scheduler = parallel_host.call(lambda engine: engine.scheduler)
    shared_before = scheduler.shared_steps  # type: ignore[attr-defined]
    results: dict[str, str] = {}
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_complete, args=(server, p, results, errors)) for p in PROMPTS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors
    assert scheduler.shared_steps > shared_before  # type: ignore[attr-defined]  # they were decoded together
    for prompt in PROMPTS:
        references[prompt].check(results[prompt])
    assert _free_sequences(parallel_host) == 4  # every sequence handed back


def test_cancelling_one_request_leaves_the_others(parallel_host: ModelHost, server: ApiServer,
                                                  references: dict[str, Alone]) -> None:
    client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=120)
    results: dict[str, str] = {}
    errors: list[BaseException] = []
    others = [threading.Thread(target=_complete, args=(server, p, results, errors)) for p in PROMPTS[1:3]]
    stream = client.completions.create(model="m", prompt="Write a very long story about a dragon.",
                                       max_tokens=1500, temperature=0, stream=True)
    for t in others:
        t.start()
    for received, _chunk in enumerate(stream, 1):
        if received == 5:
            break
    stream.close()  # the client hangs up mid-reply
    for t in others:
        t.join(180)
    assert not errors, errors
    for prompt in PROMPTS[1:3]:
        references[prompt].check(results[prompt])
    assert _free_sequences(parallel_host) == 4
    # The cancelled one's sequence serves the next request.
    again: dict[str, str] = {}
    _complete(server, PROMPTS[0], again, errors)
    assert not errors and again[PROMPTS[0]]


def test_the_windows_chat_and_api_requests_at_the_same_time(parallel_host: ModelHost, server: ApiServer,
                                                            references: dict[str, Alone]) -> None:
    """The window's reply (HostedEngine, the main sequence) streams while API requests run; it keeps its
    cache: the next turn reads only its new tokens."""
    window = HostedEngine(parallel_host)
    params = SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS)
    question = [Message("user", "Name three colours of the rainbow.")]
    alone: Alone = parallel_host.call(  # type: ignore[assignment]
        lambda engine: _alone(engine, engine.prepare(question, MAX_TOKENS).tokens))

    results: dict[str, str] = {}
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_complete, args=(server, p, results, errors)) for p in PROMPTS[:2]]
    for t in threads:
        t.start()
    together = window.chat(question, params).text()
    for t in threads:
        t.join(180)
    assert not errors, errors
    alone.check(together)
    for prompt in PROMPTS[:2]:
        references[prompt].check(results[prompt])

    follow_up = window.chat([*question, Message("assistant", together), Message("user", "And two more?")], params)
    follow_up.text()
    assert follow_up.stats is not None
    assert follow_up.stats.prompt_tokens_evaluated < follow_up.stats.prompt_tokens // 2
