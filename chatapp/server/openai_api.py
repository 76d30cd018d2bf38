"""An OpenAI-compatible HTTP API over the model host: what editors, scripts and agents speak.

A Starlette app, translating OpenAI's shapes to engine calls and back; no logic of its own beyond
that. Every request becomes one job on the shared `ModelHost`, so the API and the window take turns
on one model, one KV cache and the same chat templates (`auto`, as in a new chat). Validation uses
the same `SamplingParams` checks and sentences as the window.

Streaming uses Server-Sent Events ending in `data: [DONE]`. A client that hangs up cancels its
generation within a token; one that leaves while queued is dropped before it starts.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import dataclasses
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
from chatapp.core.errors import ContextOverflowError, KnownError, SettingsError
from chatapp.core.runtime.engine import Engine
from chatapp.core.runtime.model_host import ModelHost
from chatapp.core.types import (
    CallDelta,
    FinishReason,
    GenerationStats,
    Message,
    OutputFormat,
    SamplingParams,
    ToolCall,
    ToolSet,
)
from chatapp.documents.embedder import Embedder
from chatapp.server.tool_requests import ToolRequestError, assistant_calls, tool_set

log = logging.getLogger(__name__)
MAX_STOPS = 4  # as OpenAI
ROLES = {"system": "system", "developer": "system", "user": "user", "assistant": "assistant", "tool": "tool"}


class ApiError(Exception):
    """An error answered in OpenAI's JSON shape."""

    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.kind = status, message, code, param, kind

    def response(self) -> JSONResponse:
        return JSONResponse(
            {"error": {"message": self.message, "type": self.kind, "param": self.param, "code": self.code}},
            status_code=self.status,
        )


@dataclass
class ServerState:
    """What the app needs from its owner: the host, the loaded model's name (None: none loaded), and a
    hook counting requests (the window's status bar shows it)."""

    host: ModelHost
    model_name: Callable[[], str | None]
    on_request: Callable[[], None] | None = None
    embedder: Embedder | None = None  # serves /v1/embeddings when set


# ----- request parsing ---------------------------------------------------------------------------------
async def _json_body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


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


async def _checked_output_format(body: dict[str, Any]) -> OutputFormat | None:
    """The output format, its schema converted now (off the event loop) so a bad one is a 400 naming the part."""
    output = _output_format(body)
    if output is not None and output.is_json:
        from chatapp.core.runtime.grammar import to_gbnf

        try:
            await asyncio.to_thread(to_gbnf, output)
        except KnownError as exc:
            raise ApiError(400, str(exc), param="response_format" if "response_format" in body else "json_schema",
                           code="invalid_schema") from None
    return output


def _stops(body: dict[str, Any]) -> tuple[str, ...]:
    stop = body.get("stop")
    if stop is None:
        return ()
    stops = [stop] if isinstance(stop, str) else stop
    if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops) or len(stops) > MAX_STOPS:
        raise ApiError(400, f"stop must be a string or a list of up to {MAX_STOPS} strings.", param="stop")
    return tuple(s for s in stops if s)


def _content(value: Any, index: int) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list):
        texts = []
        for part in value:
            if not isinstance(part, dict) or part.get("type") != "text" or not isinstance(part.get("text"), str):
                raise ApiError(400, f"messages[{index}].content: only text parts are supported.",
                               param=f"messages[{index}].content")
            texts.append(part["text"])
        return "".join(texts)
    if value is None:
        return ""
    raise ApiError(400, f"messages[{index}].content must be a string or a list of text parts.",
                   param=f"messages[{index}].content")


def _messages(body: dict[str, Any]) -> tuple[Message, ...]:
    raw = body.get("messages")
    if not isinstance(raw, list) or not raw:
        raise ApiError(400, "messages must be a non-empty list.", param="messages")
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
            messages.append(Message("tool", _content(m.get("content"), i), tool_call_id=call_id, name=name))
            continue
        messages.append(Message(role, _content(m.get("content"), i), tool_calls=calls))  # type: ignore[arg-type]
    # Templates take one system message, first: fold any others into it, as the window's history does.
    system = "\n\n".join(m.content for m in messages if m.role == "system")
    rest = [m for m in messages if m.role != "system"]
    if not rest or rest[-1].role not in ("user", "tool"):
        raise ApiError(400, "The last message must be from the user (or a tool's result).", param="messages")
    if rest[-1].role == "user" and not rest[-1].content.strip():
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


# ----- running a request on the model thread --------------------------------------------------------------
_DONE = object()


