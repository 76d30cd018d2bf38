"""Parallel requests on one model: several sequences in one context, their decodes batched
(core/runtime/batching.py), with the real SmolLM2 behind the real API server and the official client.

A row decoded in a batch of several sequences goes through other CPU kernels than a row decoded alone,
so greedy text may differ where the two best tokens are within rounding of each other; each reply is
held to the same request run alone up to its first such near-tie (tests/near_ties.py), never earlier.
Cross-talk (a sequence reading another's cache or logits) would change the text long before that.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TypeVar, cast

import openai
import pytest
from near_ties import Reference, divergence, one_by_one

from chatapp.core.generation import GenerationRequest
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter, RoutedBackend
from chatapp.core.types import LoadOptions, Message, SamplingParams, Speculation
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

PROMPTS = ["The capital of France is", "def fibonacci(n):", "Once upon a time, in a land far away,",
           "Ingredients for pancakes:"]
MAX_TOKENS = 40
T = TypeVar("T")


def _on_model(host: ModelHost, job: Callable[[Engine], T]) -> T:
    """`job` run on the model thread, its result typed."""
    return cast(T, host.call(job))


@pytest.fixture(scope="module")
def parallel_host(instruct_model: Path) -> Iterator[ModelHost]:
    host = ModelHost()
    _on_model(host, lambda engine: engine.load(instruct_model, LoadOptions(n_ctx=2048, parallel=4)))
    _on_model(host, lambda engine: engine.set_speculation(Speculation("off")))
    yield host
    host.shutdown()


@pytest.fixture(scope="module")
def server(parallel_host: ModelHost) -> Iterator[ApiServer]:
    api = ApiServer(ServerState(ModelRouter(parallel_host)), port=0).start()
    yield api
    api.stop()


def _alone(engine: Engine, tokens: list[int]) -> Reference:
    return one_by_one(engine, tokens, MAX_TOKENS)


@pytest.fixture(scope="module")
def references(parallel_host: ModelHost) -> dict[str, Reference]:
    """Each prompt decoded alone, one token at a time, on the model thread."""
    return _on_model(parallel_host,
        lambda engine: {p: _alone(engine, engine.tokenize(p)) for p in PROMPTS})


def _reply_tokens(host: ModelHost, prompt_text: str, reply: str, n_prompt: int) -> list[int]:
    """The tokens a reply was generated as, from the sequence that kept them (beside its text)."""
    def find(engine: Engine) -> list[int]:
        for seq in (engine._seq, *engine._pool):
            if seq is not None and seq.cached_text == prompt_text + reply:
                return list(seq.cached_tokens[n_prompt:])
        raise AssertionError(f"no sequence holds the reply {reply!r}")
    return _on_model(host, find)


def _check(host: ModelHost, references: dict[str, Reference], prompt: str, reply: str) -> None:
    """The reply equals the prompt's reply alone, or leaves it only at a near-tie of decoding alone."""
    reference = references[prompt]
    n_prompt = _on_model(host, lambda engine: len(engine.tokenize(prompt)))
    divergence(reference, _reply_tokens(host, prompt, reply, n_prompt))


def _complete(server: ApiServer, prompt: str, results: dict[str, str], errors: list[BaseException]) -> None:
    try:
        client = openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=120)
        reply = client.completions.create(model="m", prompt=prompt, max_tokens=MAX_TOKENS, temperature=0)
        results[prompt] = reply.choices[0].text
    except BaseException as exc:  # noqa: BLE001 - reported by the test
        errors.append(exc)


def _free_sequences(host: ModelHost) -> int:
    return _on_model(host, lambda engine: len(engine._free))


def test_requests_at_once_each_get_their_own_reply(parallel_host: ModelHost, server: ApiServer,
                                                  references: dict[str, Reference]) -> None:
    scheduler = _on_model(parallel_host, lambda engine: engine.scheduler)
    assert scheduler is not None
    shared_before = scheduler.shared_steps
    results: dict[str, str] = {}
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_complete, args=(server, p, results, errors)) for p in PROMPTS]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors
    assert scheduler.shared_steps > shared_before  # they were decoded together
    for prompt in PROMPTS:
        _check(parallel_host, references, prompt, results[prompt])
    assert _free_sequences(parallel_host) == 4  # every sequence handed back


