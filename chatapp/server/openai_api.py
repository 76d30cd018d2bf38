"""An OpenAI-compatible HTTP API over the model host: what editors, scripts and agents speak.

A Starlette app, translating OpenAI's shapes to engine calls and back; no logic of its own beyond
that. Every request becomes one generation on the shared `ModelHost`: on a model loaded for parallel
requests, several at once, each in a sequence of its own, batched together; otherwise the API and the
window take turns on one KV cache. Replies use the model's own template (`auto`, as in a new chat). Validation uses
the same `SamplingParams` checks and sentences as the window.

Streaming uses Server-Sent Events ending in `data: [DONE]`. A client that hangs up cancels its
generation within a token; one that leaves while queued is dropped before it starts.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import json
import logging
import secrets
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from chatapp.core.backends.protocol import ChatStream
from chatapp.core.errors import ContextOverflowError, KnownError
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.types import (
    CallDelta,
    FinishReason,
    GenerationStats,
    ToolCall,
)
from chatapp.documents.embedder import Embedder
from chatapp.server.errors import ApiError, internal_error
from chatapp.server.guard import HostPolicy, RequestGuard
from chatapp.server.limits import DEFAULT_MAX_BODY
from chatapp.server.requests import chat_request, completion_request, decode, embedding_inputs

log = logging.getLogger(__name__)


@dataclass
class ServerState:
    """What the app needs from its owner: the host, the loaded model's name (None: none loaded), and a
    hook counting requests (the window's status bar shows it)."""

    host: ModelHost
    model_name: Callable[[], str | None]
    on_request: Callable[[], None] | None = None
    embedder: Embedder | None = None  # serves /v1/embeddings when set

    def context_size(self) -> int | None:
        """The loaded model's context (an immutable summary, replaced whole on each load), for early refusals."""
        summary = self.host.engine.summary
        return summary.context_size if summary is not None else None


# ----- running a request on the model thread --------------------------------------------------------------
_DONE = object()


class _Run:
    """One request on the host. Text the job produces is handed to the event loop in batches: the
    loop is woken only when it is waiting, so a fast model costs one wake-up per batch, not per token."""

    def __init__(self, state: ServerState, start: Callable[[Engine, threading.Event], ChatStream]) -> None:
        """`start` begins the generation (with the model's own template, as a new chat in the window)."""
        self.loop = asyncio.get_running_loop()
        self.cancel = threading.Event()
        self.stats: GenerationStats | None = None
        self.tool_calls: list[ToolCall] = []
        self._start = start
        self._items: collections.deque[object] = collections.deque()
        self._lock = threading.Lock()
        self._sleeping = False
        self._ready = asyncio.Event()
        state.host.submit_generation(self._job, cancel=self.cancel, on_dropped=self._dropped)

    def _dropped(self) -> None:
        log.info("API request dropped: the client went away while it waited")
        self._put(_DONE)

    def _put(self, item: object) -> None:
        with self._lock:
            self._items.append(item)
            wake, self._sleeping = self._sleeping, False
        if wake:
            with contextlib.suppress(RuntimeError):  # the loop closed: the server is stopping
                self.loop.call_soon_threadsafe(self._ready.set)

    def _job(self, engine: Engine) -> None:
        try:
            if not engine.loaded:
                raise ApiError(503, "No model is loaded; load one in chatapp first.", kind="server_error",
                               code="model_not_loaded")
            with engine.bound(None, pooled=True):
                stream = self._start(engine, self.cancel)
                stream.on_call = self._put  # a tool call's pieces, in order with the text
                for piece in stream:
                    self._put(piece)
            self.tool_calls = list(stream.tool_calls)
            self.stats = stream.stats
            if self.stats is not None and self.stats.finish_reason == FinishReason.CANCELLED:
                log.info("API request cancelled: the client went away after %d tokens",
                         self.stats.completion_tokens)
        except ContextOverflowError as exc:
            self._put(ApiError(400, str(exc), code="context_length_exceeded", param="messages"))
        except ApiError as exc:
            self._put(exc)
        except KnownError as exc:
            self._put(ApiError(400, str(exc)))
        except Exception:
            log.exception("API generation failed")
            self._put(internal_error())
        finally:
            self._put(_DONE)

    async def batch(self) -> list[object]:
        """Everything produced since the last call (waiting for at least one item): text pieces joined,
        then possibly an ApiError or _DONE."""
        while True:
            with self._lock:
                if self._items:
                    items = list(self._items)
                    self._items.clear()
                    break
                self._sleeping = True
                self._ready.clear()
            await self._ready.wait()
        out: list[object] = []
        for item in items:
            if isinstance(item, str) and out and isinstance(out[-1], str):
                out[-1] += item
            else:
                out.append(item)
        return out


def _finish_reason(stats: GenerationStats | None) -> str:
    if stats is not None and stats.finish_reason in (FinishReason.LENGTH, FinishReason.CONTEXT_FULL):
        return "length"
    if stats is not None and stats.finish_reason == FinishReason.TOOL_CALLS:
        return "tool_calls"
    return "stop"


def _usage(stats: GenerationStats | None) -> dict[str, int]:
    prompt = stats.prompt_tokens if stats else 0
    completion = stats.completion_tokens if stats else 0
    return {"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion}


async def _collect(request: Request, run: _Run) -> str:
    """Wait for the whole reply, cancelling it if the client goes away meanwhile (call pieces are
    left out: the whole calls are on `run.tool_calls`)."""
    pieces: list[str] = []
    while True:
        getter = asyncio.ensure_future(run.batch())
        while not getter.done():
            done, _ = await asyncio.wait({getter}, timeout=0.25)
            if not done and await request.is_disconnected():
                run.cancel.set()
        for item in getter.result():
            if item is _DONE:
                return "".join(pieces)
            if isinstance(item, ApiError):
                raise item
            if isinstance(item, str):
                pieces.append(item)


async def _stream_items(run: _Run) -> tuple[list[object], AsyncIterator[object]]:
    """The first batch (so an error before any text still gets its status code), then the rest."""
    first = await run.batch()
    for item in first:
        if isinstance(item, ApiError):
            raise item

    async def rest() -> AsyncIterator[object]:
        items = first
        while True:
            for item in items:
                yield item
                if item is _DONE or isinstance(item, ApiError):
                    return
            items = await run.batch()

    return first, rest()


def _sse(payload: object) -> bytes:
    return f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()


# ----- endpoints ------------------------------------------------------------------------------------------
def _state(request: Request) -> ServerState:
    state: ServerState = request.app.state.chatapp
    if state.on_request is not None:
        state.on_request()
    return state


def _model_id(state: ServerState) -> str:
    name = state.model_name()
    if name is None:
        raise ApiError(503, "No model is loaded; load one in chatapp first.", kind="server_error",
                       code="model_not_loaded")
    return name


async def list_models(request: Request) -> Response:
    state = _state(request)
    name = state.model_name()
    names = ([name] if name else []) + ([state.embedder.path.stem] if state.embedder is not None else [])
    data = [{"id": n, "object": "model", "created": int(time.time()), "owned_by": "chatapp"} for n in names]
    return JSONResponse({"object": "list", "data": data})


async def chat_completions(request: Request) -> Response:
    state = _state(request)
    parsed = await asyncio.to_thread(chat_request, await request.body(), state.context_size())
    model = _model_id(state)
    messages, params, stops, tools, output = parsed.messages, parsed.params, parsed.stops, parsed.tools, parsed.output
    stream_wanted, include_usage = parsed.stream, parsed.include_usage

    def start(engine: Engine, cancel: threading.Event) -> ChatStream:
        return engine.chat(messages, params, cancel=cancel, stops=stops, output=output, tools=tools)

    run = _Run(state, start)
    completion_id = f"chatcmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if not stream_wanted:
        text = await _collect(request, run)
        message: dict[str, Any] = {"role": "assistant", "content": text if text or not run.tool_calls else None}
        if run.tool_calls:
            message["tool_calls"] = [{"id": c.id, "type": "function",
                                      "function": {"name": c.name, "arguments": c.arguments}} for c in run.tool_calls]
        return JSONResponse({
            "id": completion_id, "object": "chat.completion", "created": created, "model": model,
            "choices": [{"index": 0, "message": message, "finish_reason": _finish_reason(run.stats),
                         "logprobs": None}],
            "usage": _usage(run.stats),
        })

    try:
        _, items = await _stream_items(run)
    except BaseException:
        run.cancel.set()
        raise
    head = {"id": completion_id, "object": "chat.completion.chunk", "created": created, "model": model}
    # Most chunks differ only in their text: everything around it is encoded once.
    before, after = _sse({**head, "choices": [{"index": 0, "delta": {"content": "\0"}, "finish_reason": None,
                                               "logprobs": None}]}).split(b'"\\u0000"')

    def chunk(delta: dict[str, Any], finish: str | None) -> bytes:
        return _sse({**head, "choices": [{"index": 0, "delta": delta, "finish_reason": finish, "logprobs": None}]})

    async def events() -> AsyncIterator[bytes]:
        try:
            yield chunk({"role": "assistant", "content": ""}, None)
            async for item in items:
                if item is _DONE:
                    break
                if isinstance(item, ApiError):  # after the headers: say it in the stream, as OpenAI does
                    yield _sse({"error": {"message": item.message, "type": item.kind, "code": item.code}})
                    return
                if isinstance(item, CallDelta):  # id, type and name once; then the arguments in pieces
                    function = {"name": item.name, "arguments": ""} if item.id else {"arguments": item.arguments}
                    call = {"index": item.index, **({"id": item.id, "type": "function"} if item.id else {}),
                            "function": function}
                    yield chunk({"tool_calls": [call]}, None)
                    continue
                yield before + json.dumps(str(item), ensure_ascii=False).encode() + after
            yield chunk({}, _finish_reason(run.stats))
            if include_usage:
                yield _sse({**head, "choices": [], "usage": _usage(run.stats)})
            yield b"data: [DONE]\n\n"
        finally:
            run.cancel.set()  # a no-op when finished; stops the generation when the client hung up

    return StreamingResponse(events(), media_type="text/event-stream",
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})


async def completions(request: Request) -> Response:
    state = _state(request)
    parsed = await asyncio.to_thread(completion_request, await request.body(), state.context_size())
    prompt, params, stops, output = parsed.prompt, parsed.params, parsed.stops, parsed.output
    model = _model_id(state)
    run = _Run(state, lambda engine, cancel: engine.complete(prompt, params, cancel=cancel, stops=stops,
                                                             output=output))
    completion_id = f"cmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if not parsed.stream:
        text = await _collect(request, run)
        return JSONResponse({
            "id": completion_id, "object": "text_completion", "created": created, "model": model,
            "choices": [{"index": 0, "text": text, "finish_reason": _finish_reason(run.stats), "logprobs": None}],
            "usage": _usage(run.stats),
        })
    try:
        _, items = await _stream_items(run)
    except BaseException:
        run.cancel.set()
        raise
    include_usage = parsed.include_usage

    def chunk(text: str, finish: str | None) -> bytes:
        return _sse({"id": completion_id, "object": "text_completion", "created": created, "model": model,
                     "choices": [{"index": 0, "text": text, "finish_reason": finish, "logprobs": None}]})

    async def events() -> AsyncIterator[bytes]:
        try:
            async for item in items:
                if item is _DONE:
                    break
                if isinstance(item, ApiError):
                    yield _sse({"error": {"message": item.message, "type": item.kind, "code": item.code}})
                    return
                yield chunk(str(item), None)
            yield chunk("", _finish_reason(run.stats))
            if include_usage:
                yield _sse({"id": completion_id, "object": "text_completion", "created": created, "model": model,
                            "choices": [], "usage": _usage(run.stats)})
            yield b"data: [DONE]\n\n"
        finally:
            run.cancel.set()

    return StreamingResponse(events(), media_type="text/event-stream", headers={"Cache-Control": "no-cache"})


async def embeddings(request: Request) -> Response:
    """Vectors of unit length from the embedding model (`chatapp serve --embedding-model`), as floats or,
    as the official client asks by default, base64 of little-endian float32."""
    state = _state(request)
    embedder = state.embedder
    if embedder is None:
        raise ApiError(404, "No embedding model is loaded; start chatapp serve with --embedding-model.",
                       code="model_not_found")
    body = await asyncio.to_thread(decode, await request.body())
    texts = embedding_inputs(body, embedder.max_tokens)
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise ApiError(400, "encoding_format must be 'float' or 'base64'.", param="encoding_format")
    if body.get("dimensions") not in (None, embedder.dimension):
        raise ApiError(400, f"This model's vectors have {embedder.dimension} dimensions; it cannot shorten them.",
                       param="dimensions")
    counts = await asyncio.to_thread(_embedding_counts, embedder, texts)
    vectors = await asyncio.to_thread(embedder.embed_documents, texts)
    data = [{"object": "embedding", "index": i,
             "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if encoding == "base64"
             else [float(x) for x in v]}
            for i, v in enumerate(vectors)]
    return JSONResponse({"object": "list", "data": data, "model": embedder.path.stem,
                         "usage": {"prompt_tokens": sum(counts), "total_tokens": sum(counts)}})


def _embedding_counts(embedder: Embedder, texts: list[str]) -> list[int]:
    """Tokens per input (with the model's prefix and its two special tokens); refuses one that is too long."""
    counts = [embedder.count_tokens(embedder.document_prefix + t) + 2 for t in texts]
    for i, count in enumerate(counts):
        if count > embedder.max_tokens:
            raise ApiError(400, f"input[{i}] has {count} tokens; the embedding model takes at most "
                                f"{embedder.max_tokens}.", param="input", code="context_length_exceeded")
    return counts


# ----- app ------------------------------------------------------------------------------------------------
class _KeyCheck:
    """401 unless `Authorization: Bearer <key>` (constant-time compare) when a key is set."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app, self.api_key = app, api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.api_key and scope["method"] != "OPTIONS":
            header = dict(scope["headers"]).get(b"authorization", b"").decode("latin-1")
            given = header[7:] if header.lower().startswith("bearer ") else ""
            if not secrets.compare_digest(given.encode(), self.api_key.encode()):
                response = ApiError(401, "Missing or wrong API key: send it as 'Authorization: Bearer <key>'.",
                                    code="invalid_api_key").response()
                await response(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _api_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return exc.response()


async def _unexpected(_request: Request, _exc: Exception) -> Response:
    log.exception("API request failed")  # the traceback goes to the log, never to the client
    return internal_error().response()


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return ApiError(404, f"Unknown endpoint {request.method} {request.url.path}.", code="not_found").response()
    if exc.status_code == 405:
        return ApiError(405, f"{request.method} is not allowed on {request.url.path}.").response()
    return ApiError(exc.status_code, str(exc.detail)).response()


def build_app(state: ServerState, api_key: str | None = None, cors_origins: Sequence[str] = (),
              hosts: HostPolicy | None = None, max_body: int = DEFAULT_MAX_BODY) -> Starlette:
    """The app; `hosts` says which Host headers it answers (default: loopback names only)."""
    middleware = [Middleware(RequestGuard, policy=hosts or HostPolicy.for_address("127.0.0.1"), max_body=max_body),
                  Middleware(_KeyCheck, api_key=api_key)]
    if cors_origins:
        middleware.insert(1, Middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["*"],
                                        allow_headers=["*"]))
    app = Starlette(
        routes=[
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/completions", completions, methods=["POST"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
        ],
        middleware=middleware,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _unexpected},
    )
    app.state.chatapp = state
    return app
