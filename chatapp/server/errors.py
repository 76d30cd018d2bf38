"""The API's errors, in OpenAI's JSON shape: `{"error": {"message", "type", "param", "code"}}`."""

from __future__ import annotations

from starlette.responses import JSONResponse


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


def internal_error() -> ApiError:
    """What a client is told of a bug: nothing of the exception (it may hold paths or the prompt), only
    where to look."""
    return ApiError(500, "Generation failed unexpectedly; the server's log has the details.", kind="server_error")
