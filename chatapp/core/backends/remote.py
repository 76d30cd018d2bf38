"""Chat with a model on another machine through its OpenAI-compatible API (llama-server, vLLM, LM Studio,
Ollama, `chatapp serve`, ...), with the same streaming, cancel and stats as the local engine.

Uses the official `openai` client. The server applies its own chat template, so what is "sent" is the
list of messages. Sampling settings that OpenAI's API lacks (top-k, min-p, repeat penalty) go in the
request body too; llama.cpp, vLLM and LM Studio read them, others ignore them. Every failure becomes
one sentence: unreachable, refused key, unknown model, timeout, or a server that speaks something else.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from chatapp.core.errors import QT_TRANSLATE_NOOP, ContextOverflowError, KnownError
from chatapp.core.generation import Done, Event, EventStream, GenerationRequest, TextDelta, ThinkingDelta
from chatapp.core.images import RECORDING_TYPES
from chatapp.core.reasoning import ThinkingSplitter
from chatapp.core.reasoning import join as join_thinking
from chatapp.core.types import (
    Attachment,
    CallDelta,
    FinishReason,
    GenerationStats,
    Message,
    OutputFormat,
    ToolCall,
    ToolSet,
)

_RECORDING_FORMATS = {mime: fmt for fmt, mime in RECORDING_TYPES.items()}
CONNECT_TIMEOUT_S = 10.0
READ_TIMEOUT_S = 300.0  # between two pieces of a reply: a big model on a busy server can be slow


class RemoteError(KnownError):
    """The remote server could not be used; the message says why and what to do."""


def normalise_url(url: str) -> str:
    """`host:port`, `http://host:port` or `.../v1` → the API's base URL ending in /v1."""
    url = url.strip()
    if "://" not in url:
        url = "http://" + url
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise RemoteError(QT_TRANSLATE_NOOP("core", "'{url}' is not a server address; give one like "
                                            "http://192.168.1.20:8080/v1."), url=url)
    path = parts.path.rstrip("/")
    if path in ("",):
        path = "/v1"
    return urlunsplit((parts.scheme, parts.netloc, path, "", ""))