class _Run:
    """One request on the host. Text the job produces is handed to the event loop in batches: the
    loop is woken only when it is waiting, so a fast model costs one wake-up per batch, not per token."""

    def __init__(self, state: ServerState, start: Callable[[Engine, threading.Event], ChatStream]) -> None:
        self.loop = asyncio.get_running_loop()
        self.cancel = threading.Event()
        self.stats: GenerationStats | None = None
        self.tool_calls: list[ToolCall] = []
        self._start = start
        self._items: collections.deque[object] = collections.deque()
        self._lock = threading.Lock()
        self._sleeping = False
        self._ready = asyncio.Event()
        state.host.submit(self._job, cancel=self.cancel, on_dropped=self._dropped)

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
        except Exception as exc:
            log.exception("API generation failed")
            self._put(ApiError(500, f"Generation failed unexpectedly: {exc}", kind="server_error"))
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
    body = await _json_body(request)
    messages, params, stops = _messages(body), _sampling(body), _stops(body)
    tools = _tools(body)
    output = await _checked_output_format(body)
    model = _model_id(state)
    stream_wanted = bool(body.get("stream"))
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

    def start(engine: Engine, cancel: threading.Event) -> ChatStream:
        engine.set_template(None)  # the model's own template, as a new chat in the window
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
    body = await _json_body(request)
    prompt = body.get("prompt")
    if isinstance(prompt, list) and len(prompt) == 1 and isinstance(prompt[0], str):
        prompt = prompt[0]
    if not isinstance(prompt, str) or not prompt:
        raise ApiError(400, "prompt must be a non-empty string.", param="prompt")
    if body.get("echo"):
        raise ApiError(400, "echo is not supported by chatapp.", param="echo")
    if body.get("tools"):
        raise ApiError(400, "tools work with /v1/chat/completions, not completions.", param="tools")
    params, stops = _sampling(body), _stops(body)
    output = await _checked_output_format(body)
    if "max_tokens" not in body and "max_completion_tokens" not in body:
        params = dataclasses.replace(params, max_tokens=16)  # OpenAI's default here
    model = _model_id(state)
    run = _Run(state, lambda engine, cancel: engine.complete(prompt, params, cancel=cancel, stops=stops,
                                                             output=output))
    completion_id = f"cmpl-{uuid.uuid4().hex}"
    created = int(time.time())
    if not body.get("stream"):
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
    include_usage = bool((body.get("stream_options") or {}).get("include_usage"))

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
    body = await _json_body(request)
    texts = body.get("input")
    if isinstance(texts, str):
        texts = [texts]
    if not isinstance(texts, list) or not texts or not all(isinstance(t, str) for t in texts):
        raise ApiError(400, "input must be a string or a non-empty list of strings.", param="input")
    encoding = body.get("encoding_format", "float")
    if encoding not in ("float", "base64"):
        raise ApiError(400, "encoding_format must be 'float' or 'base64'.", param="encoding_format")
    if body.get("dimensions") not in (None, embedder.dimension):
        raise ApiError(400, f"This model's vectors have {embedder.dimension} dimensions; it cannot shorten them.",
                       param="dimensions")
    counts = [embedder.count_tokens(embedder.document_prefix + t) + 2 for t in texts]
    for i, count in enumerate(counts):
        if count > embedder.max_tokens:
            raise ApiError(400, f"input[{i}] has {count} tokens; the embedding model takes at most "
                                f"{embedder.max_tokens}.", param="input", code="context_length_exceeded")
    vectors = await asyncio.to_thread(embedder.embed_documents, texts)
    data = [{"object": "embedding", "index": i,
             "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if encoding == "base64"
             else [float(x) for x in v]}
            for i, v in enumerate(vectors)]
    return JSONResponse({"object": "list", "data": data, "model": embedder.path.stem,
                         "usage": {"prompt_tokens": sum(counts), "total_tokens": sum(counts)}})


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


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return ApiError(404, f"Unknown endpoint {request.method} {request.url.path}.", code="not_found").response()
    if exc.status_code == 405:
        return ApiError(405, f"{request.method} is not allowed on {request.url.path}.").response()
    return ApiError(exc.status_code, str(exc.detail)).response()


def build_app(state: ServerState, api_key: str | None = None, cors_origins: Sequence[str] = ()) -> Starlette:
    middleware = [Middleware(_KeyCheck, api_key=api_key)]
    if cors_origins:
        middleware.insert(0, Middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["*"],
                                        allow_headers=["*"]))
    app = Starlette(
        routes=[
            Route("/v1/models", list_models, methods=["GET"]),
            Route("/v1/chat/completions", chat_completions, methods=["POST"]),
            Route("/v1/completions", completions, methods=["POST"]),
            Route("/v1/embeddings", embeddings, methods=["POST"]),
        ],
        middleware=middleware,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
    )
    app.state.chatapp = state
    return app
