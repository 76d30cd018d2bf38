"""The API's one error type, what a failed generation becomes, and OpenAI's JSON shape for it.

Every check and every endpoint raises `ApiError`; each dialect renders it in its own shape (OpenAI's
`{"error": {"message", "type", "param", "code"}}` by default; server/dialects/ say theirs), both as a
response and inside an event stream that has already begun.
"""

from __future__ import annotations

import logging
from typing import Any

from chatapp.core.errors import ContextOverflowError, KnownError

log = logging.getLogger(__name__)


class ApiError(Exception):
    """A request that cannot be answered: the HTTP status, one sentence, and OpenAI's `code`, `param` and
    `type` (`kind`), which other dialects map to their own."""

    def __init__(self, status: int, message: str, code: str | None = None, param: str | None = None,
                 kind: str = "invalid_request_error") -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param, self.kind = status, message, code, param, kind


def internal_error() -> ApiError:
    """What a client is told of a bug: nothing of the exception (it may hold paths or the prompt), only
    where to look."""
    return ApiError(500, "Generation failed unexpectedly; the server's log has the details.", kind="server_error")


def not_loaded(message: str) -> ApiError:
    return ApiError(503, message, kind="server_error", code="model_not_loaded")


def from_generation(exc: BaseException) -> ApiError:
    """What a failed generation tells the client: its one sentence, or nothing of a bug."""
    from chatapp.core.runtime.router import ModelLoadFailed, ModelNotFound, ModelNotLoaded

    if isinstance(exc, ApiError):
        return exc
    if isinstance(exc, ModelNotLoaded):
        return not_loaded(str(exc))
    if isinstance(exc, ModelNotFound):
        return ApiError(404, str(exc), code="model_not_found", param="model")
    if isinstance(exc, ModelLoadFailed):  # the server's model, not the client's request, is at fault
        return ApiError(500, str(exc), kind="server_error", code="model_load_failed", param="model")
    if isinstance(exc, ContextOverflowError):
        return ApiError(400, str(exc), code="context_length_exceeded", param="messages")
    if isinstance(exc, KnownError):
        return ApiError(400, str(exc))
    log.error("API generation failed", exc_info=exc)
    return internal_error()


def openai_body(error: ApiError) -> dict[str, Any]:
    """OpenAI's error shape (also llama-server's, vLLM's, Ollama's OpenAI endpoints')."""
    return {"error": {"message": error.message, "type": error.kind, "param": error.param, "code": error.code}}
