"""OpenAI's request shapes → what the engine takes, checked field by field before a job is queued.

Everything here is plain, blocking Python: the endpoints run it on a worker thread (`asyncio.to_thread`),
so decoding an 8 MiB body, validating a thousand messages or converting a schema to a grammar never
stalls the event loop that streams other clients' replies. Sizes are refused here, early and cheaply:
a request cannot fit a model whose context holds fewer tokens than its text has characters divided by
`CHARS_PER_TOKEN_BOUND` (no vocabulary has longer tokens), so it is `context_length_exceeded` without
tokenizing; the model thread counts exactly what passes.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from typing import Any

from chatapp.core.errors import KnownError, SettingsError
from chatapp.core.images import MAX_IMAGES_PER_MESSAGE, ImageError, image_from_url
from chatapp.core.types import Image, Message, OutputFormat, SamplingParams, ToolSet
from chatapp.server.errors import ApiError
from chatapp.server.limits import CHARS_PER_TOKEN_BOUND, MAX_EMBEDDING_INPUTS, MAX_MESSAGES, MAX_STOPS
from chatapp.server.tool_requests import ToolRequestError, assistant_calls, tool_set

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}


@dataclass(frozen=True)
class ChatRequest:
    messages: tuple[Message, ...]
    params: SamplingParams
    stops: tuple[str, ...]
    tools: ToolSet | None
    output: OutputFormat | None
    stream: bool
    include_usage: bool


@dataclass(frozen=True)
class CompletionRequest:
    prompt: str
    params: SamplingParams
    stops: tuple[str, ...]
    output: OutputFormat | None
    stream: bool
    include_usage: bool


def decode(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


def _check_fits(chars: int, context_size: int | None, what: str, param: str) -> None:
    if context_size is not None and chars > context_size * CHARS_PER_TOKEN_BOUND:
        raise ApiError(400, f"The {what} {chars:,} characters: more than a model with a context of "
                            f"{context_size:,} tokens can read.", code="context_length_exceeded", param=param)


def _stream_options(body: dict[str, Any]) -> tuple[bool, bool]:
    options = body.get("stream_options") or {}
    if not isinstance(options, dict):
        raise ApiError(400, "stream_options must be an object.", param="stream_options")
    return bool(body.get("stream")), bool(options.get("include_usage"))


def chat_request(raw: bytes, context_size: int | None) -> ChatRequest:
    """A /v1/chat/completions body, checked; `context_size` is the loaded model's (None: none loaded)."""
    body = decode(raw)
    messages = _messages(body)
    tools = _tools(body)
    chars = sum(len(m.content) + sum(len(c.arguments) for c in m.tool_calls) for m in messages)
    chars += sum(len(t.description) + len(t.parameters) for t in tools.tools) if tools is not None else 0
    _check_fits(chars, context_size, "messages have", "messages")
    stream, include_usage = _stream_options(body)
    return ChatRequest(messages, _sampling(body), _stops(body), tools, _checked_output_format(body), stream,
                       include_usage)


def completion_request(raw: bytes, context_size: int | None) -> CompletionRequest:
    """A /v1/completions body, checked (a prompt without a template: the text as given)."""
    body = decode(raw)
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str) or not prompt:
        raise ApiError(400, "prompt must be a non-empty string.", param="prompt")
    if body.get("echo"):
        raise ApiError(400, "echo is not supported by chatapp.", param="echo")
    if body.get("tools"):
        raise ApiError(400, "tools work with /v1/chat/completions, not completions.", param="tools")
    _check_fits(len(prompt), context_size, "prompt has", "prompt")
    params = _sampling(body)
    if "max_tokens" not in body and "max_completion_tokens" not in body:
        params = replace(params, max_tokens=16)  # OpenAI's default here
    stream, include_usage = _stream_options(body)
    return CompletionRequest(prompt, params, _stops(body), _checked_output_format(body), stream, include_usage)


def embedding_inputs(body: dict[str, Any], max_tokens: int) -> list[str]:
    """The texts of a /v1/embeddings body, at most `MAX_EMBEDDING_INPUTS`, none obviously too long."""
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "input must be a string or a non-empty list of strings.", param="input")
    if len(texts) > MAX_EMBEDDING_INPUTS:
        raise ApiError(400, f"input has {len(texts):,} texts; send at most {MAX_EMBEDDING_INPUTS} per request.",
                       param="input")
    for i, text in enumerate(texts):
        _check_fits(len(text), max_tokens, f"input[{i}] has", "input")
    return texts


