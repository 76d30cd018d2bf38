"""OpenAI's chat completions (`POST /v1/chat/completions`): what editors, scripts and agents speak.

Parsed into a `GenerationRequest` with the model's own template (`auto`, as a new chat in the window);
rendered as `chat.completion` or a stream of `chat.completion.chunk`s ending in `data: [DONE]`, with
tool calls as `tool_calls` deltas and a reasoning model's thinking as `reasoning_content` (the field
llama.cpp's server, vLLM and DeepSeek use).
"""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import AsyncIterator
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatapp.core.generation import (
    MAX_TOP_LOGPROBS,
    Done,
    Event,
    GenerationRequest,
    TextDelta,
    ThinkingDelta,
    TokenLogprob,
)
from chatapp.core.images import MAX_IMAGES_PER_MESSAGE, ImageError, image_from_url, recording_from_base64
from chatapp.core.types import Attachment, CallDelta, Message, ToolSet
from chatapp.server.dialects import Dialect
from chatapp.server.dialects.openai_common import (
    Parsed,
    body_of,
    choices,
    finish_reason,
    ignore_eos,
    logit_bias,
    logprobs_entry,
    openai_sampling,
    output_format,
    stream_error,
    stream_options,
    timings,
    usage,
)
from chatapp.server.errors import ApiError
from chatapp.server.limits import MAX_MESSAGES
from chatapp.server.requests import ContextOf, check_fits, conversation, keep_alive, model_of, stops
from chatapp.server.runs import Choices, Reply
from chatapp.server.sse import DONE, frame, streamed
from chatapp.server.state import server_state
from chatapp.server.tool_requests import ToolRequestError, assistant_calls, tool_set

ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}


def parse(raw: bytes, context_of: ContextOf) -> Parsed:
    """A /v1/chat/completions body, checked (`context_of`: its model's context, if loaded)."""
    body = body_of(raw)
    messages = _messages(body)
    tools = _tools(body)
    chars = sum(len(m.content) + sum(len(c.arguments) for c in m.tool_calls) for m in messages)
    chars += sum(len(t.description) + len(t.parameters) for t in tools.tools) if tools is not None else 0
    model = model_of(body)
    check_fits(chars, context_of(model), "messages have", "messages")
    stream, include_usage = stream_options(body)
    request = GenerationRequest(messages, model=model, sampling=openai_sampling(body),
                                stops=stops(body.get("stop")), tools=tools, output=output_format(body),
                                ignore_eos=ignore_eos(body), logit_bias=logit_bias(body), logprobs=_logprobs(body),
                                keep_alive=keep_alive(body))
    return Parsed(choices(request, body), stream, include_usage)


def _logprobs(body: dict[str, Any]) -> int | None:
    """`logprobs: true` with `top_logprobs` alternatives (0 to 20) for each token; None when not asked."""
    wanted, top = body.get("logprobs", False), body.get("top_logprobs")
    if not isinstance(wanted, bool):
        raise ApiError(400, "logprobs must be true or false.", param="logprobs")
    if top is not None:
        if not wanted:
            raise ApiError(400, "top_logprobs needs logprobs: true.", param="top_logprobs")
        if not isinstance(top, int) or isinstance(top, bool) or not 0 <= top <= MAX_TOP_LOGPROBS:
            raise ApiError(400, f"top_logprobs must be a whole number from 0 to {MAX_TOP_LOGPROBS}.",
                           param="top_logprobs")
    return (top or 0) if wanted else None


async def chat_completions(request: Request) -> Response:
    state = server_state(request)
    parsed = await asyncio.to_thread(parse, await request.body(), state.context_size)
    runs = Choices([state.start(r) for r in parsed.requests])
    head = {"id": f"chatcmpl-{uuid.uuid4().hex}", "created": int(time.time()), "model": runs.model}
    with_logprobs = parsed.requests[0].logprobs is not None
    if not parsed.stream:
        replies = await runs.collect(request)
        return JSONResponse({**head, "object": "chat.completion",
                             "choices": [_choice(i, reply, with_logprobs) for i, reply in enumerate(replies)],
                             "usage": usage([reply.done for reply in replies]),
                             "timings": timings(replies[0].done)})
    return await streamed(runs, lambda events: _chunks(events, {**head, "object": "chat.completion.chunk"},
                                                       len(parsed.requests), parsed.include_usage), stream_error)


