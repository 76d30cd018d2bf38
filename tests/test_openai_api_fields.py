"""The OpenAI API as its clients really send it: log-probabilities, several choices, logit bias, prompts as
token ids or lists, embedding inputs as token ids, and `null` for "not given" — each honoured, with the
official `openai` client, on the real demo model."""

from __future__ import annotations

import math
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import openai
import pytest

from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.types import LoadOptions, Message
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

QUESTION = [{"role": "user", "content": "What is the capital of France?"}]


@pytest.fixture(scope="module")
def host(instruct_model: Path) -> Iterator[ModelHost]:
    h = ModelHost()
    h.call(lambda engine: engine.load(instruct_model, LoadOptions(n_ctx=2048)))
    yield h
    h.shutdown()


@pytest.fixture(scope="module")
def client(host: ModelHost) -> Iterator[openai.OpenAI]:
    api = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    yield openai.OpenAI(base_url=api.url, api_key="x", max_retries=0, timeout=120)
    api.stop()


def _first_token_logprobs(engine: Engine, messages: list[Message]) -> np.ndarray:
    """The model's own distribution at the reply's first token: log-softmax of the prompt's last logits."""
    seq = engine._seq
    assert seq is not None
    seq.clear()
    logits = seq.read_prompt(engine.prepare(messages, 16).tokens).astype(np.float64)
    seq.clear()
    return logits - (logits.max() + np.log(np.exp(logits - logits.max()).sum()))


def test_logprobs_are_the_models_own_distribution(client: openai.OpenAI, host: ModelHost) -> None:
    for stream in (False, True):
        if stream:
            chunks = list(client.chat.completions.create(model="m", messages=QUESTION, max_tokens=8, temperature=0,
                                                         logprobs=True, top_logprobs=5, stream=True))
            content = [entry for c in chunks if c.choices and c.choices[0].logprobs
                       for entry in c.choices[0].logprobs.content]
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        else:
            reply = client.chat.completions.create(model="m", messages=QUESTION, max_tokens=8, temperature=0,
                                                   logprobs=True, top_logprobs=5)
            content, text = reply.choices[0].logprobs.content, reply.choices[0].message.content
        assert len(content) == 8 and "".join(e.token for e in content) == text
        for entry in content:
            assert len(entry.top_logprobs) == 5 and sum(math.exp(t.logprob) for t in entry.top_logprobs) <= 1 + 1e-6
            assert entry.logprob <= 0 and entry.top_logprobs[0].logprob >= entry.logprob - 1e-6  # greedy: the best
            assert bytes(entry.bytes).decode("utf-8", errors="replace") == entry.token
    expected = host.call(lambda engine: _first_token_logprobs(engine, [Message("user", QUESTION[0]["content"])]))
    assert content[0].logprob == pytest.approx(float(expected.max()), abs=1e-3)
    best_five = np.sort(expected)[::-1][:5]
    assert [t.logprob for t in content[0].top_logprobs] == pytest.approx(best_five.tolist(), abs=1e-3)
    with pytest.raises(openai.BadRequestError, match="top_logprobs needs logprobs: true"):
        client.chat.completions.create(model="m", messages=QUESTION, top_logprobs=2)


def test_completions_logprobs_in_their_own_shape(client: openai.OpenAI) -> None:
    reply = client.completions.create(model="m", prompt="The capital of France is", max_tokens=4, temperature=0,
                                      logprobs=3)
    logprobs = reply.choices[0].logprobs
    assert len(logprobs.tokens) == len(logprobs.token_logprobs) == len(logprobs.top_logprobs) == 4
    assert "".join(logprobs.tokens) == reply.choices[0].text
    assert logprobs.text_offset == [sum(len(t) for t in logprobs.tokens[:i]) for i in range(4)]
    assert all(len(top) <= 3 and max(top.values()) >= lp - 1e-6
               for top, lp in zip(logprobs.top_logprobs, logprobs.token_logprobs, strict=True))


def test_n_choices_whole_and_streamed(client: openai.OpenAI) -> None:
    reply = client.chat.completions.create(model="m", messages=QUESTION, max_tokens=6, n=3, seed=5)
    assert [c.index for c in reply.choices] == [0, 1, 2] and all(c.message.content for c in reply.choices)
    assert 3 <= reply.usage.completion_tokens <= 18 and reply.usage.prompt_tokens < 40  # the prompt counted once
    chunks = list(client.chat.completions.create(model="m", messages=QUESTION, max_tokens=6, n=2, seed=5,
                                                 stream=True, stream_options={"include_usage": True}))
    finished = sorted(c.choices[0].index for c in chunks if c.choices and c.choices[0].finish_reason)
    assert finished == [0, 1] and chunks[-1].usage is not None and chunks[-1].usage.completion_tokens <= 12
    with pytest.raises(openai.BadRequestError, match="n must be a whole number from 1 to 8"):
        client.chat.completions.create(model="m", messages=QUESTION, n=9)


