"""Anthropic's Messages API (`POST /v1/messages`, `POST /v1/messages/count_tokens`): what Claude Code and
the `anthropic` SDK speak.

Parsed into the one `GenerationRequest`: the system prompt (a string or text blocks, and any `system`
message Claude Code puts among the messages), text and base64 images, an assistant's `tool_use` blocks
as its calls and its `thinking` blocks as its thinking, `tool_result` blocks as tool messages (an error
result said to be one), `tools` with their `input_schema`, `tool_choice` (auto, any, a named tool — the
grammar holds its input to the schema —, none; `disable_parallel_tool_use`), `stop_sequences`, a JSON
schema in `output_config.format` (or the older top-level `output_format`). What only Anthropic's own
service does (prompt caching marks, context management, effort, metadata, betas) is accepted and has
no effect; server tools (web search, code execution…) and documents are refused naming them.

Rendered as a `message` or as Anthropic's event stream: `message_start`, then one content block at a
time (`thinking`, `text`, `tool_use`), each `content_block_start` → deltas → `content_block_stop`,
numbered from 0 in order, then `message_delta` with the stop reason and usage, `message_stop`. Each
SSE frame names its event (the SDK skips frames that do not). Errors use Anthropic's envelope.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatapp.core.generation import Done, Event, GenerationRequest, TextDelta, ThinkingDelta
from chatapp.core.images import MAX_IMAGES_PER_MESSAGE, ImageError, image_from_bytes
from chatapp.core.types import Attachment, FinishReason, Message, OutputFormat, ToolCall, ToolSet, ToolSpec
from chatapp.server.dialects import Dialect
from chatapp.server.errors import ApiError
from chatapp.server.limits import MAX_MESSAGES, MAX_TOOLS
from chatapp.server.requests import (
    ContextOf,
    check_fits,
    checked,
    conversation,
    decode,
    extensions,
    keep_alive,
    model_of,
    sampling,
    stops,
)
from chatapp.server.sse import frame, streamed
from chatapp.server.state import server_state

MAX_STOP_SEQUENCES = 16
# The block Claude Code puts first in its system prompt changes with every request (a checksum): it is
# billing metadata for Anthropic, not an instruction, and would make every turn re-read the whole prompt.
BILLING_HEADER = "x-anthropic-billing-header:"
ERROR_TYPES = {400: "invalid_request_error", 401: "authentication_error", 403: "permission_error",
               404: "not_found_error", 413: "request_too_large", 415: "invalid_request_error",
               429: "rate_limit_error", 503: "overloaded_error"}
STOP_REASONS = {FinishReason.TOOL_CALLS: "tool_use", FinishReason.LENGTH: "max_tokens",
                FinishReason.CONTEXT_FULL: "max_tokens"}


@dataclass(frozen=True)
class Parsed:
    request: GenerationRequest
    stream: bool
    model: str  # as the client named it: echoed in the reply


def error_body(error: ApiError) -> dict[str, Any]:
    """Anthropic's error envelope; the SDK picks its exception from the status, the type says the same."""
    kind = ERROR_TYPES.get(error.status, "api_error" if error.status >= 500 else "invalid_request_error")
    return {"type": "error", "error": {"type": kind, "message": error.message}}


def parse(raw: bytes, context_of: ContextOf, counting: bool = False) -> Parsed:
    """A /v1/messages body, checked (`counting`: a count_tokens body, which has no max_tokens)."""
    body = decode(raw)
    max_tokens = body.get("max_tokens")
    if not counting and (not isinstance(max_tokens, int) or isinstance(max_tokens, bool) or max_tokens < 1):
        raise ApiError(400, "max_tokens: a whole number of at least 1 is required.", param="max_tokens")
    messages = _messages(body)
    tools = _tools(body)
    chars = sum(len(m.content) + len(m.thinking) + sum(len(c.arguments) for c in m.tool_calls) for m in messages)
    chars += sum(len(t.description) + len(t.parameters) for t in tools.tools) if tools is not None else 0
    model = model_of(body)
    check_fits(chars, context_of(model), "messages have", "messages")
    values = {**extensions(body), "temperature": body.get("temperature"), "top_p": body.get("top_p")}
    if isinstance(max_tokens, int) and not counting:  # clamped, not refused: Claude Code asks for 32,000 and
        values["max_tokens"] = min(max_tokens, 1_000_000)  # more, whatever the model
    request = GenerationRequest(
        messages, model=model, sampling=sampling(values),
        stops=stops(body.get("stop_sequences"), "stop_sequences", MAX_STOP_SEQUENCES), tools=tools,
        output=_output_format(body, tools), keep_alive=keep_alive(body))
    return Parsed(request, body.get("stream") is True, model)


