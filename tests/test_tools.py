"""Models that act: tool-call formats rendered and parsed, calls held to their schemas on the real demo
model, the official openai client against the API, real MCP servers (stdio and Streamable HTTP) written
with the SDK, and the tool loop with its history, permissions, limits and Stop."""

from __future__ import annotations

import json
import random
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import openai
import pytest
from local_ports import free_port
from tool_templates import FAMILIES, reference_render

from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.runtime.templates import custom, render, template_message
from chatapp.core.storage.history import HistoryStore
from chatapp.core.tools.formats import FORMATS, detect
from chatapp.core.tools.mcp_client import McpTools
from chatapp.core.tools.mcp_config import load, parse, save
from chatapp.core.tools.parser import CallParser
from chatapp.core.turns.record import HistoryRecord
from chatapp.core.turns.runner import run_turn
from chatapp.core.turns.turn import QuietSink, Turn
from chatapp.core.types import Message, SamplingParams, ToolCall, ToolSet, ToolSpec
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

SERVER = Path(__file__).parent / "mcp_servers" / "weather_server.py"
WEATHER_SCHEMA = {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}
ADD_SCHEMA = {"type": "object", "properties": {"a": {"type": "integer"}, "b": {"type": "integer"}},
              "required": ["a", "b"]}
WEATHER = ToolSpec("get_weather", "The current weather in a city", json.dumps(WEATHER_SCHEMA))
ADD = ToolSpec("add", "Add two integers", json.dumps(ADD_SCHEMA))


# ----- rendering ---------------------------------------------------------------------------------------
def _history(call_id: str) -> list[Message]:
    call = ToolCall(call_id, "get_weather", json.dumps({"city": "Paris"}))
    return [Message("system", "Be brief."), Message("user", "Weather in Paris?"),
            Message("assistant", "", tool_calls=(call,)),
            Message("tool", "Sunny, 24 °C", tool_call_id=call_id, name="get_weather")]


@pytest.mark.parametrize("family", list(FAMILIES))
def test_templates_render_tools_calls_and_results_as_reference_jinja_does(family: str) -> None:
    call_id = "abc123XYZ" if family == "mistral-nemo" else "call_1"
    messages = _history(call_id)
    tools = [WEATHER.openai(), ADD.openai()]
    ours = render(custom(FAMILIES[family]), messages, tools=tools, bos_token="<s>", eos_token="</s>")
    theirs = reference_render(FAMILIES[family], [template_message(m) for m in messages], tools, bos_token="<s>",
                              eos_token="</s>", date_string=time.strftime("%d %b %Y"))
    assert ours == theirs
    assert "get_weather" in ours and "Sunny, 24 °C" in ours and '"city": "Paris"' in ours
    # and without tools, as a template is also rendered for a chat that has none
    plain = [Message("user", "hi")]
    assert render(custom(FAMILIES[family]), plain, bos_token="<s>", eos_token="</s>") == reference_render(
        FAMILIES[family], [template_message(m) for m in plain], None, bos_token="<s>", eos_token="</s>",
        date_string=time.strftime("%d %b %Y"))


@pytest.mark.parametrize(("family", "fmt"), [("qwen", "hermes"), ("llama3", "llama3"),
                                             ("mistral-nemo", "mistral-nemo"), ("phi4-mini", "phi4-mini")])
def test_the_call_format_is_told_from_the_template(family: str, fmt: str) -> None:
    assert detect(FAMILIES[family]).name == fmt
    assert detect("{% for m in messages %}{{ m.content }}{% endfor %}").name == "generic"


def test_a_template_without_tools_gets_them_in_the_system_prompt(instruct_model: Path) -> None:
    engine = Engine()
    engine.load(instruct_model)  # SmolLM2: ChatML, no tools in its template
    prompt = engine.render(_history("call_1"), tools=ToolSet((WEATHER,)))
    engine.unload()
    assert engine.call_format is not None
    assert "<tools>\n" in prompt and '"name": "get_weather"' in prompt.split("<tools>")[1]
    assert '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>' in prompt
    assert "<tool_response>\nSunny, 24 °C\n</tool_response>" in prompt


