"""OpenAI's completions (`POST /v1/completions`): a prompt continued as raw text, with no template."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatapp.core.generation import MAX_TOP_LOGPROBS, Done, Event, GenerationRequest, TextDelta, TokenLogprob
from chatapp.server.dialects import Dialect
from chatapp.server.dialects.openai_common import (
    MAX_CHOICES,
    Parsed,
    body_of,
    choices,
    finish_reason,
    ignore_eos,
    logit_bias,
    openai_sampling,
    output_format,
    stream_error,
    stream_options,
    usage,
)
from chatapp.server.errors import ApiError
from chatapp.server.limits import CHARS_PER_TOKEN_BOUND
from chatapp.server.requests import ContextOf, check_fits, keep_alive, model_of, stops
from chatapp.server.runs import Choices
from chatapp.server.sse import DONE, frame, streamed
from chatapp.server.state import server_state

OPENAI_DEFAULT_MAX_TOKENS = 16  # OpenAI's default for completions


def parse(raw: bytes, context_of: ContextOf) -> Parsed:
    """A /v1/completions body, checked: prompts without a template, as text or as the model's token ids,
    one or several (each answered by `n` choices)."""
    body = body_of(raw)
    prompts = _prompts(body.get("prompt"))
    if body.get("echo"):
        raise ApiError(400, "echo is not supported by chatapp.", param="echo")
    if body.get("tools"):
        raise ApiError(400, "tools work with /v1/chat/completions, not completions.", param="tools")
    model = model_of(body)
    check_fits(max(len(p) if isinstance(p, str) else len(p) * CHARS_PER_TOKEN_BOUND for p in prompts),
               context_of(model), "prompt has", "prompt")
    params = openai_sampling(body)
    if "max_tokens" not in body and "max_completion_tokens" not in body:
        params = replace(params, max_tokens=OPENAI_DEFAULT_MAX_TOKENS)
    logprobs = body.get("logprobs")
    if logprobs is not None and (not isinstance(logprobs, int) or isinstance(logprobs, bool)
                                 or not 0 <= logprobs <= MAX_TOP_LOGPROBS):
        raise ApiError(400, f"logprobs must be a whole number from 0 to {MAX_TOP_LOGPROBS}.", param="logprobs")
    stream, include_usage = stream_options(body)
    common: dict[str, Any] = {"model": model, "keep_alive": keep_alive(body), "sampling": params,
              "stops": stops(body.get("stop")),
              "output": output_format(body), "ignore_eos": ignore_eos(body), "logit_bias": logit_bias(body),
              "logprobs": logprobs}
    requests = [choice for prompt in prompts for choice in choices(
        GenerationRequest(prompt=prompt, **common) if isinstance(prompt, str)
        else GenerationRequest(prompt_tokens=prompt, **common), body)]
    return Parsed(tuple(requests), stream, include_usage)


def _prompts(value: Any) -> list[str | tuple[int, ...]]:
    """`prompt` as OpenAI takes it: a string, a list of strings, a list of token ids, or a list of those."""
    if isinstance(value, str) or (isinstance(value, list) and value and all(_token(t) for t in value)):
        value = [value]
    if not isinstance(value, list) or not value or len(value) > MAX_CHOICES:
        raise ApiError(400, f"prompt must be a non-empty string or token list, or a list of at most {MAX_CHOICES} "
                            "of them.", param="prompt")
    prompts: list[str | tuple[int, ...]] = []
    for i, prompt in enumerate(value):
        if isinstance(prompt, str) and prompt:
            prompts.append(prompt)
        elif isinstance(prompt, list) and prompt and all(_token(t) for t in prompt):
            prompts.append(tuple(prompt))
        else:
            raise ApiError(400, f"prompt[{i}] must be a non-empty string or a list of token ids.", param="prompt")
    return prompts


def _token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


async def completions(request: Request) -> Response:
    state = server_state(request)
    parsed = await asyncio.to_thread(parse, await request.body(), state.context_size)
    runs = Choices([state.start(r) for r in parsed.requests])
    head = {"id": f"cmpl-{uuid.uuid4().hex}", "object": "text_completion", "created": int(time.time()),
            "model": runs.model}
    prompts = len({r.prompt or r.prompt_tokens for r in parsed.requests})
    with_logprobs = parsed.requests[0].logprobs is not None
    if not parsed.stream:
        replies = await runs.collect(request)
        return JSONResponse({**head, "usage": usage([r.done for r in replies], prompts), "choices": [
            {"index": i, "text": reply.text, "finish_reason": finish_reason(reply.done),
             "logprobs": _logprobs(reply.logprobs) if with_logprobs else None} for i, reply in enumerate(replies)]})
    return await streamed(runs, lambda events: _chunks(events, head, prompts, parsed.include_usage), stream_error)


def _logprobs(tokens: Sequence[TokenLogprob], offset: int = 0) -> dict[str, Any]:
    """Log-probabilities in the completions API's shape (`text_offset`: where each token starts in the text)."""
    offsets = []
    for token in tokens:
        offsets.append(offset)
        offset += len(token.token)
    return {"tokens": [t.token for t in tokens], "token_logprobs": [t.logprob for t in tokens],
            "top_logprobs": [{text: lp for text, _, lp in t.top} for t in tokens], "text_offset": offsets}


async def _chunks(events: AsyncIterator[tuple[int, Event]], head: dict[str, Any], prompts: int,
                  include_usage: bool) -> AsyncIterator[bytes]:
    pending: dict[int, list[TokenLogprob]] = {}
    written: dict[int, int] = {}  # characters of each choice's text so far (its tokens' offsets)
    dones: list[Done] = []

    def chunk(index: int, text: str, finish: str | None) -> bytes:
        tokens = pending.pop(index, [])
        logprobs = _logprobs(tokens, written.get(index, 0)) if tokens else None
        written[index] = written.get(index, 0) + sum(len(t.token) for t in tokens)
        return frame({**head, "choices": [{"index": index, "text": text, "finish_reason": finish,
                                           "logprobs": logprobs}]})

    async for index, event in events:
        if isinstance(event, TextDelta):
            yield chunk(index, event.text, None)
        elif isinstance(event, TokenLogprob):
            pending.setdefault(index, []).append(event)
        elif isinstance(event, Done):
            dones.append(event)
            yield chunk(index, "", finish_reason(event))
    if include_usage:
        yield frame({**head, "choices": [], "usage": usage(dones, prompts)})
    yield DONE


DIALECT = Dialect("openai-completions", (Route("/v1/completions", completions, methods=["POST"]),))
