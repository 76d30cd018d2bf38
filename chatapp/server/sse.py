"""Server-Sent Events, for every dialect: the framing, and one streamed generation as a response.

A stream's first batch of events is awaited before the response starts, so a request that fails before
writing anything (a template that breaks, a context too small) still gets its status code; a failure
after that is said inside the stream, in the dialect's own shape. A client that hangs up cancels its
generation within a token: the response body's `finally` sets the run's cancel event.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from typing import Any, Protocol

from starlette.responses import StreamingResponse

from chatapp.server.errors import ApiError

DONE = b"data: [DONE]\n\n"  # OpenAI's end of stream
HEADERS = {"Cache-Control": "no-cache", "X-Accel-Buffering": "no"}


def frame(payload: object, event: str | None = None) -> bytes:
    """One event: `data:` the payload as JSON (after `event:` its name, where the dialect names events)."""
    data = f"data: {json.dumps(payload, ensure_ascii=False)}\n\n".encode()
    return f"event: {event}\n".encode() + data if event else data


class Streamable(Protocol):
    """A generation (server/runs.py's `GenerationRun`) or several (`Choices`), as a stream."""

    async def stream(self) -> AsyncIterator[Any]: ...

    def stop(self) -> None: ...


async def streamed(run: Streamable, frames: Callable[[AsyncIterator[Any]], AsyncIterator[bytes]],
                   error_frame: Callable[[ApiError], bytes]) -> StreamingResponse:
    """The run's events as the dialect frames them (`frames` reads what `run.stream()` gives: typed events
    ending with `Done`, or (choice, event) pairs)."""
    try:
        events = await run.stream()
    except BaseException:
        run.stop()
        raise

    async def body() -> AsyncIterator[bytes]:
        try:
            async for chunk in frames(events):
                yield chunk
        except ApiError as error:
            yield error_frame(error)
        finally:
            run.stop()  # a no-op when finished; stops the generation when the client hung up

    return StreamingResponse(body(), media_type="text/event-stream", headers=HEADERS)