# ----- parsing ------------------------------------------------------------------------------------------
PARSED = [  # raw output → content, calls (outputs as each family writes them)
    ("hermes", '<tool_call>\n{"name": "add", "arguments": {"a": 1, "b": 2}}</tool_call>', "",
     [("add", {"a": 1, "b": 2})]),
    ("hermes", 'Let me check.\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Paris"}}\n</tool_call>'
               '\n<tool_call>\n{"name": "get_weather", "arguments": {"city": "Rome"}}\n</tool_call>',
     "Let me check.\n", [("get_weather", {"city": "Paris"}), ("get_weather", {"city": "Rome"})]),
    ("hermes", "I would write <tool_call> here, but I won't.", "I would write <tool_call> here, but I won't.", []),
    ("hermes", '<tool_call>\n{"name": "unknown", "arguments": {}}\n</tool_call>',
     '<tool_call>\n{"name": "unknown", "arguments": {}}\n</tool_call>', []),  # an unknown tool stays text
    ("hermes", '<tool_call>\n{"name": "get_weather", "arguments": {"city": "Pa', '<tool_call>\n{"name": '
               '"get_weather", "arguments": {"city": "Pa', []),  # cut off: kept as text
    ("llama3", '{"name": "get_weather", "parameters": {"city": "Paris"}}', "", [("get_weather", {"city": "Paris"})]),
    ("llama3", '<|python_tag|>{"name": "add", "parameters": {"a": 2, "b": 3}}', "", [("add", {"a": 2, "b": 3})]),
    ("llama3", 'Here is some JSON: {"a": 1}', 'Here is some JSON: {"a": 1}', []),
    ("mistral-nemo", 'Sure. [TOOL_CALLS][{"name": "get_weather", "arguments": {"city": "Paris"}, "id": "abc123def"}, '
                     '{"name": "add", "arguments": {"a": 1, "b": 1}, "id": "xyz987abc"}]',
     "Sure. ", [("get_weather", {"city": "Paris"}), ("add", {"a": 1, "b": 1})]),
    ("mistral-v7", '[TOOL_CALLS]get_weather[ARGS]{"city": "Paris"}[TOOL_CALLS]add[CALL_ID]abc123def[ARGS]'
                   '{"a": 4, "b": 5}', "", [("get_weather", {"city": "Paris"}), ("add", {"a": 4, "b": 5})]),
    ("phi4-mini", 'functools[{"name": "get_weather", "arguments": {"city": "Paris"}}]', "",
     [("get_weather", {"city": "Paris"})]),
]


@pytest.mark.parametrize(("fmt", "raw", "content", "calls"), PARSED)
def test_calls_are_parsed_in_any_chunking(fmt: str, raw: str, content: str, calls: list) -> None:
    for seed in range(6):
        rng = random.Random(seed)
        parser = CallParser(FORMATS[fmt], ["get_weather", "add"])
        shown, deltas, i = "", [], 0
        while i < len(raw):  # split into random stream chunks (seed 0: the whole text at once)
            n = rng.randint(1, 7) if seed else len(raw)
            piece, more = parser.feed(raw[i:i + n])
            shown, deltas, i = shown + piece, deltas + more, i + n
        rest, found = parser.finish()
        assert shown + rest == content
        assert [(c.name, json.loads(c.arguments)) for c in found] == calls
        arguments: dict[int, str] = {}
        for d in deltas:  # the streamed pieces add up to each call, its id and name sent once
            arguments[d.index] = arguments.get(d.index, "") + d.arguments
        assert [json.loads(arguments[i]) for i in range(len(found))] == [json.loads(c.arguments) for c in found]
        if found:  # (a call cut off mid-way was streamed as it came, then kept as text)
            assert [d.id for d in deltas if d.id] == [c.id for c in found]