def test_logit_bias_moves_the_choice(client: openai.OpenAI, host: ModelHost) -> None:
    first = client.chat.completions.create(model="m", messages=QUESTION, max_tokens=3, temperature=0, logprobs=True)
    greedy = first.choices[0].logprobs.content[0]
    token_id = host.call(lambda engine: engine._require().tokenize(bytes(greedy.bytes), add_bos=False, special=True))
    assert len(token_id) == 1
    banned = client.chat.completions.create(model="m", messages=QUESTION, max_tokens=3, temperature=0, logprobs=True,
                                            logit_bias={str(token_id[0]): -100})
    assert banned.choices[0].logprobs.content[0].token != greedy.token
    with pytest.raises(openai.BadRequestError, match="does not have"):
        client.chat.completions.create(model="m", messages=QUESTION, max_tokens=3, logit_bias={"99999999": 5})


def test_prompts_as_token_ids_and_as_lists(client: openai.OpenAI, host: ModelHost) -> None:
    text = "The capital of France is"
    tokens = host.call(lambda engine: engine.tokenize(text))
    as_text = client.completions.create(model="m", prompt=text, max_tokens=5, temperature=0)
    as_tokens = client.completions.create(model="m", prompt=tokens, max_tokens=5, temperature=0)
    assert as_tokens.choices[0].text == as_text.choices[0].text
    assert as_tokens.usage.prompt_tokens == as_text.usage.prompt_tokens == len(tokens)
    several = client.completions.create(model="m", prompt=[text, tokens, "Once upon a time"], max_tokens=3,
                                        temperature=0)
    assert [c.index for c in several.choices] == [0, 1, 2]
    assert several.choices[0].text == several.choices[1].text == as_text.choices[0].text[:len(several.choices[0].text)]


def test_null_means_not_given(client: openai.OpenAI) -> None:
    """Clients (and harnesses) send null for a field they leave alone, `tool_choice` next to tools included."""
    tools = [{"type": "function", "function": {"name": "f", "parameters": {"type": "object", "properties": {}}}}]
    reply = client.chat.completions.create(model="m", messages=QUESTION, max_tokens=3, tools=tools, extra_body={
        "tool_choice": None, "stop": None, "logprobs": None, "top_logprobs": None, "n": None, "seed": None,
        "response_format": None, "logit_bias": None, "stream_options": None})
    assert reply.choices[0].finish_reason in ("stop", "length", "tool_calls")


def test_embedding_inputs_as_token_ids_equal_their_text(embedding_model: Path) -> None:
    from chatapp.documents.embedder import Embedder

    embedder = Embedder(embedding_model)
    host = ModelHost()
    api = ApiServer(ServerState(ModelRouter(host), embedder=embedder), port=0).start()
    try:
        client = openai.OpenAI(base_url=api.url, api_key="x", max_retries=0)
        texts = ["A man is playing a guitar.", "显存不够"]
        tokens = [embedder._llm.tokenize(t.encode(), add_bos=False, special=False) for t in texts]
        as_text = client.embeddings.create(model="e", input=texts, encoding_format="float")
        as_tokens = client.embeddings.create(model="e", input=tokens, encoding_format="float")
        assert np.allclose([d.embedding for d in as_tokens.data], [d.embedding for d in as_text.data], atol=1e-5)
        one = client.embeddings.create(model="e", input=tokens[0], encoding_format="float")
        assert np.allclose(one.data[0].embedding, as_text.data[0].embedding, atol=1e-5)
        with pytest.raises(openai.BadRequestError, match="token id this embedding model does not have"):
            client.embeddings.create(model="e", input=[[10**9]])
    finally:
        api.stop()
        host.shutdown()
        embedder.close()


def test_usage_says_how_much_of_the_prompt_came_from_the_cache(client: openai.OpenAI) -> None:
    """`usage.prompt_tokens_details.cached_tokens`, as OpenAI and llama-server give it: a conversation
    continued reads only its new turn."""
    conversation: list[dict[str, str]] = [
        {"role": "system", "content": "You answer questions about lighthouses, briefly. " * 20},
        {"role": "user", "content": "What is a lighthouse?"}]
    first = client.chat.completions.create(model="m", messages=conversation, max_tokens=4, temperature=0)  # type: ignore[arg-type]
    assert first.usage is not None and first.usage.prompt_tokens_details is not None
    conversation += [{"role": "assistant", "content": first.choices[0].message.content or ""},
                     {"role": "user", "content": "And who keeps it?"}]
    second = client.chat.completions.create(model="m", messages=conversation, max_tokens=4, temperature=0)  # type: ignore[arg-type]
    assert second.usage is not None and second.usage.prompt_tokens_details is not None
    cached = second.usage.prompt_tokens_details.cached_tokens
    assert cached is not None and first.usage.prompt_tokens - 10 <= cached < second.usage.prompt_tokens
    # llama-server's `timings` say the same (its web UI and benchmarks read them), streamed in the last chunk
    timings = (second.model_extra or {})["timings"]
    assert (timings["cache_n"], timings["prompt_n"]) == (cached, second.usage.prompt_tokens - cached)
    last = list(client.chat.completions.create(model="m", messages=conversation, max_tokens=4, temperature=0,  # type: ignore[arg-type]
                                               stream=True))[-1]
    streamed = (last.model_extra or {})["timings"]
    assert last.choices[0].finish_reason is not None and 1 <= streamed["predicted_n"] <= 4
    assert streamed["prompt_n"] <= 2 and streamed["prompt_ms"] > 0  # all of it cached now
