"""What OpenAI's chat completions and completions share: the body with `null` meaning "not given",
streaming options, the output format (`response_format`, and llama.cpp's `json_schema` and `grammar`),
sampling, `n`, `logit_bias`, what chatapp refuses, finish reasons, usage and log-probabilities."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from chatapp.core.generation import Done, GenerationRequest, TokenLogprob
from chatapp.core.types import FinishReason, OutputFormat, SamplingParams
from chatapp.server.errors import ApiError, openai_body
from chatapp.server.requests import checked, decode, extensions, sampling
from chatapp.server.sse import frame

UNSUPPORTED = ("functions", "suffix")  # legacy function calling (use tools), fill-in-the-middle
MAX_CHOICES = 8  # `n`: choices generated for one request


@dataclass(frozen=True)
class Parsed:
    """An OpenAI request as the generation requests that answer it (one per choice), and how to answer."""

    requests: tuple[GenerationRequest, ...]
    stream: bool
    include_usage: bool


def body_of(raw: bytes) -> dict[str, Any]:
    """The body, its `null` fields dropped: OpenAI's clients send `null` for "not given"."""
    return {k: v for k, v in decode(raw).items() if v is not None}


def choices(request: GenerationRequest, body: dict[str, Any]) -> tuple[GenerationRequest, ...]:
    """`n` requests for `n` choices: each its own seed when one is fixed (else every choice would be the same)."""
    n = body.get("n", 1)
    if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= MAX_CHOICES:
        raise ApiError(400, f"n must be a whole number from 1 to {MAX_CHOICES}.", param="n")
    seed = request.sampling.seed
    return tuple(replace(request, sampling=replace(request.sampling, seed=(seed + i) % 2**32 if seed >= 0 else -1))
                 for i in range(n))


def logit_bias(body: dict[str, Any]) -> tuple[tuple[int, float], ...]:
    """OpenAI's `logit_bias`: token ids (as JSON object keys) and a bias from -100 to 100 each."""
    raw = body.get("logit_bias", {})
    if not isinstance(raw, dict) or len(raw) > 300:
        raise ApiError(400, "logit_bias must map at most 300 token ids to numbers.", param="logit_bias")
    out = []
    for key, value in raw.items():
        if not str(key).isdigit() or not isinstance(value, (int, float)) or isinstance(value, bool) \
                or not -100 <= value <= 100:
            raise ApiError(400, f"logit_bias[{key!r}] must be a token id with a number from -100 to 100.",
                           param="logit_bias")
        out.append((int(key), float(value)))
    return tuple(out)


def logprobs_entry(token: TokenLogprob) -> dict[str, Any]:
    """A token's log-probability in chat completions' shape (`choices[].logprobs.content[]`)."""
    return {"token": token.token, "logprob": token.logprob, "bytes": list(token.data),
            "top_logprobs": [{"token": t, "logprob": lp, "bytes": list(data)} for t, data, lp in token.top]}


def stream_options(body: dict[str, Any]) -> tuple[bool, bool]:
    """(stream, include_usage)."""
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise ApiError(400, "stream_options must be an object.", param="stream_options")
    return bool(body.get("stream")), bool(options.get("include_usage"))


def openai_sampling(body: dict[str, Any]) -> SamplingParams:
    """OpenAI parameters → SamplingParams, refusing what chatapp cannot honour."""
    for unsupported in UNSUPPORTED:
        value = body.get(unsupported)
        if value not in (None, False, {}, [], 0):
            raise ApiError(400, f"{unsupported} is not supported by chatapp.", param=unsupported)
    # top_k, min_p, repeat_penalty are not OpenAI's, but llama.cpp's server and vLLM take them, and so does
    # chatapp's remote client.
    return sampling({**extensions(body), "temperature": body.get("temperature"), "top_p": body.get("top_p"),
                     "max_tokens": body.get("max_completion_tokens", body.get("max_tokens"))})


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


def usage(dones: Sequence[Done], prompts: int = 1) -> dict[str, Any]:
    """Usage over every choice: each prompt counted once (choices of one prompt read it alike), and how
    much of it came from the KV cache (`prompt_tokens_details.cached_tokens`, as OpenAI and llama-server
    report it: an agent's client shows it)."""
    per_prompt = len(dones) // max(prompts, 1)
    firsts = [d.stats for d in dones[::per_prompt] if d.stats is not None] if dones else []
    prompt = sum(s.prompt_tokens for s in firsts)
    cached = sum(s.prompt_tokens - s.prompt_tokens_evaluated for s in firsts)
    completion = sum(d.stats.completion_tokens for d in dones if d.stats is not None)
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion,
            "prompt_tokens_details": {"cached_tokens": cached}}


def timings(done: Done) -> dict[str, Any]:
    """llama-server's `timings` of one reply (its web UI and benchmarks read them): the prompt's tokens
    read (not those the KV cache had, `cache_n`) and the time to the first token (from the request's
    arrival: template, tokenizing and reading), then the tokens generated after it and their time."""
    stats = done.stats
    if stats is None:
        return {}
    prompt_ms, predicted_ms = stats.ttft_s * 1000, max(stats.total_s - stats.ttft_s, 0.0) * 1000
    read, made = stats.prompt_tokens_evaluated, stats.completion_tokens
    return {"cache_n": stats.prompt_tokens - read, "prompt_n": read, "prompt_ms": round(prompt_ms, 3),
            "prompt_per_token_ms": round(prompt_ms / read, 3) if read else 0.0,
            "prompt_per_second": round(read / prompt_ms * 1000, 2) if prompt_ms else 0.0,
            "predicted_n": made, "predicted_ms": round(predicted_ms, 3),
            "predicted_per_token_ms": round(predicted_ms / max(made - 1, 1), 3),
            "predicted_per_second": round(stats.tokens_per_s, 2)}


def stream_error(error: ApiError) -> bytes:
    """An error after the stream began: said in the stream, as OpenAI does."""
    return frame({"error": {k: v for k, v in openai_body(error)["error"].items() if k != "param"}})
