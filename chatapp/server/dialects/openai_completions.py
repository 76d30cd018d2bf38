"""OpenAI's completions (`POST /v1/completions`): a prompt continued as raw text, with no template."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatapp.core.generation import Done, Event, GenerationRequest, TextDelta
from chatapp.server.dialects import Dialect
from chatapp.server.dialects.openai_common import (
    Parsed,
    finish_reason,
    ignore_eos,
    openai_sampling,
    output_format,
    stream_error,
    stream_options,
    usage,
)
from chatapp.server.errors import ApiError
from chatapp.server.requests import check_fits, decode, stops
from chatapp.server.sse import DONE, frame, streamed
from chatapp.server.state import server_state

OPENAI_DEFAULT_MAX_TOKENS = 16  # OpenAI's default for completions


def parse(raw: bytes, context_size: int | None) -> Parsed:
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
    check_fits(len(prompt), context_size, "prompt has", "prompt")
    params = openai_sampling(body)
    if "max_tokens" not in body and "max_completion_tokens" not in body:
        params = replace(params, max_tokens=OPENAI_DEFAULT_MAX_TOKENS)
    stream, include_usage = stream_options(body)
    model = body.get("model")
    request = GenerationRequest(prompt=prompt, model=model if isinstance(model, str) else "", sampling=params,
                                stops=stops(body.get("stop")), output=output_format(body), ignore_eos=ignore_eos(body))
    return Parsed(request, stream, include_usage)


async def completions(request: Request) -> Response:
    state = server_state(request)
    parsed = await asyncio.to_thread(parse, await request.body(), state.context_size())
    run = state.start(parsed.request)
    head = {"id": f"cmpl-{uuid.uuid4().hex}", "object": "text_completion", "created": int(time.time()),
            "model": run.model}
    if not parsed.stream:
        reply = await run.collect(request)
        return JSONResponse({
            **head,
            "choices": [{"index": 0, "text": reply.text, "finish_reason": finish_reason(reply.done), "logprobs": None}],
            "usage": usage(reply.done.stats),
        })
    return await streamed(run, lambda events: _chunks(events, head, parsed.include_usage), stream_error)


async def _chunks(events: AsyncIterator[Event], head: dict[str, Any], include_usage: bool) -> AsyncIterator[bytes]:
    def chunk(text: str, finish: str | None) -> bytes:
        return frame({**head, "choices": [{"index": 0, "text": text, "finish_reason": finish, "logprobs": None}]})

    async for event in events:
        if isinstance(event, TextDelta):
            yield chunk(event.text, None)
        elif isinstance(event, Done):
            yield chunk("", finish_reason(event))
            if include_usage:
                yield frame({**head, "choices": [], "usage": usage(event.stats)})
    yield DONE


DIALECT = Dialect("openai-completions", (Route("/v1/completions", completions, methods=["POST"]),))
