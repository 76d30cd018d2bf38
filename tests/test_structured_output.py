"""Answers in shape: replies held to a JSON schema (or any JSON object, or a GBNF grammar) token by token,
on the real demo model, through the engine, the API (the official openai client) and the terminal."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import openai
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel, Field

from chatapp.core.errors import KnownError
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.json_grammar import SchemaError, _int_range, schema_to_gbnf
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.runtime.router import ModelRouter
from chatapp.core.types import FinishReason, Message, OutputFormat, SamplingParams, Speculation
from chatapp.server.runner import ApiServer
from chatapp.server.state import ServerState

NAME = {"type": "string", "maxLength": 16}
SCHEMAS = {
    "nested-objects": {"type": "object", "properties": {
        "name": NAME, "address": {"type": "object", "properties": {"city": NAME, "zip": {
            "type": "string", "pattern": "^[0-9]{5}$"}}, "required": ["city", "zip"]}},
        "required": ["name", "address"]},
    "enums": {"type": "object", "properties": {"color": {"enum": ["red", "green", "blue"]}, "size": {"const": "XL"},
                                               "ok": {"type": "boolean"}}, "required": ["color", "size", "ok"]},
    "array-with-bounds": {"type": "object", "properties": {"tags": {"type": "array", "items": NAME, "minItems": 1,
                                                                    "maxItems": 3}}, "required": ["tags"]},
    "nullable-anyOf": {"type": "object", "properties": {"nickname": {"anyOf": [NAME, {"type": "null"}]},
                                                        "age": {"type": ["integer", "null"], "maximum": 99}},
                       "required": ["nickname", "age"]},
    "number-ranges": {"type": "object", "properties": {
        "age": {"type": "integer", "minimum": 18, "maximum": 65}, "delta": {"type": "integer", "minimum": -5,
                                                                            "exclusiveMaximum": 5},
        "score": {"type": "number", "minimum": 0, "maximum": 1}}, "required": ["age", "delta", "score"]},
    "ref-defs": {"$defs": {"point": {"type": "object", "properties": {"x": {"type": "integer", "minimum": 0,
                                                                             "maximum": 9},
                                                                       "y": {"type": "integer"}},
                                     "required": ["x", "y"], "additionalProperties": False}},
                 "type": "object", "properties": {"start": {"$ref": "#/$defs/point"}, "end": {"$ref": "#/$defs/point"},
                                                  "label": NAME},
                 "required": ["start", "end"]},
}
PROMPT = "Reply with a JSON example."


@pytest.fixture(scope="module")
def demo_engine(instruct_model: Path) -> Iterator[Engine]:
    engine = Engine()
    engine.load(instruct_model)
    yield engine
    engine.unload()


@pytest.mark.parametrize("speculation", ["off", "prompt-lookup"])
@pytest.mark.parametrize("temperature", [0.0, 0.8])
@pytest.mark.parametrize("schema_name", list(SCHEMAS))
def test_every_reply_parses_and_validates(demo_engine: Engine, schema_name: str, temperature: float,
                                          speculation: str) -> None:
    schema = SCHEMAS[schema_name]
    stream = demo_engine.chat([Message("user", f"{PROMPT} ({schema_name})")],
                              SamplingParams(temperature=temperature, seed=7, max_tokens=400),
                              speculation=Speculation(speculation),
                              output=OutputFormat("json_schema", json.dumps(schema)))
    text = stream.text()
    assert stream.stats.finish_reason == FinishReason.STOP, text  # ended by the grammar, not the limit
    jsonschema.validate(json.loads(text), schema)


def test_any_json_object_and_a_gbnf_grammar(demo_engine: Engine) -> None:
    anything = demo_engine.chat([Message("user", "Tell me about cats.")], SamplingParams(temperature=0.8, seed=1,
                                max_tokens=300), output=OutputFormat("json_object")).text()
    assert isinstance(json.loads(anything), dict)
    yes_no = OutputFormat("grammar", 'root ::= ("yes" | "no") "."')
    for seed in range(3):
        reply = demo_engine.chat([Message("user", "Is the sea salty?")], SamplingParams(temperature=1.0, seed=seed),
                                 output=yes_no).text()
        assert reply in ("yes.", "no.")


def test_a_cut_reply_says_length(demo_engine: Engine) -> None:
    stream = demo_engine.chat([Message("user", PROMPT)], SamplingParams(max_tokens=5),
                              output=OutputFormat("json_schema", json.dumps(SCHEMAS["nested-objects"])))
    text = stream.text()
    assert stream.stats.finish_reason == FinishReason.LENGTH and text.startswith("{")


@pytest.mark.parametrize(("schema", "where", "says"), [
    ({"type": "strin"}, "type", "is not valid under any of the given schemas"),
    ({"type": "object", "properties": {"a": {"type": "string", "not": {"const": "x"}}}}, "a",
     "“not” cannot be enforced"),
    ({"type": "object", "properties": {"p": {"type": "number", "minimum": 0.5}}}, "p", "only whole-number bounds"),
    ({"$ref": "https://example.com/s.json"}, "its root", "only references inside the schema"),
    ({"type": "integer", "minimum": 5, "maximum": 1}, "its root", "no number is at least 5 and at most 1"),
])
def test_a_schema_that_cannot_be_used_names_the_part(schema: object, where: str, says: str) -> None:
    with pytest.raises(SchemaError) as refused:
        schema_to_gbnf(schema)
    assert f"at {where}:" in str(refused.value) and says in str(refused.value)


def test_a_grammar_that_does_not_parse_is_one_sentence(demo_engine: Engine) -> None:
    with pytest.raises(KnownError, match=r"llama\.cpp cannot use this grammar"):
        demo_engine.chat([Message("user", "hi")], output=OutputFormat("grammar", "root ::= (("))


def _as_regex(gbnf_alternatives: str) -> re.Pattern[str]:
    """The digit rules `_int_range` writes ("1" [0-9] | "-" [1-5]) as a Python regex."""
    alternatives = []
    for alt in gbnf_alternatives.split(" | "):
        alternatives.append("".join(re.escape(item[1:-1]) if item.startswith('"') else item for item in alt.split()))
    return re.compile("|".join(f"(?:{a})" for a in alternatives))


@settings(max_examples=60, deadline=None)
@given(st.integers(-1200, 1200), st.integers(0, 2500))
def test_integer_ranges_hold_exactly_the_numbers_in_them(lo: int, width: int) -> None:
    hi = lo + width
    pattern = _as_regex(_int_range(lo, hi))
    for n in range(lo - 30, hi + 31):
        assert bool(pattern.fullmatch(str(n))) == (lo <= n <= hi), (lo, hi, n)
    assert not pattern.fullmatch("007") and not pattern.fullmatch("-0")  # JSON writes no leading zeros


def test_a_list_of_types_keeps_each_types_bounds() -> None:
    """`"type": ["integer", "null"], "maximum": 99`: llama-cpp-python's converter turned each type of a list
    into a bare `{"type": t}`, so any integer was allowed (seen: 473281908650000)."""
    rules = dict(line.split(" ::= ", 1) for line in schema_to_gbnf(
        {"type": ["integer", "null"], "maximum": 99, "minimum": 0}).splitlines())
    integer = next(body for body in rules["root"].split(" | ") if body != "null")
    pattern = _as_regex(rules[integer].removesuffix(" space").strip("()"))
    assert pattern.fullmatch("99") and pattern.fullmatch("0") and not pattern.fullmatch("100")


# ----- the API --------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def api(instruct_model: Path) -> Iterator[openai.OpenAI]:
    host = ModelHost()
    host.call(lambda engine: engine.load(instruct_model))
    server = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    yield openai.OpenAI(base_url=server.url, api_key="unused", max_retries=0, timeout=120)
    server.stop()
    host.shutdown()


class Person(BaseModel):
    name: str = Field(max_length=16)
    age: int = Field(ge=0, le=120)
    hobbies: list[str] = Field(max_length=3)


def test_the_official_client_gets_json_matching_its_schema(api: openai.OpenAI) -> None:
    schema = SCHEMAS["enums"]
    for stream in (False, True):
        kwargs = {"model": "smollm2", "messages": [{"role": "user", "content": PROMPT}], "max_tokens": 200,
                  "response_format": {"type": "json_schema", "json_schema": {"name": "choice", "schema": schema,
                                                                             "strict": True}}}
        if stream:
            chunks = list(api.chat.completions.create(**kwargs, stream=True))
            text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
        else:
            text = api.chat.completions.create(**kwargs).choices[0].message.content
        jsonschema.validate(json.loads(text), schema)


def test_parse_with_a_pydantic_model(api: openai.OpenAI) -> None:
    completion = api.chat.completions.parse(model="smollm2", messages=[{"role": "user", "content": "Invent a person."}],
                                            response_format=Person, max_tokens=200, temperature=0.8, seed=4)
    person = completion.choices[0].message.parsed
    assert isinstance(person, Person) and 0 <= person.age <= 120


def test_json_object_and_llama_cpp_fields_and_completions(api: openai.OpenAI) -> None:
    reply = api.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "A cat, as JSON."}],
                                        response_format={"type": "json_object"}, max_tokens=400, temperature=0.7,
                                        seed=2)
    text = reply.choices[0].message.content
    # any object has no bound on its size: whole when the model ends it, a JSON object's start when cut
    assert isinstance(json.loads(text), dict) if reply.choices[0].finish_reason == "stop" else text.startswith("{")
    reply = api.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "Is it raining?"}],
                                        extra_body={"grammar": 'root ::= "yes" | "no"'})
    assert reply.choices[0].message.content in ("yes", "no")
    completion = api.completions.create(model="smollm2", prompt="A JSON list of two colours: ", max_tokens=60,
                                        extra_body={"json_schema": {"type": "array", "items": {"enum": ["red", "blue"]},
                                                                    "minItems": 2, "maxItems": 2}})
    assert len(json.loads(completion.choices[0].text)) == 2


@pytest.mark.parametrize(("extra", "says"), [
    ({"response_format": {"type": "json_schema", "json_schema": {"name": "x", "schema": {"type": "strin"}}}},
     "The JSON schema cannot be used at type"),
    ({"response_format": {"type": "yaml"}}, "response_format.type must be text, json_object or json_schema"),
    ({"grammar": "root ::= ((("}, "llama.cpp cannot use this grammar"),
    ({"grammar": 'root ::= "a"', "json_schema": {"type": "object"}}, "Give one of json_schema and grammar"),
    ({"grammar": "root ::= " + "(" * 3000 + '"a"' + ")" * 3000}, "nests groups 3000 deep"),  # crashed the server
])
def test_an_unusable_format_is_a_400_that_says_why(api: openai.OpenAI, extra: dict, says: str) -> None:
    with pytest.raises(openai.BadRequestError) as refused:
        api.chat.completions.create(model="smollm2", messages=[{"role": "user", "content": "hi"}], extra_body=extra)
    assert says in refused.value.message


# ----- the terminal ---------------------------------------------------------------------------------------
def test_json_schema_from_the_terminal_prints_the_json_alone(tmp_path: Path, instruct_model: Path) -> None:
    schema_file = tmp_path / "person.json"
    schema_file.write_text(json.dumps(Person.model_json_schema()))
    run = subprocess.run([sys.executable, "-m", "chatapp", "chat", "--model", str(instruct_model), "--prompt",
                          "Invent a person.", "--json-schema", str(schema_file), "--max-tokens", "200"],
                         capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    Person.model_validate_json(run.stdout)
    schema_file.write_text('{"type": "objekt"}')
    bad = subprocess.run([sys.executable, "-m", "chatapp", "chat", "--model", str(instruct_model), "--prompt", "x",
                          "--json-schema", str(schema_file)], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and bad.stderr.count("\n") == 1
    assert "The JSON schema cannot be used at type:" in bad.stderr


def test_a_property_with_only_a_description_takes_any_value() -> None:
    """A schema of annotations alone (Claude Code's tools have such properties) constrains nothing: it is any
    JSON value, not a refusal (llama-cpp-python's converter asserted on it) nor an object."""
    rules = dict(line.split(" ::= ", 1) for line in schema_to_gbnf(
        {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
         "properties": {"note": {"description": "Any value, as given.", "title": "Note"}, "n": {"type": "integer"}},
         "required": ["note", "n"]}).splitlines())
    assert rules["note"] == "value" and rules["value"] == "object | array | string | number | boolean | null"


def test_bounds_of_any_size_and_deep_grammars_never_take_the_process_down(demo_engine: Engine) -> None:
    """A `maxLength` in the thousands (Claude Code's tools have 524,288) was written out as one nested group
    per character, and llama.cpp's recursive grammar parser overflowed the stack: the whole server died
    (measured: 1,000 levels parse, 2,000 crash). Lengths and item counts are GBNF repetitions now, and any
    grammar nested deeper than llama.cpp reads safely — a client may send its own — is one sentence."""
    from chatapp.core.runtime.grammar import MAX_NESTING, GrammarError

    schema = {"type": "object", "properties": {"note": {"type": "string", "maxLength": 524288},
                                               "tags": {"type": "array", "items": {"type": "string"},
                                                        "minItems": 1, "maxItems": 5000}},
              "required": ["note", "tags"], "additionalProperties": False}
    reply = demo_engine.chat([Message("user", PROMPT)], SamplingParams(temperature=0.0, max_tokens=300),
                             output=OutputFormat("json_schema", json.dumps(schema)))
    jsonschema.validate(json.loads(reply.text()), schema)
    deep = "root ::= " + "(" * (MAX_NESTING + 1) + '"a"' + ")" * (MAX_NESTING + 1)
    with pytest.raises(GrammarError, match="nests groups 5000 deep"):
        demo_engine.chat([Message("user", "hi")], output=OutputFormat("grammar", "root ::= " + "(" * 5000 + '"a"'
                                                                       + ")" * 5000))
    with pytest.raises(GrammarError, match=f"nests groups {MAX_NESTING + 1} deep"):
        demo_engine.chat([Message("user", "hi")], output=OutputFormat("grammar", deep))
    assert demo_engine.chat([Message("user", "hi")], SamplingParams(max_tokens=3)).text()  # still serving
