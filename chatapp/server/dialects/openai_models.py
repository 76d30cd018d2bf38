"""OpenAI's model list (`GET /v1/models`, `GET /v1/models/{id}`) and embeddings (`POST /v1/embeddings`).

The list is every model a request may name, with OpenAI's four fields and what a client picks a local
model by (the fields LM Studio's and llama-server's lists carry): its context, whether it sees images,
calls tools or reasons, whether it is loaded now.
"""

from __future__ import annotations

import asyncio
import base64
import time
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatapp.core.errors import KnownError
from chatapp.documents.embedder import Embedder
from chatapp.server.dialects import Dialect
from chatapp.server.errors import ApiError
from chatapp.server.limits import MAX_EMBEDDING_INPUTS
from chatapp.server.requests import check_fits, decode
from chatapp.server.state import ListedModel, server_state


async def list_models(request: Request) -> Response:
    state = server_state(request)
    models = await asyncio.to_thread(state.list_models)  # headers are read (once per file): off the loop
    data = [_model(m) for m in models]
    if state.embedder is not None:
        data.append({"id": state.embedder.path.stem, "object": "model", "created": int(time.time()),
                     "owned_by": "chatapp", "type": "embeddings", "loaded": True,
                     "context_length": state.embedder.max_tokens, "capabilities": ["embedding"]})
    return JSONResponse({"object": "list", "data": data})


async def one_model(request: Request) -> Response:
    state = server_state(request)
    wanted = request.path_params["model"].lower()
    models = await asyncio.to_thread(state.list_models)
    found = next((m for m in models if m.id == wanted), None)
    if found is None:
        known = ", ".join(m.id for m in models[:5])
        raise ApiError(404, f"There is no model '{wanted[:100]}' here; models here include {known}." if known
                       else f"There is no model '{wanted[:100]}' here.", code="model_not_found", param="model")
    return JSONResponse(_model(found))


def _model(model: ListedModel) -> dict[str, Any]:
    facts, loaded = model.facts, model.loaded
    summary = loaded.summary if loaded is not None else None
    trained = facts.context_length if facts is not None else (summary.context_train if summary else 0)
    capabilities = ["completion"]
    if (facts is not None and facts.vision) or (summary is not None and summary.sees_images):
        capabilities.append("vision")
    if (facts is not None and facts.audio) or (summary is not None and summary.hears_audio):
        capabilities.append("audio")
    if facts is not None and facts.tools:
        capabilities.append("tools")
    if facts is not None and facts.reasoning:
        capabilities.append("thinking")
    body: dict[str, Any] = {
        "id": model.id, "object": "model", "created": model.created or int(time.time()), "owned_by": "chatapp",
        "type": "vlm" if "vision" in capabilities else "llm",
        "loaded": loaded is not None,
        "context_length": model.context_length,
        "max_context_length": trained,
        "capabilities": capabilities,
    }
    if facts is not None:
        body.update(architecture=facts.architecture, quantization=facts.quantization,
                    parameters=facts.parameters, size=facts.size)
    return body


async def embeddings(request: Request) -> Response:
    """Vectors of unit length from the embedding model (`chatapp serve --embedding-model`), as floats or,
    as the official client asks by default, base64 of little-endian float32."""
    state = server_state(request)
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
    if isinstance(texts[0], str):
        counts = await asyncio.to_thread(_embedding_counts, embedder, texts)
        vectors = await asyncio.to_thread(embedder.embed_documents, texts)
    else:
        counts = [len(t) + 2 for t in texts]  # within the model's start and end tokens
        try:
            vectors = await asyncio.to_thread(embedder.embed_tokens, texts)
        except KnownError as exc:
            raise ApiError(400, str(exc), param="input") from None
    data = [{"object": "embedding", "index": i,
             "embedding": base64.b64encode(v.astype("<f4").tobytes()).decode() if encoding == "base64"
             else [float(x) for x in v]}
            for i, v in enumerate(vectors)]
    return JSONResponse({"object": "list", "data": data, "model": embedder.path.stem,
                         "usage": {"prompt_tokens": sum(counts), "total_tokens": sum(counts)}})


def embedding_inputs(body: dict[str, Any], max_tokens: int) -> list[str] | list[list[int]]:
    """The inputs of a /v1/embeddings body — texts, or the model's token ids (a list, or a list of them) —,
    at most `MAX_EMBEDDING_INPUTS`, none obviously too long."""
    inputs = body.get("input")
    if isinstance(inputs, str) or (isinstance(inputs, list) and inputs and all(_token(t) for t in inputs)):
        inputs = [inputs]
    texts = isinstance(inputs, list) and bool(inputs) and all(isinstance(t, str) for t in inputs)
    tokens = isinstance(inputs, list) and bool(inputs) and all(
        isinstance(t, list) and t and all(_token(i) for i in t) for t in inputs)
    if not (texts or tokens):
        raise ApiError(400, "input must be a string, a list of strings, a list of token ids or a list of those.",
                       param="input")
    assert isinstance(inputs, list)
    if len(inputs) > MAX_EMBEDDING_INPUTS:
        raise ApiError(400, f"input has {len(inputs):,} inputs; send at most {MAX_EMBEDDING_INPUTS} per request.",
                       param="input")
    for i, one in enumerate(inputs):
        if texts:
            check_fits(len(one), max_tokens, f"input[{i}] has", "input")
        elif len(one) + 2 > max_tokens:
            raise ApiError(400, f"input[{i}] has {len(one)} tokens; the embedding model takes at most {max_tokens}.",
                           param="input", code="context_length_exceeded")
    return inputs


def _token(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0



def _embedding_counts(embedder: Embedder, texts: list[str]) -> list[int]:
    """Tokens per input (with the model's prefix and its two special tokens); refuses one that is too long."""
    counts = [embedder.count_tokens(embedder.document_prefix + t) + 2 for t in texts]
    for i, count in enumerate(counts):
        if count > embedder.max_tokens:
            raise ApiError(400, f"input[{i}] has {count} tokens; the embedding model takes at most "
                                f"{embedder.max_tokens}.", param="input", code="context_length_exceeded")
    return counts


DIALECT = Dialect("openai-models", (Route("/v1/models", list_models, methods=["GET"]),
                                    Route("/v1/models/{model:path}", one_model, methods=["GET"]),
                                    Route("/v1/embeddings", embeddings, methods=["POST"])))
