"""Checks every dialect's request parsing shares: the body as JSON, sizes refused early, sampling
values, stop strings and a JSON schema the grammar must be able to hold — each failure an `ApiError`
naming the field.

Everything here is plain, blocking Python: the endpoints run parsing on a worker thread
(`asyncio.to_thread`), so decoding an 8 MiB body, validating a thousand messages or converting a
schema to a grammar never stalls the event loop that streams other clients' replies. Sizes are refused
early and cheaply: a request cannot fit a model whose context holds fewer tokens than its text has
characters divided by `CHARS_PER_TOKEN_BOUND` (no vocabulary has longer tokens), so it is
`context_length_exceeded` without tokenizing; the model thread counts exactly what passes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

from chatapp.core.errors import KnownError, SettingsError
from chatapp.core.types import Message, OutputFormat, SamplingParams
from chatapp.server.errors import ApiError
from chatapp.server.limits import CHARS_PER_TOKEN_BOUND, MAX_STOPS

# The APIs' defaults where they differ from the window's: no repeat penalty, temperature 1, top-p 1, and
# no top-k or min-p (OpenAI's and Anthropic's samplers have neither).
API_SAMPLING = {**SamplingParams().to_dict(), "repeat_penalty": 1.0, "temperature": 1.0, "top_p": 1.0, "top_k": 0,
                "min_p": 0.0}


def decode(raw: bytes) -> dict[str, Any]:
    try:
        body = json.loads(raw)
    except (ValueError, UnicodeDecodeError):
        raise ApiError(400, "The request body is not valid JSON.") from None
    if not isinstance(body, dict):
        raise ApiError(400, "The request body must be a JSON object.")
    return body


ContextOf = Callable[[str], "int | None"]  # a model's id → its context, when it is loaded (None: not known yet)


def model_of(body: dict[str, Any]) -> str:
    """The model a body names ("": none, the server's default)."""
    model = body.get("model")
    if model is None:
        return ""
    if not isinstance(model, str):
        raise ApiError(400, "model must be a model's id, as GET /v1/models lists them.", param="model")
    return model


_DURATION = re.compile(r"(\d+(?:\.\d+)?)(ms|s|m|h)")
_UNITS = {"ms": 0.001, "s": 1.0, "m": 60.0, "h": 3600.0}


def keep_alive(body: dict[str, Any]) -> float | None:
    """How long the request's model stays loaded unused after it, in seconds: Ollama's `keep_alive` (seconds,
    or a duration as "5m", "1h30m"; negative: for good; 0: unloaded right after) or LM Studio's `ttl`
    (seconds). None: the server's `--idle-unload`."""
    value, ttl = body.get("keep_alive"), body.get("ttl")
    if value is not None and ttl is not None:
        raise ApiError(400, "Give keep_alive or ttl, not both.", param="ttl")
    if ttl is not None:
        if not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 1:
            raise ApiError(400, "ttl must be a whole number of seconds, at least 1.", param="ttl")
        return float(ttl)
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    if isinstance(value, str):
        text = value.strip()
        sign = -1.0 if text.startswith("-") else 1.0
        text = text.lstrip("+-")
        if text.replace(".", "", 1).isdigit():
            return sign * float(text)
        parts = _DURATION.findall(text)
        if parts and "".join(n + u for n, u in parts) == text:
            return sign * sum(float(n) * _UNITS[u] for n, u in parts)
    raise ApiError(400, "keep_alive must be seconds or a duration such as \"5m\" or \"1h\" (negative: keep "
                        "the model loaded).", param="keep_alive")


def check_fits(chars: int, context_size: int | None, what: str, param: str) -> None:
    """Refuse text that no model with `context_size` tokens could read (None: the size is not known yet)."""
    if context_size is not None and chars > context_size * CHARS_PER_TOKEN_BOUND:
        raise ApiError(400, f"The {what} {chars:,} characters: more than a model with a context of "
                            f"{context_size:,} tokens can read.", code="context_length_exceeded", param=param)


# Sampler settings beyond what an API itself defines, taken by every dialect as llama.cpp's server takes them
# (so one client script can hold the sampler still across APIs: benchmarks, evaluations).
EXTENSIONS = ("seed", "top_k", "min_p", "repeat_penalty", "presence_penalty", "frequency_penalty")


def extensions(body: dict[str, Any]) -> dict[str, Any]:
    return {k: body.get(k) for k in EXTENSIONS}


def sampling(values: dict[str, Any], defaults: dict[str, Any] = API_SAMPLING) -> SamplingParams:
    """SamplingParams from a dialect's values (None: not given), over `defaults`, with the window's sentences."""
    try:
        return SamplingParams(**{**defaults, **{k: v for k, v in values.items() if v is not None}})
    except SettingsError as exc:
        raise ApiError(400, str(exc)) from None
    except TypeError as exc:
        raise ApiError(400, f"Invalid parameter: {exc}.") from None


def stops(value: Any, param: str = "stop", limit: int = MAX_STOPS) -> tuple[str, ...]:
    """A stop string or a list of them (at most `limit`; OpenAI's is MAX_STOPS)."""
    if value is None:
        return ()
    given = [value] if isinstance(value, str) else value
    if not isinstance(given, list) or not all(isinstance(s, str) for s in given) or len(given) > limit:
        raise ApiError(400, f"{param} must be a string or a list of up to {limit} strings.", param=param)
    return tuple(s for s in given if s)


def checked(output: OutputFormat | None, param: str) -> OutputFormat | None:
    """The output format, its JSON schema converted to a grammar now, so a bad one is a 400 naming the part."""
    if output is not None and output.is_json:
        from chatapp.core.runtime.grammar import to_gbnf

        try:
            to_gbnf(output)
        except KnownError as exc:
            raise ApiError(400, str(exc), param=param, code="invalid_schema") from None
    return output


def conversation(messages: list[Message], system: str = "", param: str = "messages") -> tuple[Message, ...]:
    """The messages as templates take them: one system prompt first — `system`, then every system message
    folded in, as the window's history does — and a last message that is the user's (not empty) or a tool's
    result, which the reply answers."""
    prompt = "\n\n".join(t for t in (system, *(m.content for m in messages if m.role == "system")) if t)
    rest = [m for m in messages if m.role != "system"]
    if not rest or rest[-1].role not in ("user", "tool"):
        raise ApiError(400, "The last message must be the user's (or a tool's result).", param=param)
    if rest[-1].role == "user" and not rest[-1].content.strip() and not rest[-1].attachments:
        raise ApiError(400, "The last message is empty; write a message first.", param=param)
    return tuple(([Message("system", prompt)] if prompt else []) + rest)