def _checked_output_format(body: dict[str, Any]) -> OutputFormat | None:
    """The output format, its schema converted now so a bad one is a 400 naming the part."""
    output = _output_format(body)
    if output is not None and output.is_json:
        from chatapp.core.runtime.grammar import to_gbnf

        try:
            to_gbnf(output)
        except KnownError as exc:
            raise ApiError(400, str(exc), param="response_format" if "response_format" in body else "json_schema",
                           code="invalid_schema") from None
    return output


def _sampling(body: dict[str, Any]) -> SamplingParams:
    """OpenAI parameters → SamplingParams, refusing what chatapp cannot honour."""
    n = body.get("n", 1)
    if n not in (1, None):
        raise ApiError(400, "n must be 1: chatapp generates one choice per request.", param="n")
    for unsupported in ("logprobs", "top_logprobs", "logit_bias", "functions", "suffix"):
        value = body.get(unsupported)
        if value not in (None, False, {}, [], 0):
            raise ApiError(400, f"{unsupported} is not supported by chatapp.", param=unsupported)
    max_tokens = body.get("max_completion_tokens", body.get("max_tokens"))
    fields: dict[str, Any] = {
        "temperature": body.get("temperature"), "top_p": body.get("top_p"), "seed": body.get("seed"),
        "max_tokens": max_tokens, "presence_penalty": body.get("presence_penalty"),
        "frequency_penalty": body.get("frequency_penalty"),
        # Not OpenAI's, but llama.cpp's server and vLLM take them, and so does chatapp's remote client.
        "top_k": body.get("top_k"), "min_p": body.get("min_p"), "repeat_penalty": body.get("repeat_penalty"),
    }
    defaults = SamplingParams()
    # OpenAI's defaults where they differ from the window's: no repeat penalty, temperature 1, top-p 1.
    base = {**defaults.to_dict(), "repeat_penalty": 1.0, "temperature": 1.0, "top_p": 1.0, "top_k": 0, "min_p": 0.0}
    try:
        return SamplingParams(**{**base, **{k: v for k, v in fields.items() if v is not None}})
    except SettingsError as exc:
        raise ApiError(400, str(exc)) from None
    except TypeError as exc:
        raise ApiError(400, f"Invalid parameter: {exc}.") from None


def _output_format(body: dict[str, Any]) -> OutputFormat | None:
    """OpenAI's `response_format` (text, json_object, json_schema), or llama.cpp's `json_schema` and
    `grammar` fields, as the shape the reply must take."""
    fmt, schema, grammar = body.get("response_format"), body.get("json_schema"), body.get("grammar")
    given = [name for name, v in (("response_format", fmt), ("json_schema", schema), ("grammar", grammar))
             if v not in (None, {"type": "text"})]
    if len(given) > 1:
        raise ApiError(400, f"Give one of {' and '.join(given)}, not both.", param=given[1])
    if grammar is not None:
        if not isinstance(grammar, str) or not grammar.strip():
            raise ApiError(400, "grammar must be a GBNF grammar as a string.", param="grammar")
        return OutputFormat("grammar", grammar)
    if schema is not None:
        return OutputFormat("json_schema", json.dumps(schema))
    if fmt is None:
        return None
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if kind == "text":
        return None
    if kind == "json_object":
        inner = fmt.get("schema")  # llama.cpp's server takes a schema here too
        return OutputFormat("json_schema", json.dumps(inner)) if inner else OutputFormat("json_object")
    if kind == "json_schema":
        spec = fmt.get("json_schema")
        if not isinstance(spec, dict) or "schema" not in spec:
            raise ApiError(400, "response_format.json_schema must be an object with a schema.",
                           param="response_format.json_schema")
        name = spec.get("name", "")
        return OutputFormat("json_schema", json.dumps(spec["schema"]), name=name if isinstance(name, str) else "")
    raise ApiError(400, "response_format.type must be text, json_object or json_schema.",
                   param="response_format.type")