class RemoteChat:
    """One model on one OpenAI-compatible server, as a `ChatBackend`."""

    def __init__(self, url: str, model: str, api_key: str | None = None) -> None:
        import httpx2
        import openai

        self.url = normalise_url(url)
        self.model = model
        self._openai = openai
        self._client = openai.OpenAI(
            base_url=self.url, api_key=api_key or "not-needed", max_retries=0,
            timeout=httpx2.Timeout(READ_TIMEOUT_S, connect=CONNECT_TIMEOUT_S),
        )

    @property
    def label(self) -> str:
        """How history and the status bar name it: the model and where it runs."""
        return f"{self.model} @ {urlsplit(self.url).netloc}"

    # ----- discovery ----------------------------------------------------------------------------------------
    def models(self) -> list[str]:
        """The model ids the server offers."""
        with self._errors():
            return sorted(m.id for m in self._client.models.list())

    def check(self) -> None:
        """Fail now, in one sentence, if the server is unusable or lacks the model."""
        available = self.models()
        if self.model not in available:
            offered = ", ".join(available) or "none"
            raise RemoteError(QT_TRANSLATE_NOOP("core", "The server at {url} has no model named '{model}'. It offers: "
                                                "{offered}."), url=self.url, model=self.model, offered=offered)

    # ----- generation ---------------------------------------------------------------------------------------
    def generate(self, request: GenerationRequest, cancel: threading.Event) -> EventStream:
        """Stream the reply. A continued reply's text (`reply_prefix`) is sent as the start of an assistant
        message, which llama.cpp-based servers continue; others may start afresh. `output` goes as
        OpenAI's `response_format` (a GBNF grammar as llama.cpp's `grammar` field). The server applies
        its own template (a request's `template` does not apply); its thinking arrives as
        `reasoning_content` (llama.cpp, vLLM, DeepSeek) or inside the text, and is told apart here."""
        if not request.is_chat:
            raise RemoteError(QT_TRANSLATE_NOOP("core", "The server at {url} is used for chats, not raw completions."),
                              url=self.url)
        if request.logprobs is not None:
            raise RemoteError(QT_TRANSLATE_NOOP("core", "Log-probabilities are not read from the server at {url}."),
                              url=self.url)
        params, output, tools = request.sampling, request.output, request.tools
        sent = [openai_message(m) for m in request.messages]
        prefix = join_thinking(request.reply_prefix_thinking, request.reply_prefix, thinking_done=False)
        if prefix:
            sent.append({"role": "assistant", "content": prefix})
        started = time.perf_counter()
        with self._errors():
            completions: Any = self._client.chat.completions  # its overloads are typed for OpenAI's own models
            response = completions.create(
                model=self.model, messages=sent, stream=True, stream_options={"include_usage": True},
                temperature=params.temperature, top_p=params.top_p, max_tokens=params.max_tokens,
                seed=params.seed if params.seed >= 0 else None, stop=list(request.stops) or None,
                presence_penalty=params.presence_penalty, frequency_penalty=params.frequency_penalty,
                **({"logit_bias": {str(t): b for t, b in request.logit_bias}} if request.logit_bias else {}),
                extra_body={"top_k": params.top_k, "min_p": params.min_p, "repeat_penalty": params.repeat_penalty,
                            **({"ignore_eos": True} if request.ignore_eos else {}),
                            **({"grammar": output.text} if output is not None and output.kind == "grammar" else {})},
                **({"response_format": response_format(output)} if output is not None and output.is_json else {}),
                **(tool_arguments(tools) if tools is not None and tools.tools else {}),
            )
        splitter = ThinkingSplitter()
        if prefix:
            splitter.feed(prefix)  # the continued reply's text was given out before
        return EventStream(self._events(response, cancel, started, splitter))

    def _events(self, response: Any, cancel: threading.Event, started: float,
                splitter: ThinkingSplitter) -> Iterator[Event]:
        first_at = last_at = 0.0
        pieces = 0
        usage: Any = None
        finish: str | None = None
        reason = FinishReason.STOP
        calls: dict[int, list[str]] = {}  # index -> [id, name, arguments so far]
        try:
            with self._errors():
                for chunk in response:
                    if cancel.is_set():
                        reason = FinishReason.CANCELLED
                        break
                    if getattr(chunk, "usage", None) is not None:
                        usage = chunk.usage
                    for choice in chunk.choices or ():
                        finish = choice.finish_reason or finish
                        delta = choice.delta
                        if delta is None:
                            continue
                        for call in delta.tool_calls or ():
                            yield from self._call_piece(calls, call)
                        reasoning = getattr(delta, "reasoning_content", None)
                        text = delta.content
                        if reasoning or text:
                            last_at = time.perf_counter()
                            first_at = first_at or last_at
                            pieces += 1
                        if reasoning:
                            yield ThinkingDelta(reasoning)
                        if text:
                            yield from _split(splitter.feed(text))
        finally:
            with contextlib.suppress(Exception):
                response.close()  # hang up: the server stops generating
        yield from _split(splitter.flush())
        if reason != FinishReason.CANCELLED and finish == "length":
            reason = FinishReason.LENGTH
        tool_calls = tuple(ToolCall(c[0], c[1], c[2] or "{}") for _, c in sorted(calls.items()) if c[1])
        if reason == FinishReason.STOP and tool_calls:
            reason = FinishReason.TOOL_CALLS
        completion = usage.completion_tokens if usage is not None else pieces
        prompt = usage.prompt_tokens if usage is not None else 0
        yield Done(GenerationStats(
            prompt_tokens=prompt, prompt_tokens_evaluated=prompt, completion_tokens=completion,
            ttft_s=(first_at or time.perf_counter()) - started,
            tokens_per_s=(completion - 1) / (last_at - first_at) if completion > 1 and last_at > first_at else 0.0,
            total_s=time.perf_counter() - started, context_used=prompt + completion, context_size=0,
            finish_reason=reason, template="server's own",
        ), tool_calls)

    @staticmethod
    def _call_piece(calls: dict[int, list[str]], piece: Any) -> Iterator[CallDelta]:
        """A streamed `delta.tool_calls` item: kept, and passed on as the engine's are."""
        index = int(getattr(piece, "index", 0) or 0)
        function = getattr(piece, "function", None)
        name = getattr(function, "name", None) or ""
        arguments = getattr(function, "arguments", None) or ""
        entry = calls.setdefault(index, ["", "", ""])
        first = not entry[1] and bool(name)
        entry[0] = getattr(piece, "id", None) or entry[0]
        entry[1] = entry[1] or name
        entry[2] += arguments
        if first:
            yield CallDelta(index, entry[0], entry[1], "")
        if arguments:
            yield CallDelta(index, arguments=arguments)

    # ----- errors -------------------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _errors(self) -> Iterator[None]:
        openai = self._openai
        url = self.url
        try:
            yield
        except openai.APITimeoutError:
            raise RemoteError(QT_TRANSLATE_NOOP("core", "The server at {url} did not answer in time; it may be busy "
                                                "or down. Try again."), url=url) from None
        except openai.APIConnectionError:
            raise RemoteError(QT_TRANSLATE_NOOP("core", "Cannot reach the server at {url}: check that it is running "
                                                "and the address is right."), url=url) from None
        except (openai.AuthenticationError, openai.PermissionDeniedError) as exc:
            raise RemoteError(QT_TRANSLATE_NOOP("core", "The server at {url} refused the API key ({status}); check "
                                                "the key."), url=url, status=exc.status_code) from None
        except openai.NotFoundError as exc:
            raise RemoteError(QT_TRANSLATE_NOOP("core", "The server at {url} does not know model '{model}' or is not "
                                                "an OpenAI-compatible API (404: {reason}). Check the address (it "
                                                "usually ends in /v1) and the model name."),
                              url=url, model=self.model, reason=_message(exc)) from None
        except openai.BadRequestError as exc:
            if getattr(exc, "code", None) == "context_length_exceeded" or "context" in _message(exc).lower():
                raise ContextOverflowError(QT_TRANSLATE_NOOP("core", "The conversation is too long for the server's "
                                                             "model: {reason}"), reason=_message(exc)) from None
            raise RemoteError(QT_TRANSLATE_NOOP("core", "The server at {url} refused the request: {reason}"), url=url,
                              reason=_message(exc)) from None
        except openai.APIStatusError as exc:
            raise RemoteError(QT_TRANSLATE_NOOP("core", "The server at {url} failed ({status}: {reason})."), url=url,
                              status=exc.status_code, reason=_message(exc)) from None
        except (openai.APIResponseValidationError, ValueError) as exc:
            raise RemoteError(QT_TRANSLATE_NOOP("core", "The server at {url} answered something that is not the "
                                                "OpenAI API ({reason}); check the address."),
                              url=url, reason=type(exc).__name__) from None