async def messages(request: Request) -> Response:
    state = server_state(request)
    parsed = await asyncio.to_thread(parse, await request.body(), state.context_size)
    run = state.start(parsed.request)
    message = {"id": f"msg_{uuid.uuid4().hex}", "type": "message", "role": "assistant",
               "model": parsed.model or run.model}
    if not parsed.stream:
        reply = await run.collect(request)
        content: list[dict[str, Any]] = []
        if reply.thinking:
            content.append({"type": "thinking", "thinking": reply.thinking, "signature": ""})
        if reply.text or not reply.done.tool_calls:
            content.append({"type": "text", "text": reply.text})
        content += [_tool_use(call) for call in reply.done.tool_calls]
        return JSONResponse({**message, "content": content, **_stop(reply.done), "usage": _usage(reply.done)})
    return await streamed(run, lambda events: _events(events, message), _stream_error)


async def count_tokens(request: Request) -> Response:
    state = server_state(request)
    parsed = await asyncio.to_thread(parse, await request.body(), state.context_size, True)
    return JSONResponse({"input_tokens": await asyncio.to_thread(state.count_tokens, parsed.request)})


async def _events(events: AsyncIterator[Event], message: dict[str, Any]) -> AsyncIterator[bytes]:
    """Anthropic's stream: one block open at a time, numbered in order; calls as whole `tool_use` blocks at
    the end (their input complete and valid, as the SDK's partial-JSON reader needs)."""
    yield _frame("message_start", {"message": {**message, "content": [], "stop_reason": None, "stop_sequence": None,
                                               "usage": {"input_tokens": 0, "output_tokens": 0}}})
    yield _frame("ping", {})
    index, kind = -1, ""  # the open block: its index and type ("": none open)

    def close() -> bytes:
        signature = _delta(index, {"type": "signature_delta", "signature": ""}) if kind == "thinking" else b""
        return signature + _frame("content_block_stop", {"index": index})

    def open_block(block: dict[str, Any]) -> bytes:
        nonlocal index, kind
        ending = close() if kind else b""
        index, kind = index + 1, block["type"]
        return ending + _frame("content_block_start", {"index": index, "content_block": block})

    async for event in events:
        if isinstance(event, ThinkingDelta):
            if kind != "thinking":
                yield open_block({"type": "thinking", "thinking": "", "signature": ""})
            yield _delta(index, {"type": "thinking_delta", "thinking": event.text})
        elif isinstance(event, TextDelta):
            if kind != "text":
                yield open_block({"type": "text", "text": ""})
            yield _delta(index, {"type": "text_delta", "text": event.text})
        elif isinstance(event, Done):
            if not event.tool_calls and index < 0:  # an empty reply still has its (empty) text block
                yield open_block({"type": "text", "text": ""})
            for call in event.tool_calls:
                yield open_block({**_tool_use(call), "input": {}})
                yield _delta(index, {"type": "input_json_delta", "partial_json": call.arguments})
            if kind:
                yield close()
            yield _frame("message_delta", {"delta": _stop(event), "usage": _usage(event)})
            yield _frame("message_stop", {})


def _frame(event: str, payload: dict[str, Any]) -> bytes:
    return frame({"type": event, **payload}, event=event)


def _delta(index: int, delta: dict[str, Any]) -> bytes:
    return _frame("content_block_delta", {"index": index, "delta": delta})


def _stream_error(error: ApiError) -> bytes:
    return frame(error_body(error), event="error")


def _tool_use(call: ToolCall) -> dict[str, Any]:
    return {"type": "tool_use", "id": call.id, "name": call.name, "input": call.parsed_arguments()}


def _stop(done: Done) -> dict[str, Any]:
    stats = done.stats
    if done.stop:
        return {"stop_reason": "stop_sequence", "stop_sequence": done.stop}
    reason = STOP_REASONS.get(stats.finish_reason, "end_turn") if stats is not None else "end_turn"
    return {"stop_reason": reason, "stop_sequence": None}