# ----- the engine ---------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def demo(instruct_model: Path) -> Iterator[Engine]:
    engine = Engine()
    engine.load(instruct_model)
    yield engine
    engine.unload()


@pytest.mark.parametrize("choice", ["required", "add", "get_weather"])
def test_a_forced_call_is_valid_against_its_schema_even_from_a_135m_model(demo: Engine, choice: str) -> None:
    for temperature in (0.0, 0.9):
        stream = demo.chat([Message("user", "What is 2 plus 3, and the weather in Oslo?")],
                           SamplingParams(temperature=temperature, seed=5, max_tokens=300),
                           tools=ToolSet((WEATHER, ADD), choice))
        stream.text()
        assert stream.stats.finish_reason.value == "tool_calls" and stream.tool_calls
        for call in stream.tool_calls:
            assert call.name == choice or choice == "required"
            schema = {"get_weather": WEATHER_SCHEMA, "add": ADD_SCHEMA}[call.name]
            jsonschema.validate(json.loads(call.arguments), schema)


# Claude Code's tools use keywords no grammar enforces while a reply is written (here `propertyNames`,
# `uniqueItems`, `not`); a tool is still callable, its arguments held to every rule the grammar can keep.
TAGS_SCHEMA = {"type": "object", "required": ["title", "labels"], "additionalProperties": False, "properties": {
    "title": {"type": "string", "maxLength": 40, "not": {"const": ""}},
    "labels": {"type": "array", "items": {"enum": ["bug", "idea"]}, "uniqueItems": True, "maxItems": 2},
    "metadata": {
        "type": "object", "propertyNames": {"pattern": "^[a-z]+$"}, "additionalProperties": {"type": "string"},
    },
}}
TAGS = ToolSpec("file_issue", "File an issue", json.dumps(TAGS_SCHEMA))


def test_a_tool_whose_schema_the_grammar_cannot_hold_whole_is_called_within_what_it_can(demo: Engine) -> None:
    from chatapp.core.runtime.json_grammar import relaxed

    for temperature in (0.0, 0.9):
        stream = demo.chat([Message("user", "File an issue: the app crashes on start.")],
                           SamplingParams(temperature=temperature, seed=5, max_tokens=200),
                           tools=ToolSet((TAGS,), "file_issue"))
        stream.text()
        assert stream.stats.finish_reason.value == "tool_calls"
        [call] = stream.tool_calls
        jsonschema.validate(json.loads(call.arguments), relaxed(TAGS_SCHEMA))


def test_relaxing_a_schema_leaves_its_data_and_its_property_names_alone() -> None:
    from chatapp.core.runtime.json_grammar import relaxed

    schema = {"type": "object", "properties": {"not": {"const": {"if": 1}}, "if": {"enum": [{"not": 2}]}},
              "patternProperties": {"^x": {"type": "integer"}}, "additionalProperties": False,
              "$defs": {"n": {"type": "integer", "multipleOf": 2}}, "anyOf": [{"minProperties": 1}]}
    assert relaxed(schema) == {"type": "object", "properties": schema["properties"], "additionalProperties": True,
                               "$defs": {"n": {"type": "integer"}}, "anyOf": [{}]}
    bad = {"not": {"if": 1}, "if": {"not": 2}, "x1": 3, "y": "any"}
    jsonschema.validate(bad, relaxed(schema))  # a superset: what the tool would accept still passes


# ----- MCP servers --------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def http_server() -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen([sys.executable, str(SERVER), "http", str(port)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    for _ in range(200):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                break
        except OSError:
            time.sleep(0.05)
    yield f"http://127.0.0.1:{port}/mcp"
    proc.terminate()
    proc.wait(10)


def _mcp(http_url: str, **extra: object) -> McpTools:
    return McpTools(parse({"mcpServers": {
        "weather": {"command": sys.executable, "args": [str(SERVER)], "timeout": 1.5},
        "remote": {"url": http_url},
        "gone": {"command": "/no/such/server"},
        **extra,
    }}))


