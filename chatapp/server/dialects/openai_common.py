"""What OpenAI's chat completions and completions share: streaming options, the output format
(`response_format`, and llama.cpp's `json_schema` and `grammar`), sampling with what chatapp refuses,
finish reasons and usage."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from chatapp.core.generation import Done, GenerationRequest
from chatapp.core.types import FinishReason, GenerationStats, OutputFormat, SamplingParams
from chatapp.server.errors import ApiError, openai_body
from chatapp.server.requests import checked, sampling
from chatapp.server.sse import frame

UNSUPPORTED = ("logprobs", "top_logprobs", "logit_bias", "functions", "suffix")


@dataclass(frozen=True)
class Parsed:
    """An OpenAI request as the one generation request, and how its answer is to be sent."""

    request: GenerationRequest
    stream: bool
    include_usage: bool


def stream_options(body: dict[str, Any]) -> tuple[bool, bool]:
    """(stream, include_usage)."""
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise ApiError(400, "stream_options must be an object.", param="stream_options")
    return bool(body.get("stream")), bool(options.get("include_usage"))


def openai_sampling(body: dict[str, Any]) -> SamplingParams:
    """OpenAI parameters → SamplingParams, refusing what chatapp cannot honour."""
    n = body.get("n", 1)
    if n not in (1, None):
        raise ApiError(400, "n must be 1: chatapp generates one choice per request.", param="n")
    for unsupported in UNSUPPORTED:
        value = body.get(unsupported)
        if value not in (None, False, {}, [], 0):
            raise ApiError(400, f"{unsupported} is not supported by chatapp.", param=unsupported)
    return sampling({
        "temperature": body.get("temperature"), "top_p": body.get("top_p"), "seed": body.get("seed"),
        "max_tokens": body.get("max_completion_tokens", body.get("max_tokens")),
        "presence_penalty": body.get("presence_penalty"), "frequency_penalty": body.get("frequency_penalty"),
        # Not OpenAI's, but llama.cpp's server and vLLM take them, and so does chatapp's remote client.
        "top_k": body.get("top_k"), "min_p": body.get("min_p"), "repeat_penalty": body.get("repeat_penalty"),
    })


def output_format(body: dict[str, Any]) -> OutputFormat | None:
    """OpenAI's `response_format` (text, json_object, json_schema), or llama.cpp's `json_schema` and
    `grammar` fields, as the shape the reply must take (a schema converted now: a bad one is a 400)."""
    fmt, schema, grammar = body.get("response_format"), body.get("json_schema"), body.get("grammar")
    given = [name for name, v in (("response_format", fmt), ("json_schema", schema), ("grammar", grammar))
             if v not in (None, {"type": "text"})]
    if len(given) > 1:
        raise ApiError(400, f"Give one of {' and '.join(given)}, not both.", param=given[1])
    param = "response_format" if "response_format" in body else "json_schema"
    if grammar is not None:
        if not isinstance(grammar, str) or not grammar.strip():
            raise ApiError(400, "grammar must be a GBNF grammar as a string.", param="grammar")
        return OutputFormat("grammar", grammar)
    if schema is not None:
        return checked(OutputFormat("json_schema", json.dumps(schema)), param)
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        inner = fmt.get("schema")  # llama.cpp's server takes a schema here too
        return checked(OutputFormat("json_schema", json.dumps(inner)), param) if inner else OutputFormat("json_object")
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, dict) or "schema" not in spec:
            raise ApiError(400, "response_format.json_schema must be an object with a schema.",
                           param="response_format.json_schema")
        name = spec.get("name", "")
        return checked(OutputFormat("json_schema", json.dumps(spec["schema"]), name=name if isinstance(name, str)
                                    else ""), param)
    raise ApiError(400, "response_format.type must be text, json_object or json_schema.",
                   param="response_format.type")


def ignore_eos(body: dict[str, Any]) -> bool:
    """llama.cpp's `ignore_eos` (benchmarks ask for replies of an exact length): the model's end-of-generation
    tokens are never sampled."""
    value = body.get("ignore_eos", False)
    if not isinstance(value, bool):
        raise ApiError(400, "ignore_eos must be true or false.", param="ignore_eos")
    return value


def finish_reason(done: Done) -> str:
    stats = done.stats
    if stats is not None and stats.finish_reason in (FinishReason.LENGTH, FinishReason.CONTEXT_FULL):
        return "length"
    if stats is not None and stats.finish_reason == FinishReason.TOOL_CALLS:
        return "tool_calls"
    return "stop"


def usage(stats: GenerationStats | None) -> dict[str, int]:
    prompt = stats.prompt_tokens if stats else 0
    completion = stats.completion_tokens if stats else 0
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


def stream_error(error: ApiError) -> bytes:
    """An error after the stream began: said in the stream, as OpenAI does."""
    return frame({"error": {k: v for k, v in openai_body(error)["error"].items() if k != "param"}})