def _usage(done: Done) -> dict[str, int]:
    """Anthropic counts what was read from its cache apart from what was read afresh: so does the KV cache."""
    stats = done.stats
    if stats is None:
        return {"input_tokens": 0, "output_tokens": 0, "cache_creation_input_tokens": 0,
                "cache_read_input_tokens": 0}
    return {"input_tokens": stats.prompt_tokens_evaluated, "output_tokens": stats.completion_tokens,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": stats.prompt_tokens - stats.prompt_tokens_evaluated}


# ----- the request ------------------------------------------------------------------------------------------
def _text_blocks(value: Any, param: str) -> str:
    """A string, or a list of text blocks joined by blank lines (cache marks and citations ignored)."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise ApiError(400, f"{param} must be a string or a list of text blocks.", param=param)
    texts = []
    for i, block in enumerate(value):
        if not isinstance(block, dict) or block.get("type") != "text" or not isinstance(block.get("text"), str):
            raise ApiError(400, f"{param}[{i}] must be a text block.", param=param)
        if not block["text"].startswith(BILLING_HEADER):
            texts.append(block["text"])
    return "\n\n".join(texts)


def _image(block: dict[str, Any], where: str) -> Attachment:
    source = block.get("source")
    if not isinstance(source, dict) or source.get("type") != "base64":
        kind = source.get("type") if isinstance(source, dict) else None
        raise ApiError(400, f"{where}: images must be sent as base64 data (source.type \"base64\"), not {kind!r}; "
                            "chatapp never fetches a URL.", param=where)
    data = source.get("data")
    if not isinstance(data, str):
        raise ApiError(400, f"{where}.source.data must be the image as base64.", param=where)
    try:
        return image_from_bytes(base64.b64decode(data, validate=True), where)
    except (binascii.Error, ValueError):
        raise ApiError(400, f"{where}.source.data is not valid base64.", param=where) from None
    except ImageError as exc:
        raise ApiError(400, str(exc), param=where) from None


def _result_text(block: dict[str, Any], where: str) -> str:
    """A tool_result's content as text: a string, or text blocks (an image in it cannot reach the model as
    a tool's result, and the model is told so)."""
    content = block.get("content")
    if content is None or isinstance(content, str):
        text = content or ""
    elif isinstance(content, list):
        parts = []
        for j, part in enumerate(content):
            kind = part.get("type") if isinstance(part, dict) else None
            if kind == "text" and isinstance(part.get("text"), str):
                parts.append(part["text"])
            elif kind == "image":
                parts.append("[The tool returned an image; this model is not shown images from tools.]")
            else:
                raise ApiError(400, f"{where}.content[{j}] must be a text or image block.", param=where)
        text = "\n".join(parts)
    else:
        raise ApiError(400, f"{where}.content must be a string or a list of blocks.", param=where)
    return f"Error: {text}" if block.get("is_error") is True else text


def _message(m: Any, i: int, names: dict[str, str]) -> list[Message]:
    """One Anthropic message as chatapp's: a user's tool results become tool messages (first: they answer
    the calls just made), then the rest of the turn."""
    where = f"messages[{i}]"
    role = m.get("role") if isinstance(m, dict) else None
    if role not in ("user", "assistant", "system"):
        raise ApiError(400, f"{where}.role must be user or assistant.", param=f"{where}.role")
    content = m.get("content")
    if role == "system":
        return [Message("system", _text_blocks(content, f"{where}.content"))]
    if isinstance(content, str):
        return [Message(role, content)]
    if not isinstance(content, list):
        raise ApiError(400, f"{where}.content must be a string or a list of blocks.", param=f"{where}.content")
    texts: list[str] = []
    thinking: list[str] = []
    images: list[Attachment] = []
    calls: list[ToolCall] = []
    results: list[Message] = []
    for j, block in enumerate(content):
        at = f"{where}.content[{j}]"
        kind = block.get("type") if isinstance(block, dict) else None
        if kind == "text" and isinstance(block.get("text"), str):
            texts.append(block["text"])
        elif kind == "image" and role == "user":
            if len(images) >= MAX_IMAGES_PER_MESSAGE:
                raise ApiError(400, f"{where} has more than {MAX_IMAGES_PER_MESSAGE} images.", param=at)
            images.append(_image(block, at))
        elif kind == "tool_use" and role == "assistant":
            call_id, name, arguments = block.get("id"), block.get("name"), block.get("input", {})
            if not isinstance(call_id, str) or not isinstance(name, str) or not isinstance(arguments, dict):
                raise ApiError(400, f"{at}: a tool_use block needs an id, a name and an input object.", param=at)
            calls.append(ToolCall(call_id, name, json.dumps(arguments, ensure_ascii=False)))
            names[call_id] = name
        elif kind == "tool_result" and role == "user":
            call_id = block.get("tool_use_id")
            if not isinstance(call_id, str) or not call_id:
                raise ApiError(400, f"{at}.tool_use_id must name the tool_use this result answers.", param=at)
            results.append(Message("tool", _result_text(block, at), tool_call_id=call_id, name=names.get(call_id, "")))
        elif kind == "thinking" and role == "assistant":
            if isinstance(block.get("thinking"), str):  # its signature is Anthropic's and not checked here
                thinking.append(block["thinking"])
        elif kind == "redacted_thinking" and role == "assistant":
            continue  # encrypted by Anthropic for Anthropic's models: nothing a local model can read
        elif kind in ("document", "search_result", "container_upload"):
            raise ApiError(400, f"{at}: {kind} blocks are not supported; send their text.", param=at)
        else:
            raise ApiError(400, f"{at}: a {kind!r} block cannot be in a {role} message.", param=at)
    out = list(results)
    if texts or images or calls or thinking or not results:
        out.append(Message(role, "\n\n".join(texts), tool_calls=tuple(calls), attachments=tuple(images),
                           thinking="\n\n".join(thinking)))
    return out


def _messages(body: dict[str, Any]) -> tuple[Message, ...]:
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "messages must be a non-empty list.", param="messages")
    if len(raw) > MAX_MESSAGES:
        raise ApiError(400, f"messages has {len(raw):,} messages; chatapp takes at most {MAX_MESSAGES:,}.",
                       param="messages", code="context_length_exceeded")
    names: dict[str, str] = {}  # tool_use id -> tool name, for the results that answer them
    messages = [message for i, m in enumerate(raw) for message in _message(m, i, names)]
    # The top-level system prompt first, then any `system` message (Claude Code's environment notes).
    return conversation(messages, _text_blocks(body.get("system"), "system"))