def test_cancelling_one_request_leaves_the_others(parallel_host: ModelHost, server: ApiServer,
                                                  references: dict[str, Reference]) -> None:
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
        _check(parallel_host, references, prompt, results[prompt])
    assert _free_sequences(parallel_host) == 4
    # The cancelled one's sequence serves the next request.
    again: dict[str, str] = {}
    _complete(server, PROMPTS[0], again, errors)
    assert not errors and again[PROMPTS[0]]


def test_the_windows_chat_and_api_requests_at_the_same_time(parallel_host: ModelHost, server: ApiServer,
                                                            references: dict[str, Reference]) -> None:
    """The window's reply (through the router, in the main sequence) streams while API requests run; it
    keeps its cache: the next turn reads only its new tokens."""
    window = RoutedBackend(ModelRouter(parallel_host))
    params = SamplingParams(temperature=0.0, max_tokens=MAX_TOKENS)
    question = [Message("user", "Name three colours of the rainbow.")]
    prepared = _on_model(parallel_host, lambda engine: engine.prepare(question, MAX_TOKENS))
    alone: Reference = _on_model(parallel_host, lambda engine: _alone(engine, prepared.tokens))

    results: dict[str, str] = {}
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_complete, args=(server, p, results, errors)) for p in PROMPTS[:2]]
    for t in threads:
        t.start()
    together = window.generate(GenerationRequest(tuple(question), sampling=params), threading.Event()).text()
    for t in threads:
        t.join(180)
    assert not errors, errors
    divergence(alone, _reply_tokens(parallel_host, prepared.text, together, len(prepared.tokens)))
    for prompt in PROMPTS[:2]:
        _check(parallel_host, references, prompt, results[prompt])

    follow_up = window.generate(GenerationRequest(
        (*question, Message("assistant", together), Message("user", "And two more?")), sampling=params),
        threading.Event())
    follow_up.text()
    assert follow_up.stats is not None
    assert follow_up.stats.prompt_tokens_evaluated < follow_up.stats.prompt_tokens // 2


def test_a_prompt_longer_than_a_batch_read_beside_other_requests(
        parallel_host: ModelHost, server: ApiServer, references: dict[str, Reference]) -> None:
    """A prompt of several batches (n_batch 512) is read in slices while the others generate, and the
    model thread's own reading of one (the reference, alone) takes several steps too."""
    filler = " ".join(f"Line {i}: the weather was calm and the sea was grey." for i in range(90))
    long_prompt = filler + "\nThe capital of France is"
    n_prompt = _on_model(parallel_host, lambda engine: len(engine.tokenize(long_prompt)))
    assert n_prompt > 2 * 512
    reference = _on_model(parallel_host, lambda engine: _alone(engine, engine.tokenize(long_prompt)))
    results: dict[str, str] = {}
    errors: list[BaseException] = []
    threads = [threading.Thread(target=_complete, args=(server, p, results, errors))
               for p in (PROMPTS[0], long_prompt, PROMPTS[3])]
    for t in threads:
        t.start()
    for t in threads:
        t.join(180)
    assert not errors, errors
    assert "Paris" in results[long_prompt]
    divergence(reference, _reply_tokens(parallel_host, long_prompt, results[long_prompt], n_prompt))
    for prompt in (PROMPTS[0], PROMPTS[3]):
        _check(parallel_host, references, prompt, results[prompt])


def test_requests_that_together_overflow_the_context_get_a_400_and_the_others_go_on(instruct_model: Path) -> None:
    """The sequences share the context's cells: a request whose prompt no longer fits beside a running
    one is refused in one sentence (context_length_exceeded), and the running one is unaffected."""
    host = ModelHost()
    _on_model(host, lambda engine: engine.load(instruct_model, LoadOptions(n_ctx=512, parallel=2)))
    api = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    try:
        client = openai.OpenAI(base_url=api.url, api_key="x", max_retries=0, timeout=120)
        filler = " ".join(f"Line {i}: the weather was calm." for i in range(30))
        stream = client.completions.create(model="m", prompt=filler + "\nA story:", max_tokens=300, temperature=0,
                                           stream=True, extra_body={"ignore_eos": True})
        first = [chunk.choices[0].text for _, chunk in zip(range(3), stream, strict=False)]
        assert "".join(first)
        with pytest.raises(openai.BadRequestError) as refused:
            client.completions.create(model="m", prompt=filler + "\nAnother story:", max_tokens=50, temperature=0)
        assert "full with the requests running at once" in str(refused.value)
        rest = "".join(chunk.choices[0].text for chunk in stream if chunk.choices)
        assert len(rest) > 200  # the running one went on
    finally:
        api.stop()
        host.shutdown()