def test_stdio_and_http_servers_list_and_run_tools(http_server: str) -> None:
    tools = _mcp(http_server)
    try:
        problems = tools.start()
        assert set(problems) == {"gone"} and "could not start (/no/such/server was not found)" in problems["gone"]
        names = {s.name: s.source for s in tools.specs()}
        # both servers offer the same tools: namespaced by server where they clash
        assert names["weather__get_weather"] == "weather" and names["remote__get_weather"] == "remote"
        never = threading.Event()
        for server in ("weather", "remote"):
            result = tools.call(ToolCall("1", f"{server}__get_weather", '{"city": "Paris"}'), never)
            assert (result.content, result.is_error, result.server) == ("Sunny, 24 °C", False, server)
        failed = tools.call(ToolCall("2", "weather__broken", "{}"), never)
        assert failed.is_error and "the weather station is offline" in failed.content
        pid = tools.call(ToolCall("3", "weather__pid", "{}"), never).content
        hung = tools.call(ToolCall("4", "weather__wait", '{"seconds": 30}'), never)  # timeout 1.5 s
        assert hung.is_error and "did not answer within 1.5 s" in hung.content and hung.seconds < 5
        stop = threading.Event()
        threading.Timer(0.3, stop.set).start()
        stopped = tools.call(ToolCall("5", "remote__wait", '{"seconds": 30}'), stop)
        assert stopped.cancelled and stopped.seconds < 3
        assert tools.call(ToolCall("6", "weather__pid", "{}"), never).content == pid  # the server lives on
    finally:
        tools.close()


def test_mcp_json_round_trip_keeps_other_keys(tmp_path: Path) -> None:
    path = tmp_path / "mcp.json"
    path.write_text(json.dumps({"mcpServers": {"a": {"command": "x", "args": ["1"]}, "b": {"url": "nope"}},
                                "otherApp": {"keep": True}}))
    servers = load(path)
    assert servers[0].usable and servers[1].problem == "the url must start with http:// or https://"
    save(path, servers)
    data = json.loads(path.read_text())
    assert data["otherApp"] == {"keep": True} and data["mcpServers"] == {"a": {"command": "x", "args": ["1"]}}


# ----- the tool loop --------------------------------------------------------------------------------------
class _Yes:
    def __init__(self, answers: list[str]) -> None:
        self.answers, self.asked = answers, []

    def decide(self, call: ToolCall, spec: ToolSpec | None) -> str:
        self.asked.append(call.name)
        return self.answers.pop(0) if self.answers else "allow"


def test_a_turn_calls_a_tool_and_answers_with_its_result(demo: Engine, store: HistoryStore, http_server: str) -> None:
    tools = McpTools(parse({"mcpServers": {"weather": {"command": sys.executable, "args": [str(SERVER)]}}}))
    tools.start()
    try:
        record = HistoryRecord(store)
        permission = _Yes(["allow"])
        outcome = run_turn(Turn((), SamplingParams(temperature=0, max_tokens=120), user_text="Weather in Paris?",
                                tool_choice="get_weather"), demo, QuietSink(), record, tools=tools,
                           permission=permission)
        assert permission.asked == ["get_weather"]
        path = store.active_path(record.ensure_conversation().id)
        assert [m.role for m in path] == ["user", "assistant", "tool", "assistant"]
        call = path[1].tool_calls[0]
        assert call.name == "get_weather" and json.loads(call.arguments)["city"]
        assert path[2].content.startswith(("Sunny", "No forecast")) and path[2].tool["call_id"] == call.id
        assert path[3].content == outcome.text and outcome.text.strip()
        exported = store.export_json(path[0].conversation_id)  # the calls and results travel with the export
        assert exported["messages"][1]["tool_calls"][0]["function"]["name"] == "get_weather"
        assert exported["messages"][2] == {"role": "tool", "content": path[2].content, "tool_call_id": call.id}
        again = store.import_json(exported)
        assert [m.role for m in store.active_path(again.id)] == ["user", "assistant", "tool", "assistant"]
    finally:
        tools.close()


