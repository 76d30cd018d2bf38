"""Which models are in memory, and unloading one: `GET /api/ps` (Ollama's shape, so its clients and
scripts work) and `POST /api/unload {"model": ID}` (LM Studio's `lms unload`, as an endpoint; Ollama's
way, `keep_alive: 0` on a request, works on every generation endpoint too). Behind the same guard and
key as everything else.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import PurePath
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatapp.core.types import LoadedModel
from chatapp.server.dialects import Dialect
from chatapp.server.errors import ApiError
from chatapp.server.requests import decode
from chatapp.server.state import server_state


async def running_models(request: Request) -> Response:
    state = server_state(request)
    loaded = await asyncio.to_thread(state.loaded_models)  # a header is read once per model loaded
    return JSONResponse({"models": [_running(m) for m in loaded if m.summary is not None]})


async def unload(request: Request) -> Response:
    state = server_state(request)
    body = await asyncio.to_thread(decode, await request.body())
    model = body.get("model")
    if not isinstance(model, str) or not model.strip():
        raise ApiError(400, "Name the model to unload: {\"model\": \"<id from /api/ps>\"}.", param="model")
    unloaded = await asyncio.to_thread(state.unload, model.strip())
    return JSONResponse({"model": unloaded, "unloaded": True})


def _running(model: LoadedModel) -> dict[str, Any]:
    """One model as Ollama's /api/ps lists it, and for whom it is loaded, and how busy it is."""
    summary = model.summary
    assert summary is not None
    on_gpu = summary.n_gpu_layers != 0 and summary.backend.lower() not in ("", "cpu")
    expires = None if model.expires_in is None else (
        dt.datetime.now(dt.timezone.utc) + dt.timedelta(seconds=model.expires_in)).isoformat()
    return {
        "name": model.model, "model": model.model,
        "size": model.memory, "size_vram": model.memory if on_gpu else 0,
        "digest": "",
        "details": {"parent_model": "", "format": "gguf", "family": summary.architecture,
                    "families": [summary.architecture], "parameter_size": _parameters(summary.metadata),
                    "quantization_level": summary.quantization},
        "expires_at": expires,  # null: kept until unloaded (the window's model, or keep_alive < 0)
        "context_length": summary.context_size,
        "owner": model.owner,  # "window": the window's own model; "api": loaded for a request
        "active_requests": model.active,
        "file": PurePath(summary.path).name,
    }


def _parameters(metadata: dict[str, str]) -> str:
    """"135M", "4.3B", as Ollama writes a model's size (from the header's count, or its size label)."""
    try:
        count = int(metadata.get("_parameter_count", "0"))
    except ValueError:
        count = 0
    if count <= 0:
        return metadata.get("general.size_label", "")
    return f"{count / 1e9:.1f}B" if count >= 1e9 else f"{count / 1e6:.0f}M"


DIALECT = Dialect("management", (Route("/api/ps", running_models, methods=["GET"]),
                                 Route("/api/unload", unload, methods=["POST"])))