def _choice(index: int, reply: Reply, with_logprobs: bool) -> dict[str, Any]:
    calls = reply.done.tool_calls
    message: dict[str, Any] = {"role": "assistant", "content": reply.text if reply.text or not calls else None}
    if reply.thinking:
        message["reasoning_content"] = reply.thinking
    if calls:
        message["tool_calls"] = [{"id": c.id, "type": "function",
                                  "function": {"name": c.name, "arguments": c.arguments}} for c in calls]
    logprobs = {"content": [logprobs_entry(t) for t in reply.logprobs], "refusal": None} if with_logprobs else None
    return {"index": index, "message": message, "finish_reason": finish_reason(reply.done), "logprobs": logprobs}


async def _chunks(events: AsyncIterator[tuple[int, Event]], head: dict[str, Any], n: int,
                  include_usage: bool) -> AsyncIterator[bytes]:
    # Most chunks differ only in their text: everything around it is encoded once.
    before, after = frame({**head, "choices": [{"index": 0, "delta": {"content": "\0"}, "finish_reason": None,
                                                "logprobs": None}]}).split(b'"\\u0000"')
    pending: list[list[TokenLogprob]] = [[] for _ in range(n)]  # log-probabilities for the next chunk of each
    dones: list[Done] = []

    def chunk(index: int, delta: dict[str, Any], finish: str | None = None, **extra: Any) -> bytes:
        logprobs = {"content": [logprobs_entry(t) for t in pending[index]], "refusal": None} if pending[index] \
            else None
        pending[index].clear()
        return frame({**head, "choices": [{"index": index, "delta": delta, "finish_reason": finish,
                                           "logprobs": logprobs}], **extra})

    for index in range(n):
        yield chunk(index, {"role": "assistant", "content": ""})
    async for index, event in events:
        if isinstance(event, TextDelta):
            if index == 0 and not pending[0]:
                yield before + json.dumps(event.text, ensure_ascii=False).encode() + after
            else:
                yield chunk(index, {"content": event.text})
        elif isinstance(event, TokenLogprob):
            pending[index].append(event)
        elif isinstance(event, ThinkingDelta):
            yield chunk(index, {"reasoning_content": event.text})
        elif isinstance(event, CallDelta):  # id, type and name once; then the arguments in pieces
            function = {"name": event.name, "arguments": ""} if event.id else {"arguments": event.arguments}
            call = {"index": event.index, **({"id": event.id, "type": "function"} if event.id else {}),
                    "function": function}
            yield chunk(index, {"tool_calls": [call]})
        elif isinstance(event, Done):
            dones.append(event)
            yield chunk(index, {}, finish_reason(event), timings=timings(event))  # as llama-server's last chunk
    if include_usage:
        yield frame({**head, "choices": [], "usage": usage(dones)})
    yield DONE


def _content(value: Any, index: int, images_allowed: bool = False) -> tuple[str, tuple[Attachment, ...]]:
    """The message's text and (user messages only) its attachments: OpenAI `image_url` parts holding data:
    URLs, and `input_audio` recordings. The model takes them in before the text, whatever their place
    among the parts."""
    param = f"messages[{index}].content"
    if isinstance(value, str):
        return value, ()
    if value is None:
        return "", ()
    if not isinstance(value, list):
        raise ApiError(400, f"{param} must be a string or a list of content parts.", param=param)
    texts: list[str] = []
    images: list[Attachment] = []
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
        elif kind == "input_audio" and images_allowed:
            audio = part.get("input_audio")
            if not isinstance(audio, dict) or not isinstance(audio.get("data"), str):
                raise ApiError(400, f"{param}[{number}].input_audio must hold data and format.", param=param)
            try:
                images.append(recording_from_base64(audio["data"], str(audio.get("format")), f"{param}[{number}]"))
            except ImageError as exc:
                raise ApiError(400, str(exc), param=param) from None
        elif kind in ("image_url", "input_audio"):
            raise ApiError(400, f"{param}: images and recordings go in user messages only.", param=param)
        else:
            raise ApiError(400, f"{param}[{number}]: only text, image_url and input_audio parts are supported.",
                           param=param)
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
        thinking = m.get("reasoning_content") if role == "assistant" else None
        messages.append(Message(role, text, tool_calls=calls, attachments=images,  # type: ignore[arg-type]
                                thinking=thinking if isinstance(thinking, str) else ""))
    return conversation(messages)


def _tools(body: dict[str, Any]) -> ToolSet | None:
    try:
        tools = tool_set(body)
    except ToolRequestError as exc:
        raise ApiError(400, str(exc), param=exc.param) from None
    if tools is not None and tools.active and any(body.get(k) for k in ("grammar", "json_schema", "response_format")
                                                  if body.get(k) != {"type": "text"}):
        raise ApiError(400, "tools cannot be combined with a grammar or response_format; use one.", param="tools")
    return tools


DIALECT = Dialect("openai-chat", (Route("/v1/chat/completions", chat_completions, methods=["POST"]),))