def test_a_denied_call_tells_the_model_and_the_round_limit_holds(demo: Engine, store: HistoryStore) -> None:
    tools = McpTools(parse({"mcpServers": {"weather": {"command": sys.executable, "args": [str(SERVER)]}}}))
    tools.start()
    try:
        record = HistoryRecord(store)
        run_turn(Turn((), SamplingParams(temperature=0, max_tokens=60), user_text="Add 2 and 2.", tool_choice="add"),
                 demo, QuietSink(), record, tools=tools, permission=_Yes(["deny"]))
        path = store.active_path(record.ensure_conversation().id)
        assert path[2].role == "tool" and path[2].tool["denied"] and "did not allow" in path[2].content
        # a model that keeps calling: forced to call in every round, it stops after max_rounds
        record = HistoryRecord(store)
        outcome = run_turn(Turn((), SamplingParams(temperature=0, max_tokens=60), user_text="Add 1 and 1.",
                                tool_choice="required", max_rounds=2), demo, QuietSink(), record, tools=tools,
                           permission=_Yes([]))
        roles = [m.role for m in store.active_path(record.ensure_conversation().id)]
        assert roles.count("assistant") <= 3 and outcome.stats_dict.get("tool_round_limit", 2) == 2
    finally:
        tools.close()


def test_stop_while_a_tool_runs_keeps_what_ran(demo: Engine, store: HistoryStore) -> None:
    tools = McpTools(parse({"mcpServers": {"weather": {"command": sys.executable, "args": [str(SERVER)]}}}))
    tools.start()
    slow = ToolSpec("wait", "Wait", json.dumps({"type": "object", "properties": {"seconds": {"enum": [30]}},
                                                "required": ["seconds"]}), "weather")

    class OnlyWait:
        def specs(self) -> tuple[ToolSpec, ...]:
            return (slow,)

        def call(self, call: ToolCall, cancel: threading.Event):
            # Stopped once the tool runs: a timer started with the turn fired during generation on a
            # busy machine, before any tool ran, and the turn (rightly) had no tool message to keep.
            threading.Timer(0.5, cancel.set).start()
            return tools.call(call, cancel)

    cancel = threading.Event()
    try:
        record = HistoryRecord(store)
        started = time.monotonic()
        outcome = run_turn(Turn((), SamplingParams(temperature=0, max_tokens=60), user_text="Wait.",
                                tool_choice="wait"), demo, QuietSink(), record, cancel=cancel, tools=OnlyWait(),
                           permission=_Yes([]))
        assert time.monotonic() - started < 10 and outcome.status == "cancelled"
        path = store.active_path(record.ensure_conversation().id)
        assert [m.role for m in path] == ["user", "assistant", "tool"] and path[2].tool["cancelled"]
    finally:
        tools.close()


# ----- the API --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(instruct_model: Path) -> Iterator[openai.OpenAI]:
    host = ModelHost()
    host.call(lambda engine: engine.load(instruct_model))
    server = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    yield openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0, timeout=120)
    server.stop()
    host.shutdown()


TOOLS = [WEATHER.openai(), ADD.openai()]
ASK = [{"role": "user", "content": "What's the weather in Paris?"}]


