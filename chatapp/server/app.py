"""The API server's app: every dialect's endpoints behind one guard, one key check and one error rule.

No logic of its own beyond that: each dialect (server/dialects/) turns its shapes into the one
`GenerationRequest` and renders the events; the model router runs them (on a model loaded for parallel
requests, several at once, each in a sequence of its own, batched together; otherwise the API and the
window take turns on one KV cache).
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.cors import CORSMiddleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from chatapp.server.dialects import (
    Dialect,
    anthropic_messages,
    management,
    openai_audio,
    openai_chat,
    openai_completions,
    openai_models,
    openai_responses,
)
from chatapp.server.errors import ApiError, internal_error, openai_body
from chatapp.server.guard import HostPolicy, RequestGuard
from chatapp.server.limits import DEFAULT_MAX_BODY
from chatapp.server.state import ServerState

log = logging.getLogger(__name__)
DIALECTS: tuple[Dialect, ...] = (openai_chat.DIALECT, openai_completions.DIALECT, openai_models.DIALECT,
                                 anthropic_messages.DIALECT, openai_responses.DIALECT, management.DIALECT,
                                 openai_audio.DIALECT)


def error_response(error: ApiError, path: str) -> Response:
    """`error` in the shape of the dialect that serves `path` (OpenAI's elsewhere)."""
    dialect = next((d for d in DIALECTS if d.serves(path)), None)
    body = dialect.error_body(error) if dialect is not None else openai_body(error)
    return JSONResponse(body, status_code=error.status)


class _KeyCheck:
    """401 unless the key (constant-time compare) when one is set: as `Authorization: Bearer <key>` (OpenAI's
    clients, and Anthropic's SDK today) or `x-api-key: <key>` (Claude Code, older Anthropic SDKs)."""

    def __init__(self, app: ASGIApp, api_key: str | None) -> None:
        self.app, self.api_key = app, api_key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and self.api_key and scope["method"] != "OPTIONS":
            headers = dict(scope["headers"])
            header = headers.get(b"authorization", b"").decode("latin-1")
            given = header[7:] if header.lower().startswith("bearer ") else headers.get(b"x-api-key", b"").decode(
                "latin-1")
            if not secrets.compare_digest(given.encode(), self.api_key.encode()):
                error = ApiError(401, "Missing or wrong API key: send it as 'Authorization: Bearer <key>' (or "
                                      "'x-api-key: <key>').", code="invalid_api_key")
                await error_response(error, scope["path"])(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return error_response(exc, request.url.path)


async def _unexpected(request: Request, _exc: Exception) -> Response:
    log.exception("API request failed")  # the traceback goes to the log, never to the client
    return error_response(internal_error(), request.url.path)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        error = ApiError(404, f"Unknown endpoint {request.method} {request.url.path}.", code="not_found")
    elif exc.status_code == 405:
        error = ApiError(405, f"{request.method} is not allowed on {request.url.path}.")
    else:
        error = ApiError(exc.status_code, str(exc.detail))
    return error_response(error, request.url.path)


def build_app(state: ServerState, api_key: str | None = None, cors_origins: Sequence[str] = (),
              hosts: HostPolicy | None = None, max_body: int = DEFAULT_MAX_BODY) -> Starlette:
    """The app; `hosts` says which Host headers it answers (default: loopback names only)."""
    middleware = [Middleware(RequestGuard, policy=hosts or HostPolicy.for_address("127.0.0.1"), max_body=max_body,
                             respond=error_response, upload_paths=openai_audio.UPLOAD_PATHS),
                  Middleware(_KeyCheck, api_key=api_key)]
    if cors_origins:
        middleware.insert(1, Middleware(CORSMiddleware, allow_origins=list(cors_origins), allow_methods=["*"],
                                        allow_headers=["*"]))
    app = Starlette(
        routes=[route for dialect in DIALECTS for route in dialect.routes],
        middleware=middleware,
        exception_handlers={ApiError: _api_error, HTTPException: _http_error, Exception: _unexpected},
    )
    app.state.chatapp = state
    return app