def openai_message(m: Message) -> dict[str, Any]:
    """A message in OpenAI's shape, an assistant's calls and a tool's result included."""
    message: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.attachments:  # images as data: URLs, the one way every OpenAI-compatible server takes one;
        import base64  # recordings as `input_audio` (llama.cpp's server gives them to audio models)

        def part(a: Attachment) -> dict[str, Any]:
            data = base64.b64encode(a.data).decode()
            if a.kind == "audio":
                fmt = _RECORDING_FORMATS.get(a.mime, "wav")
                return {"type": "input_audio", "input_audio": {"data": data, "format": fmt}}
            return {"type": "image_url", "image_url": {"url": f"data:{a.mime};base64,{data}"}}

        message["content"] = [*(part(a) for a in m.attachments), {"type": "text", "text": m.content}]
    if m.tool_calls:
        message["tool_calls"] = [
            {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": c.arguments}}
            for c in m.tool_calls]
    if m.role == "tool":
        message["tool_call_id"] = m.tool_call_id
    return message


def tool_arguments(tools: ToolSet) -> dict[str, Any]:
    """`tools`, `tool_choice` and `parallel_tool_calls` as OpenAI's API takes them."""
    choice: Any = tools.choice
    if choice not in ("auto", "none", "required"):
        choice = {"type": "function", "function": {"name": choice}}
    return {"tools": [t.openai() for t in tools.tools], "tool_choice": choice,
            "parallel_tool_calls": tools.parallel}


def response_format(output: OutputFormat) -> dict[str, Any]:
    """OpenAI's `response_format` for a JSON output format."""
    if output.kind == "json_object":
        return {"type": "json_object"}
    return {"type": "json_schema",
            "json_schema": {"name": output.name or "reply", "schema": json.loads(output.text), "strict": True}}


def _split(parts: tuple[str, str]) -> Iterator[Event]:
    thinking, answer = parts
    if thinking:
        yield ThinkingDelta(thinking)
    if answer:
        yield TextDelta(answer)


def _message(exc: Exception) -> str:
    body = getattr(exc, "body", None)
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(body.get("detail"), str):
            return str(body["detail"])
    return str(getattr(exc, "message", exc))