def _tools(body: dict[str, Any]) -> ToolSet | None:
    raw, choice = body.get("tools"), body.get("tool_choice")
    if raw in (None, []):
        if isinstance(choice, dict) and choice.get("type") in ("any", "tool"):
            raise ApiError(400, "tool_choice needs tools.", param="tool_choice")
        return None
    if not isinstance(raw, list) or len(raw) > MAX_TOOLS:
        raise ApiError(400, f"tools must be a list of at most {MAX_TOOLS} tools.", param="tools")
    specs = []
    for i, tool in enumerate(raw):
        where = f"tools[{i}]"
        if not isinstance(tool, dict):
            raise ApiError(400, f"{where} must be an object.", param=where)
        if tool.get("type") not in (None, "custom"):  # Anthropic's server tools: web search, code execution…
            raise ApiError(400, f"{where}: {tool.get('type')!r} is one of Anthropic's server tools, which run only "
                                "there; give a tool with an input_schema instead.", param=f"{where}.type")
        name, schema = tool.get("name"), tool.get("input_schema")
        if not isinstance(name, str) or not 0 < len(name) <= 128:
            raise ApiError(400, f"{where}.name must be a name of 1 to 128 characters.", param=f"{where}.name")
        if not isinstance(schema, dict):
            raise ApiError(400, f"{where}.input_schema must be a JSON schema (an object).",
                           param=f"{where}.input_schema")
        description = tool.get("description")
        specs.append(ToolSpec(name, description if isinstance(description, str) else "", json.dumps(schema)))
    if len({s.name for s in specs}) != len(specs):
        raise ApiError(400, "tools: two tools have the same name.", param="tools")
    return _tool_set(tuple(specs), choice)


def _tool_set(specs: tuple[ToolSpec, ...], choice: Any) -> ToolSet:
    if choice is None:
        choice = {"type": "auto"}
    kind = choice.get("type") if isinstance(choice, dict) else None
    parallel = not (isinstance(choice, dict) and choice.get("disable_parallel_tool_use") is True)
    if kind == "tool":
        name = choice.get("name")
        if not isinstance(name, str) or name not in {s.name for s in specs}:
            raise ApiError(400, f"tool_choice names {name!r}, which is not one of the tools.", param="tool_choice.name")
        return ToolSet(specs, str(name), parallel)
    mapped = {"auto": "auto", "any": "required", "none": "none"}.get(str(kind))
    if mapped is None:
        raise ApiError(400, "tool_choice.type must be auto, any, tool or none.", param="tool_choice.type")
    return ToolSet(specs, mapped, parallel)


def _output_format(body: dict[str, Any], tools: ToolSet | None) -> OutputFormat | None:
    """A JSON schema the answer must match: `output_config.format` (today's SDK) or `output_format` (older)."""
    config = body.get("output_config")
    fmt = config.get("format") if isinstance(config, dict) else None
    param = "output_config.format"
    if fmt is None and body.get("output_format") is not None:
        fmt, param = body.get("output_format"), "output_format"
    if fmt is None:
        return None
    if not isinstance(fmt, dict) or fmt.get("type") != "json_schema" or not isinstance(fmt.get("schema"), dict):
        raise ApiError(400, f"{param} must be {{\"type\": \"json_schema\", \"schema\": {{…}}}}.", param=param)
    if tools is not None and tools.active:
        raise ApiError(400, f"tools cannot be combined with {param}; use one.", param=param)
    return checked(OutputFormat("json_schema", json.dumps(fmt["schema"]), name="output"), param)


DIALECT = Dialect("anthropic", (Route("/v1/messages", messages, methods=["POST"]),
                                Route("/v1/messages/count_tokens", count_tokens, methods=["POST"])),
                  error_body=error_body)
