"""The API's dialects: each a parse/render pair over the one `GenerationRequest` and its event stream.

A dialect parses its request shape into a `GenerationRequest` (on a worker thread), runs it through
the shared `GenerationRun`, and renders the events in its own response and stream grammar, and
`ApiError`s in its own error shape. What every dialect shares lives one level up: the guard, the
limits, the key check (server/app.py), SSE framing (server/sse.py), the field checks
(server/requests.py). A dialect never touches the runtime: import-linter holds it to the request,
the events and the server's shared modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from starlette.routing import Route

from chatapp.server.errors import ApiError, openai_body


@dataclass(frozen=True)
class Dialect:
    """A dialect's endpoints, and how its errors look."""

    name: str
    routes: tuple[Route, ...]
    error_body: Callable[[ApiError], dict[str, Any]] = openai_body

    def serves(self, path: str) -> bool:
        return any(route.path_regex.match(path) for route in self.routes)