def _stops(body: dict[str, Any]) -> tuple[str, ...]:
    stop = body.get("stop")
    if stop is None:
        return ()
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops) or len(stops) > MAX_STOPS:
        raise ApiError(400, f"stop must be a string or a list of up to {MAX_STOPS} strings.", param="stop")
    return tuple(s for s in stops if s)


def _content(value: Any, index: int, images_allowed: bool = False) -> tuple[str, tuple[Image, ...]]:
    """The message's text and (user messages only) its images: OpenAI `image_url` parts holding data:
    URLs. The model sees the images before the text, whatever their place among the parts."""
    param = f"messages[{index}].content"
    if isinstance(value, str):
        return value, ()
    if value is None:
        return "", ()
    if not isinstance(value, list):
        raise ApiError(400, f"{param} must be a string or a list of content parts.", param=param)
    texts: list[str] = []
    images: list[Image] = []
    for number, part in enumerate(value):
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif kind == "image_url" and images_allowed:
            url = part.get("image_url")
            url = url.get("url") if isinstance(url, dict) else url
            if not isinstance(url, str):
                raise ApiError(400, f"{param}[{number}].image_url.url must be a data: URL.", param=param)
            if len(images) >= MAX_IMAGES_PER_MESSAGE:
                raise ApiError(400, f"{param} has more than {MAX_IMAGES_PER_MESSAGE} images.", param=param)
            try:
                images.append(image_from_url(url, f"{param}[{number}]"))
            except ImageError as exc:
                raise ApiError(400, str(exc), param=param) from None
        elif kind == "image_url":
            raise ApiError(400, f"{param}: images go in user messages only.", param=param)
        else:
            raise ApiError(400, f"{param}[{number}]: only text and image_url parts are supported.", param=param)
    return "".join(texts), tuple(images)


def _messages(body: dict[str, Any]) -> tuple[Message, ...]:
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "messages must be a non-empty list.", param="messages")
    if len(raw) > MAX_MESSAGES:
        raise ApiError(400, f"messages has {len(raw):,} messages; chatapp takes at most {MAX_MESSAGES:,}.",
                       param="messages", code="context_length_exceeded")
    messages = []
    names: dict[str, str] = {}  # call id -> tool name, for results that do not name their tool
    for i, m in enumerate(raw):
        role = ROLES.get(str(m.get("role"))) if isinstance(m, dict) else None
        if role is None:
            raise ApiError(400, f"messages[{i}].role must be system, user, assistant or tool.",
                           param=f"messages[{i}].role")
        try:
            calls = assistant_calls(m.get("tool_calls"), i) if role == "assistant" else ()
        except ToolRequestError as exc:
            raise ApiError(400, str(exc), param=exc.param) from None
        names.update({c.id: c.name for c in calls})
        if role == "tool":
            call_id = m.get("tool_call_id")
            if not isinstance(call_id, str) or not call_id:
                raise ApiError(400, f"messages[{i}].tool_call_id must name the call this result answers.",
                               param=f"messages[{i}].tool_call_id")
            name = m.get("name") if isinstance(m.get("name"), str) else names.get(call_id, "")
            messages.append(Message("tool", _content(m.get("content"), i)[0], tool_call_id=call_id, name=name))
            continue
        text, images = _content(m.get("content"), i, images_allowed=role == "user")
        messages.append(Message(role, text, tool_calls=calls, images=images))  # type: ignore[arg-type]
    # Templates take one system message, first: fold any others into it, as the window's history does.
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    rest = [m for m in messages if m.role != "system"]
    if not rest or rest[-1].role not in ("user", "tool"):
        raise ApiError(400, "The last message must be from the user (or a tool's result).", param="messages")
    if rest[-1].role == "user" and not rest[-1].content.strip() and not rest[-1].images:
        raise ApiError(400, "The last message is empty; type a message first.", param="messages")
    return tuple(([Message("system", system)] if system else []) + rest)


def _tools(body: dict[str, Any]) -> ToolSet | None:
    try:
        tools = tool_set(body)
    except ToolRequestError as exc:
        raise ApiError(400, str(exc), param=exc.param) from None
    if tools is not None and tools.active and any(body.get(k) for k in ("grammar", "json_schema", "response_format")
                                                  if body.get(k) != {"type": "text"}):
        raise ApiError(400, "tools cannot be combined with a grammar or response_format; use one.", param="tools")
    return tools
