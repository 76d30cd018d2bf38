"""OpenAI's Responses API, with the official `openai` SDK (`client.responses`) and the OpenAI Agents SDK as
clients, on the real demo model, against `chatapp serve`'s own server code in this process."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import openai
import pytest

from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.types import LoadOptions
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

WEATHER = {"type": "function", "name": "get_weather", "description": "The weather in a city, now.", "strict": True,
           "parameters": {"type": "object", "properties": {"city": {"type": "string"}, "unit": {"enum": ["C", "F"]}},
                          "required": ["city", "unit"], "additionalProperties": False}}


@pytest.fixture(scope="module")
def server(instruct_model: Path) -> Iterator[ApiServer]:
    host = ModelHost()
    host.call(lambda engine: engine.load(instruct_model, LoadOptions(n_ctx=2048)))
    api = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    yield api
    api.stop()
    host.shutdown()


@pytest.fixture
def client(server: ApiServer) -> openai.OpenAI:
    return openai.OpenAI(base_url=server.url, api_key="x", max_retries=0, timeout=120)


def test_a_string_input_with_instructions(client: openai.OpenAI) -> None:
    reply = client.responses.create(model="m", instructions="Answer in one short sentence.", temperature=0,
                                    input="What is the capital of France?", max_output_tokens=40)
    assert reply.object == "response" and reply.id.startswith("resp_") and reply.status == "completed"
    assert [item.type for item in reply.output] == ["message"] and "Paris" in reply.output_text
    usage = reply.usage
    assert usage is not None and usage.input_tokens > 10 and 0 < usage.output_tokens <= 40
    assert usage.total_tokens == usage.input_tokens + usage.output_tokens
    cut = client.responses.create(model="m", input="Count from one to fifty.", max_output_tokens=5, temperature=0)
    assert cut.status == "incomplete" and cut.incomplete_details.reason == "max_output_tokens"


def test_the_stream_helper_accumulates_the_events(client: openai.OpenAI) -> None:
    """openai's `responses.stream()` is strict (one id, output indexes, sequence numbers, every item done):
    llama-server's stream trips it; chatapp's is what it accumulates."""
    with client.responses.stream(model="m", input="Say hello.", temperature=0, max_output_tokens=200) as stream:
        events = list(stream)
        final = stream.get_final_response()
    kinds = [e.type for e in events]
    assert kinds[:4] == ["response.created", "response.in_progress", "response.output_item.added",
                         "response.content_part.added"]
    assert kinds[-4:] == ["response.output_text.done", "response.content_part.done", "response.output_item.done",
                          "response.completed"]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert final.output_text == "".join(e.delta for e in events if e.type == "response.output_text.delta")


@pytest.mark.parametrize("choice", [{"type": "function", "name": "get_weather"}, "required"])
def test_a_forced_function_call_has_arguments_its_schema_accepts(client: openai.OpenAI, choice: object) -> None:
    for stream in (False, True):
        ask = {"model": "m", "input": "What's the weather in Oslo?", "tools": [WEATHER], "tool_choice": choice,
               "parallel_tool_calls": False, "temperature": 0}
        if stream:
            with client.responses.stream(**ask) as s:
                for _ in s:
                    pass
                reply = s.get_final_response()
        else:
            reply = client.responses.create(**ask)
        [call] = [item for item in reply.output if item.type == "function_call"]
        assert call.name == "get_weather" and call.id.startswith("fc_") and call.call_id
        jsonschema.validate(json.loads(call.arguments), WEATHER["parameters"])


def test_a_function_call_output_is_answered_and_a_follow_up_continues_a_stored_response(
        client: openai.OpenAI) -> None:
    first = client.responses.create(model="m", input="What's the weather in Oslo?", tools=[WEATHER],
                                    tool_choice={"type": "function", "name": "get_weather"}, temperature=0)
    [call] = [item for item in first.output if item.type == "function_call"]
    answer = client.responses.create(model="m", previous_response_id=first.id, tools=[WEATHER], tool_choice="none",
                                     temperature=0, max_output_tokens=60,
                                     input=[{"type": "function_call_output", "call_id": call.call_id,
                                             "output": "Sunny, 24 degrees."}])
    assert answer.status in ("completed", "incomplete") and [i.type for i in answer.output] == ["message"]
    follow = client.responses.create(model="m", previous_response_id=answer.id, input="Thanks! Is that warm?",
                                     max_output_tokens=40)
    # The stored conversation came along: the model read the earlier turns, not just the new question.
    alone = client.responses.create(model="m", input="Thanks! Is that warm?", max_output_tokens=1)
    assert follow.usage.input_tokens > alone.usage.input_tokens + 20
    assert client.responses.retrieve(follow.id).id == follow.id
    client.responses.delete(follow.id)
    with pytest.raises(openai.NotFoundError, match="not found"):
        client.responses.retrieve(follow.id)
    with pytest.raises(openai.BadRequestError) as missing:
        client.responses.create(model="m", previous_response_id="resp_nope", input="hi")
    assert missing.value.param == "previous_response_id"


def test_items_as_codex_sends_them(client: openai.OpenAI) -> None:
    """Codex: the system prompt as a developer message, items with ids, a replayed reasoning item with no
    content, a hosted web_search tool (left out) and a namespace tool (flattened), store false."""
    reply = client.responses.create(
        model="gpt-5-codex", stream=False, store=False, parallel_tool_calls=True, tool_choice="auto",
        reasoning={"summary": "auto"}, include=["reasoning.encrypted_content"], prompt_cache_key="k",
        input=[{"type": "message", "role": "developer", "content": [{"type": "input_text", "text": "Be brief."}]},
               {"type": "message", "id": "msg_1", "role": "user", "content": [{"type": "input_text", "text": "Hi."}]},
               {"type": "reasoning", "id": "rs_1", "summary": [], "encrypted_content": None},
               {"type": "message", "role": "assistant", "content": [{"type": "output_text", "text": "Hello!"}]},
               {"type": "message", "role": "user", "content": [{"type": "input_text", "text": "Say hi again."}]}],
        tools=[{**WEATHER, "strict": False}, {"type": "web_search", "external_web_access": False},
               {"type": "namespace", "name": "agents", "description": "Sub-agents.",
                "tools": [{"type": "function", "name": "close_agent", "parameters": {"type": "object"}}]}],
        max_output_tokens=30)
    assert reply.status in ("completed", "incomplete") and reply.output
    with pytest.raises(openai.NotFoundError):  # store false: not kept
        client.responses.retrieve(reply.id)


def test_text_format_holds_the_answer_to_a_schema(client: openai.OpenAI) -> None:
    schema = {"type": "object", "properties": {"city": {"type": "string"}, "sunny": {"type": "boolean"}},
              "required": ["city", "sunny"], "additionalProperties": False}
    reply = client.responses.create(model="m", input="Invent the weather in a city.", max_output_tokens=400,
                                    temperature=0, text={"format": {"type": "json_schema", "name": "weather",
                                                                    "schema": schema, "strict": True}})
    assert reply.status == "completed"  # ended by the grammar, not cut by max_output_tokens
    jsonschema.validate(json.loads(reply.output_text), schema)


def test_what_only_openai_runs_is_a_400_that_names_it(client: openai.OpenAI) -> None:
    with pytest.raises(openai.BadRequestError, match="runs only on OpenAI's service"):
        client.responses.create(model="m", input="hi", tools=[{"type": "web_search"}],
                                tool_choice={"type": "web_search_preview"})
    with pytest.raises(openai.BadRequestError, match="background responses are not supported"):
        client.responses.create(model="m", input="hi", background=True)
    with pytest.raises(openai.BadRequestError, match="'input_file' part is not supported"):
        client.responses.create(model="m", input=[{"role": "user", "content": [
            {"type": "input_file", "file_id": "file-1"}]}])


def test_the_agents_sdk_runs_a_function_tool_to_a_final_output(server: ApiServer) -> None:
    """The OpenAI Agents SDK's Runner (Responses API, non-streamed, the whole item list sent each turn):
    a required first call (reset after it, the SDK's default), the tool run, then the final answer."""
    from agents import Agent, ModelSettings, OpenAIResponsesModel, Runner, function_tool, set_tracing_disabled

    set_tracing_disabled(True)
    asked: list[str] = []

    @function_tool
    def get_weather(city: str) -> str:
        """The weather in a city, now."""
        asked.append(city)
        return f"Sunny and 24 degrees in {city}."

    model = OpenAIResponsesModel(model="local", openai_client=openai.AsyncOpenAI(
        base_url=server.url, api_key="x", max_retries=0, timeout=120))
    agent = Agent(name="Weather", instructions="You answer questions about the weather.", tools=[get_weather],
                  model=model, model_settings=ModelSettings(tool_choice="required", max_tokens=400, temperature=0))
    result = asyncio.run(Runner.run(agent, "What's the weather in Oslo?", max_turns=6))
    kinds = [item.type for item in result.new_items]
    assert kinds[0] == "tool_call_item" and kinds[-1] == "message_output_item"
    assert kinds.count("tool_call_output_item") == kinds.count("tool_call_item") == len(asked) > 0  # each call run
    assert len(result.raw_responses) >= 2  # the results went back, and the model answered
    # (the 135M model may ask again before it answers, and at temperature 0 its final answer may be empty)
    assert isinstance(result.final_output, str)