@pytest.mark.parametrize("choice", ["required", {"type": "function", "function": {"name": "get_weather"}}])
def test_forced_and_required_calls_come_back_as_tool_calls(api: openai.OpenAI, choice: object) -> None:
    reply = api.chat.completions.create(model="smollm2", messages=ASK, tools=TOOLS, tool_choice=choice,
                                        parallel_tool_calls=False, temperature=0)
    assert reply.choices[0].finish_reason == "tool_calls"
    [call] = reply.choices[0].message.tool_calls
    assert call.type == "function" and call.id
    jsonschema.validate(json.loads(call.function.arguments), {"get_weather": WEATHER_SCHEMA,
                                                              "add": ADD_SCHEMA}[call.function.name])
    chunks = list(api.chat.completions.create(model="smollm2", messages=ASK, tools=TOOLS, tool_choice=choice,
                                              parallel_tool_calls=False, temperature=0, stream=True))
    pieces = [tc for c in chunks if c.choices for tc in (c.choices[0].delta.tool_calls or ())]
    assert pieces[0].id and pieces[0].function.name and all(p.id is None for p in pieces[1:])
    assert json.loads("".join(p.function.arguments or "" for p in pieces)) == json.loads(call.function.arguments)
    assert [c.choices[0].finish_reason for c in chunks if c.choices][-1] == "tool_calls"


def test_none_gives_text_and_a_result_is_answered_in_text(api: openai.OpenAI) -> None:
    text = api.chat.completions.create(model="smollm2", messages=ASK, tools=TOOLS, tool_choice="none",
                                       temperature=0, max_tokens=40)
    assert text.choices[0].finish_reason in ("stop", "length") and text.choices[0].message.content
    assert text.choices[0].message.tool_calls is None
    call = {"id": "call_1", "type": "function", "function": {"name": "get_weather", "arguments": '{"city": "Paris"}'}}
    conversation = [*ASK, {"role": "assistant", "content": None, "tool_calls": [call]},
                    {"role": "tool", "tool_call_id": "call_1", "content": "Sunny, 24 °C"}]
    answers = []
    for seed in range(4):  # a 135M model at times only echoes a tool response (stopped there): a few tries
        answer = api.chat.completions.create(model="smollm2", temperature=0.7, seed=seed, max_tokens=60, tools=TOOLS,
                                             messages=conversation, extra_body={"repeat_penalty": 1.1, "top_k": 40})
        assert answer.choices[0].finish_reason in ("stop", "length", "tool_calls")
        answers.append(answer.choices[0].message.content or "")
        if answers[-1].strip() and not answer.choices[0].message.tool_calls:
            break
    assert answers[-1].strip(), answers


@pytest.mark.parametrize(("tools", "says"), [
    ([{"type": "function", "function": {"name": "bad name!"}}], "tools[0].function.name"),
    ([{"type": "tool", "function": {"name": "x"}}], "tools[0].type"),
    ("a list?", "tools must be a list"),
    ([{"type": "function", "function": {"name": "x", "parameters": {"type": "strin"}}}], "is not valid under"),
])
def test_a_malformed_tools_list_is_a_400_naming_the_part(api: openai.OpenAI, tools: object, says: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        api.chat.completions.create(model="smollm2", messages=ASK, tools=tools)  # type: ignore[arg-type]
    assert says in refused.value.message


# ----- the terminal ---------------------------------------------------------------------------------------
def test_the_terminal_runs_tools_with_allow_tools_and_refuses_without_a_tty(tmp_path: Path,
                                                                            instruct_model: Path) -> None:
    config = tmp_path / "mcp.json"
    config.write_text(json.dumps({"mcpServers": {"weather": {"command": sys.executable, "args": [str(SERVER)]}}}))
    base = [sys.executable, "-m", "chatapp", "chat", "--model", str(instruct_model), "--prompt",
            "What is the weather in Paris?", "--mcp-config", str(config), "--tool-choice", "get_weather",
            "--temperature", "0", "--max-tokens", "80", "--stats", "--no-history"]
    ran = subprocess.run([*base, "--allow-tools"], capture_output=True, text=True, timeout=300,
                         stdin=subprocess.DEVNULL)
    assert ran.returncode == 0, ran.stderr
    assert "chatapp: tool get_weather on weather (" in ran.stderr and json.loads(
        ran.stderr.strip().splitlines()[-1])["tool_calls"] == 1
    refused = subprocess.run(base, capture_output=True, text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert refused.returncode == 0
    assert "not running get_weather (weather): tools run only with --allow-tools" in refused.stderr
