"""Anthropic's Messages API, with the official `anthropic` SDK as the client, on the real demo model.

What Claude Code and the SDK send (a system prompt in blocks, tools with input schemas, a forced tool,
tool results, stop sequences, a JSON schema to answer in, images) and what they expect back (a message,
or Anthropic's event stream in its order; errors in Anthropic's envelope), against `chatapp serve`'s
own server code in this process.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterator
from pathlib import Path

import anthropic
import httpx2
import jsonschema
import pytest

from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.types import LoadOptions
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

WEATHER = {"name": "get_weather", "description": "The weather in a city, now.",
           "input_schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                            "properties": {"city": {"type": "string"}, "unit": {"enum": ["C", "F"]}},
                            "required": ["city", "unit"], "additionalProperties": False}}
# The SDK (2.x) has no temperature argument any more; clients that still send one send it in the body.
GREEDY = {"temperature": 0.0}
ADD = {"name": "add", "description": "Add two numbers.", "input_schema": {
    "type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}}, "required": ["a", "b"]}}


def start(model: Path, api_key: str | None = None, n_ctx: int = 2048) -> tuple[ModelHost, ApiServer]:
    host = ModelHost()
    host.call(lambda engine: engine.load(model, LoadOptions(n_ctx=n_ctx)))
    return host, ApiServer(ServerState(ModelRouter(host)), port=0, api_key=api_key).start()


@pytest.fixture(scope="module")
def server(instruct_model: Path) -> Iterator[ApiServer]:
    host, api = start(instruct_model, api_key="sk-local")
    yield api
    api.stop()
    host.shutdown()


@pytest.fixture
def client(server: ApiServer) -> anthropic.Anthropic:
    # The SDK sends the key as `Authorization: Bearer`; Claude Code as `x-api-key` (both are tested).
    return anthropic.Anthropic(base_url=server.url.removesuffix("/v1"), api_key="sk-local", max_retries=0,
                               timeout=120)


def test_a_system_prompt_in_blocks_and_a_reply_with_its_usage(client: anthropic.Anthropic) -> None:
    reply = client.messages.create(
        model="claude-sonnet-5", max_tokens=24, extra_body=GREEDY,  # a name the server does not have: the loaded model
        system=[{"type": "text", "text": "x-anthropic-billing-header: cch=1f2e3;"},  # Claude Code's, left out
                {"type": "text", "text": "You answer in one short sentence.", "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": "What is the capital of France?"}])
    assert reply.type == "message" and reply.role == "assistant" and reply.model == "claude-sonnet-5"
    assert reply.id.startswith("msg_") and [b.type for b in reply.content] == ["text"]
    assert "Paris" in reply.content[0].text and reply.stop_reason in ("end_turn", "max_tokens")
    assert reply.usage.input_tokens > 10 and 0 < reply.usage.output_tokens <= 24
    count = client.messages.count_tokens(
        model="m", system="You answer in one short sentence.",
        messages=[{"role": "user", "content": "What is the capital of France?"}])
    # The billing block is not part of the prompt; the KV cache's part is counted apart, as Anthropic's cache.
    assert count.input_tokens == reply.usage.input_tokens + reply.usage.cache_read_input_tokens


def test_a_stop_sequence_ends_the_reply_and_is_named(client: anthropic.Anthropic) -> None:
    free = client.messages.create(model="m", max_tokens=40, extra_body=GREEDY,
                                  messages=[{"role": "user", "content": "Count from one to ten in words."}])
    words = free.content[0].text.split()
    assert len(words) > 4
    stop = words[3].strip(",.")
    cut = client.messages.create(model="m", max_tokens=40, extra_body=GREEDY, stop_sequences=[stop],
                                 messages=[{"role": "user", "content": "Count from one to ten in words."}])
    assert cut.stop_reason == "stop_sequence" and cut.stop_sequence == stop
    assert stop not in cut.content[0].text and free.content[0].text.startswith(cut.content[0].text)


def test_the_stream_arrives_in_anthropics_order(client: anthropic.Anthropic) -> None:
    with client.messages.stream(model="m", max_tokens=20, messages=[{"role": "user", "content": "Say hello."}]) as s:
        kinds = [event.type for event in s]
        final = s.get_final_message()
    # message_start, one block (start, its deltas, stop), message_delta, message_stop: the SDK's own
    # accumulator built `final` from them (it raises on any other order).
    assert kinds[0] == "message_start" and kinds[-2:] == ["message_delta", "message_stop"]
    blocks = [k for k in kinds if k.startswith("content_block")]
    assert blocks[0] == "content_block_start" and blocks[-1] == "content_block_stop"
    assert set(blocks[1:-1]) <= {"content_block_delta", "text"} and "text" in kinds
    assert final.content[0].type == "text" and final.content[0].text.strip()
    assert final.usage.output_tokens > 0 and final.stop_reason in ("end_turn", "max_tokens")


@pytest.mark.parametrize("choice", [{"type": "tool", "name": "get_weather"}, {"type": "any"}])
def test_a_forced_tool_is_called_with_input_its_schema_accepts(client: anthropic.Anthropic, choice: dict) -> None:
    """A 135M model forced to call a tool writes input its schema accepts: the grammar holds it (llama-server
    answers this with plain text)."""
    for stream in (False, True):
        # Greedy: sampled at temperature 1, a 135M model can ramble inside the city string until max_tokens.
        ask = {"model": "m", "max_tokens": 300, "tools": [WEATHER, ADD], "tool_choice": choice, "extra_body": GREEDY,
               "messages": [{"role": "user", "content": "What's the weather in Oslo?"}]}
        if stream:
            with client.messages.stream(**ask) as s:
                reply = s.get_final_message()
        else:
            reply = client.messages.create(**ask)
        assert reply.stop_reason == "tool_use"
        calls = [b for b in reply.content if b.type == "tool_use"]
        assert calls and all(c.name in ("get_weather", "add") for c in calls)
        if choice["type"] == "tool":
            assert {c.name for c in calls} == {"get_weather"}
        for call in calls:
            jsonschema.validate(call.input, {"get_weather": WEATHER, "add": ADD}[call.name]["input_schema"])


def test_a_tool_result_is_answered_in_text(client: anthropic.Anthropic) -> None:
    first = client.messages.create(model="m", max_tokens=200, tools=[WEATHER],
                                   tool_choice={"type": "tool", "name": "get_weather"},
                                   messages=[{"role": "user", "content": "What's the weather in Oslo?"}])
    [call] = [b for b in first.content if b.type == "tool_use"][:1]
    answer = client.messages.create(model="m", max_tokens=40, extra_body=GREEDY, tools=[WEATHER], messages=[
        {"role": "user", "content": "What's the weather in Oslo?"},
        {"role": "assistant", "content": [{"type": "thinking", "thinking": "I should look.", "signature": ""},
                                          {"type": "tool_use", "id": call.id, "name": call.name, "input": call.input}]},
        {"role": "user", "content": [{"type": "tool_result", "tool_use_id": call.id, "is_error": False,
                                      "content": [{"type": "text", "text": "Sunny, 24 degrees."}],
                                      "cache_control": {"type": "ephemeral"}}]},
    ], tool_choice={"type": "none"})
    assert answer.stop_reason in ("end_turn", "max_tokens") and [b.type for b in answer.content] == ["text"]
    assert answer.content[0].text.strip()


def test_structured_output_by_output_config(client: anthropic.Anthropic) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "sunny": {"type": "boolean"}},
              "required": ["city", "sunny"], "additionalProperties": False}
    reply = client.messages.create(model="m", max_tokens=400, messages=[
        {"role": "user", "content": "Invent the weather in a city."}],
        extra_body={**GREEDY, "output_config": {"format": {"type": "json_schema", "schema": schema}}})
    assert reply.stop_reason == "end_turn"  # ended by the grammar, not cut by max_tokens
    jsonschema.validate(json.loads(reply.content[0].text), schema)


def test_errors_are_typed_in_anthropics_envelope(client: anthropic.Anthropic, server: ApiServer) -> None:
    with pytest.raises(anthropic.BadRequestError) as missing:
        client.messages.create(model="m", max_tokens=0, messages=[{"role": "user", "content": "hi"}])
    assert missing.value.body["type"] == "error" and missing.value.body["error"]["type"] == "invalid_request_error"
    assert "max_tokens" in missing.value.body["error"]["message"]
    with pytest.raises(anthropic.BadRequestError, match="not one of the tools"):
        client.messages.create(model="m", max_tokens=10, tools=[WEATHER], tool_choice={"type": "tool", "name": "nope"},
                               messages=[{"role": "user", "content": "hi"}])
    with pytest.raises(anthropic.BadRequestError, match="server tools"):
        client.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}],
                               tools=[{"type": "web_search_20250305", "name": "web_search"}])
    with pytest.raises(anthropic.BadRequestError, match="never fetches a URL"):
        client.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": [
            {"type": "image", "source": {"type": "url", "url": "http://169.254.169.254/"}}]}])
    wrong = anthropic.Anthropic(base_url=server.url.removesuffix("/v1"), api_key="sk-wrong", max_retries=0)
    with pytest.raises(anthropic.AuthenticationError) as denied:
        wrong.messages.create(model="m", max_tokens=10, messages=[{"role": "user", "content": "hi"}])
    assert denied.value.body["error"]["type"] == "authentication_error"
    # Claude Code sends the key as x-api-key, on /v1/messages?beta=true
    response = httpx2.post(server.url + "/messages?beta=true", headers={"x-api-key": "sk-local"},
                           json={"model": "m", "max_tokens": 5, "messages": [{"role": "user", "content": "hi"}]})
    assert response.status_code == 200 and response.json()["type"] == "message"


def test_what_claude_code_sends_is_taken(client: anthropic.Anthropic) -> None:
    """Claude Code's own fields (a max_tokens far past the context, adaptive thinking, context management,
    effort, a metadata string, cache marks, a system message among the messages, deferred tools) are
    accepted, and the model starts answering (the stream is closed there: that cancels the rest)."""
    with client.messages.stream(
        model="claude-opus-5-5", max_tokens=128000,
        system=[{"type": "text", "text": "You are a helpful coding agent.", "cache_control": {"type": "ephemeral"}}],
        messages=[{"role": "user", "content": [{"type": "text", "text": "<system-reminder>Be brief.</system-reminder>"},
                                               {"type": "text", "text": "Say hi."}]},
                  {"role": "system", "content": [{"type": "text", "text": "# Environment\nLinux",
                                                  "cache_control": {"type": "ephemeral"}}]}],
        tools=[{**ADD, "cache_control": {"type": "ephemeral"}}, {**WEATHER, "defer_loading": True}],
        extra_body={"thinking": {"type": "adaptive", "display": "omitted"},
                    "context_management": {"edits": [{"type": "clear_thinking_20251015", "keep": "all"}]},
                    "output_config": {"effort": "medium"},
                    "metadata": {"user_id": json.dumps({"device_id": "d", "session_id": "s"})}}) as stream:
        kinds = []
        for event in stream:
            kinds.append(event.type)
            if event.type in ("content_block_delta", "message_delta"):
                break
    assert kinds[0] == "message_start" and "content_block_start" in kinds


def test_an_image_reaches_a_vision_model(vision_model: Path) -> None:
    from test_vision import IMAGE_TOKENS, RED

    host, api = start(vision_model, n_ctx=1024)
    try:
        client = anthropic.Anthropic(base_url=api.url.removesuffix("/v1"), api_key="x", max_retries=0, timeout=120)
        image = {"type": "image", "source": {"type": "base64", "media_type": "image/png",
                                             "data": base64.b64encode(RED.data).decode()}}
        question = {"type": "text", "text": "What colour is this?"}
        seen = client.messages.count_tokens(model="m", messages=[{"role": "user", "content": [image, question]}])
        blind = client.messages.count_tokens(model="m", messages=[{"role": "user", "content": [question]}])
        assert seen.input_tokens - blind.input_tokens == IMAGE_TOKENS
        reply = client.messages.create(model="m", max_tokens=4,
                                       messages=[{"role": "user", "content": [image, question]}])
        assert reply.usage.input_tokens + reply.usage.cache_read_input_tokens == seen.input_tokens
    finally:
        api.stop()
        host.shutdown()
