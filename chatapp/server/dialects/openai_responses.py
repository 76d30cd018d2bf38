"""OpenAI's Responses API (`POST /v1/responses`, `GET` and `DELETE /v1/responses/{id}`): what Codex CLI,
the OpenAI Agents SDK and `client.responses` speak.

Parsed into the one `GenerationRequest`: `instructions` and system/developer messages as the system
prompt, `input` as a string or items — messages (text, `input_image` data URLs), `function_call` and
`function_call_output` items, `reasoning` items as the next reply's thinking —, function `tools`
(Codex's `namespace` tools flattened to `namespace.name` and split again in the calls), `tool_choice`
(auto, none, required, a named function — its arguments held to its schema by the grammar —, or
`allowed_tools`), `parallel_tool_calls`, `text.format` (json_schema, json_object), `max_output_tokens`,
`temperature`, `top_p`. `previous_response_id` continues a stored response (kept in memory, bounded:
server/response_store.py). Tools only OpenAI runs (web search, file search…) are left out with a log
line — Codex sends one by default —, and forcing one is a 400 naming it.

Rendered as a `response` object, or as the semantic event stream the SDK's `responses.stream()`
accumulates: `response.created`, `response.in_progress`, then one output item at a time (`reasoning`,
`message` with its `output_text` part, `function_call`), each added, its deltas and `.done` events, then
done; then `response.completed` (or `response.incomplete` when a limit cut it), every event with its
`sequence_number`, `output_index` and item ids. A failure after the stream began is `response.failed`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from chatapp.core.generation import Done, Event, GenerationRequest, TextDelta, ThinkingDelta
from chatapp.core.images import MAX_IMAGES_PER_MESSAGE, ImageError, image_from_url, recording_from_base64
from chatapp.core.types import Attachment, FinishReason, Message, OutputFormat, ToolCall, ToolSet, ToolSpec
from chatapp.server.dialects import Dialect
from chatapp.server.errors import ApiError, openai_body
from chatapp.server.limits import MAX_MESSAGES, MAX_TOOLS
from chatapp.server.requests import (
    ContextOf,
    check_fits,
    checked,
    conversation,
    decode,
    extensions,
    keep_alive,
    model_of,
    sampling,
)
from chatapp.server.runs import Reply
from chatapp.server.sse import frame, streamed
from chatapp.server.state import server_state

log = logging.getLogger(__name__)
# Tools that only OpenAI's service runs: left out of what the model is offered (Codex sends web_search).
HOSTED_TOOLS = frozenset({"web_search", "web_search_preview", "file_search", "code_interpreter", "computer",
                          "computer_use_preview", "image_generation", "mcp", "local_shell", "shell", "apply_patch",
                          "tool_search", "programmatic_tool_calling", "custom"})
REFUSED_FIELDS = {"background": "background responses", "conversation": "conversations",
                  "prompt": "stored prompts"}
DEFAULT_MAX_OUTPUT_TOKENS = 1_000_000  # as OpenAI: the model's limit (here, the context) unless asked


@dataclass(frozen=True)
class Parsed:
    messages: tuple[Message, ...]  # this request's input (system and developer items as system messages)
    instructions: str
    previous: str  # previous_response_id ("": none)
    request: GenerationRequest  # its messages are filled in by `_continued`
    namespaces: dict[str, tuple[str, str]]  # a flattened tool name -> (namespace, name)
    echo: dict[str, Any]  # what the response object repeats of the request
    stream: bool
    store: bool


# ----- the request ------------------------------------------------------------------------------------------
def parse(raw: bytes, context_of: ContextOf) -> Parsed:
    body = {k: v for k, v in decode(raw).items() if v is not None}  # null: not given
    for field, what in REFUSED_FIELDS.items():
        if body.get(field) not in (None, False):
            raise ApiError(400, f"{field}: {what} are not supported by chatapp.", param=field)
    include = body.get("include")
    include = include if isinstance(include, list) else []
    if body.get("top_logprobs") or "message.output_text.logprobs" in include:
        raise ApiError(400, "logprobs are not supported by the Responses API here; use /v1/chat/completions.",
                       param="top_logprobs")
    instructions = body.get("instructions", "")
    if not isinstance(instructions, str):
        raise ApiError(400, "instructions must be text.", param="instructions")
    messages = _input(body.get("input"))
    tools, namespaces = _tools(body)
    chars = len(instructions) + sum(len(m.content) + len(m.thinking) + sum(len(c.arguments) for c in m.tool_calls)
                                    for m in messages)
    model = model_of(body)
    check_fits(chars, context_of(model), "input has", "input")
    params = sampling({**extensions(body), "temperature": body.get("temperature"), "top_p": body.get("top_p"),
                       "max_tokens": body.get("max_output_tokens", DEFAULT_MAX_OUTPUT_TOKENS)})
    previous = body.get("previous_response_id", "")
    if not isinstance(previous, str):
        raise ApiError(400, "previous_response_id must be a response's id.", param="previous_response_id")
    output, text = _text_format(body, tools)
    request = GenerationRequest((Message("user", "…"),), model=model, sampling=params, tools=tools, output=output,
                                keep_alive=keep_alive(body))
    echo = {"model": model, "instructions": instructions or None,
            "max_output_tokens": body.get("max_output_tokens"), "temperature": params.temperature,
            "top_p": params.top_p, "parallel_tool_calls": tools.parallel if tools is not None else True,
            "tool_choice": body.get("tool_choice", "auto"), "tools": body.get("tools", []), "text": text,
            "previous_response_id": previous or None, "metadata": body.get("metadata", {}),
            "store": body.get("store", True) is not False, "truncation": body.get("truncation", "disabled"),
            "reasoning": body.get("reasoning", {"effort": None, "summary": None}), "user": body.get("user")}
    return Parsed(messages, instructions, previous, request, namespaces, echo, body.get("stream") is True,
                  body.get("store", True) is not False)


def _text(value: Any, where: str, images: list[Attachment] | None = None, sep: str = "") -> str:
    """A message's content: a string, or parts (text of any kind, joined by `sep`; `input_image` data URLs
    and `input_audio` recordings where allowed)."""
    if isinstance(value, str):
        return value
    if not isinstance(value, list):
        raise ApiError(400, f"{where} must be a string or a list of content parts.", param=where)
    texts = []
    for j, part in enumerate(value):
        at = f"{where}[{j}]"
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text", "summary_text", "reasoning_text") and isinstance(
                part.get("text"), str):
            texts.append(part["text"])
        elif kind == "refusal" and isinstance(part.get("refusal"), str):
            texts.append(part["refusal"])
        elif kind == "input_image" and images is not None:
            url = part.get("image_url")
            if not isinstance(url, str):
                raise ApiError(400, f"{at}: an image must be sent as a data: URL in image_url (not a file id).",
                               param=at)
            if len(images) >= MAX_IMAGES_PER_MESSAGE:
                raise ApiError(400, f"{where} has more than {MAX_IMAGES_PER_MESSAGE} images.", param=at)
            try:
                images.append(image_from_url(url, at))
            except ImageError as exc:
                raise ApiError(400, str(exc), param=at) from None
        elif kind == "input_audio" and images is not None:  # a recording, for a model that hears
            audio = part.get("input_audio")
            if not isinstance(audio, dict) or not isinstance(audio.get("data"), str):
                raise ApiError(400, f"{at}.input_audio must hold data and format.", param=at)
            if len(images) >= MAX_IMAGES_PER_MESSAGE:
                raise ApiError(400, f"{where} has more than {MAX_IMAGES_PER_MESSAGE} attachments.", param=at)
            try:
                images.append(recording_from_base64(audio["data"], str(audio.get("format")), at))
            except ImageError as exc:
                raise ApiError(400, str(exc), param=at) from None
        else:
            raise ApiError(400, f"{at}: a {kind!r} part is not supported here.", param=at)
    return sep.join(texts)


def _input(value: Any) -> tuple[Message, ...]:
    """`input` as messages: an assistant's function calls join its message (consecutive calls are one turn
    of parallel calls), a reasoning item becomes the next assistant message's thinking."""
    if isinstance(value, str):
        if not value.strip():
            raise ApiError(400, "input is empty; write a message first.", param="input")
        return (Message("user", value),)
    if not isinstance(value, list) or not value:
        raise ApiError(400, "input must be a string or a non-empty list of items.", param="input")
    if len(value) > MAX_MESSAGES:
        raise ApiError(400, f"input has {len(value):,} items; chatapp takes at most {MAX_MESSAGES:,}.", param="input",
                       code="context_length_exceeded")
    messages: list[Message] = []
    thinking: list[str] = []
    names: dict[str, str] = {}

    def assistant(text: str = "", call: ToolCall | None = None) -> None:
        calls = (call,) if call is not None else ()
        last = messages[-1] if messages else None
        if call is not None and last is not None and last.role == "assistant" and not thinking:
            messages[-1] = replace(last, tool_calls=(*last.tool_calls, *calls))
        else:
            messages.append(Message("assistant", text, tool_calls=calls, thinking="\n\n".join(thinking)))
        thinking.clear()

    for i, item in enumerate(value):
        where = f"input[{i}]"
        if not isinstance(item, dict):
            raise ApiError(400, f"{where} must be an object.", param=where)
        kind = item.get("type") or ("message" if "role" in item else None)
        if kind == "message":
            role = {"developer": "system"}.get(str(item.get("role")), item.get("role"))
            if role not in ("system", "user", "assistant"):
                raise ApiError(400, f"{where}.role must be user, assistant, system or developer.",
                               param=f"{where}.role")
            if role == "assistant":
                assistant(_text(item.get("content", ""), f"{where}.content"))
                continue
            images: list[Attachment] = []
            text = _text(item.get("content", ""), f"{where}.content", images if role == "user" else None)
            messages.append(Message("system" if role == "system" else "user", text, attachments=tuple(images)))
        elif kind == "function_call":
            call_id, name, arguments = item.get("call_id"), item.get("name"), item.get("arguments", "{}")
            if not all(isinstance(v, str) for v in (call_id, name, arguments)):
                raise ApiError(400, f"{where}: a function_call needs a call_id, a name and its arguments as text.",
                               param=where)
            namespace = item.get("namespace")
            full = f"{namespace}.{name}" if isinstance(namespace, str) and namespace else str(name)
            names[str(call_id)] = full
            assistant(call=ToolCall(str(call_id), full, _object_text(str(arguments), f"{where}.arguments")))
        elif kind == "function_call_output":
            call_id = item.get("call_id")
            if not isinstance(call_id, str) or not call_id:
                raise ApiError(400, f"{where}.call_id must name the call this output answers.", param=where)
            output = _text(item.get("output", ""), f"{where}.output")
            messages.append(Message("tool", output, tool_call_id=call_id, name=names.get(call_id, "")))
        elif kind == "reasoning":  # summary only (OpenAI's shape), content (gpt-oss's), or both
            parts = item.get("content") or item.get("summary") or []
            text = _text(parts, f"{where}.content", sep="\n\n") if parts else ""
            if text:
                thinking.append(text)
        else:
            raise ApiError(400, f"{where}: {kind!r} items are not supported by chatapp.", param=f"{where}.type")
    conversation(messages, param="input")  # checked now; folded with a stored response's in `_continued`
    return tuple(messages)


def _object_text(arguments: str, where: str) -> str:
    try:
        value = json.loads(arguments or "{}")
    except ValueError:
        value = None
    if not isinstance(value, dict):
        raise ApiError(400, f"{where} must be a JSON object as text.", param=where)
    return json.dumps(value, ensure_ascii=False)


def _tools(body: dict[str, Any]) -> tuple[ToolSet | None, dict[str, tuple[str, str]]]:
    raw = body.get("tools") or []
    if not isinstance(raw, list) or len(raw) > MAX_TOOLS:
        raise ApiError(400, f"tools must be a list of at most {MAX_TOOLS} tools.", param="tools")
    specs: list[ToolSpec] = []
    namespaces: dict[str, tuple[str, str]] = {}
    for i, tool in enumerate(raw):
        where = f"tools[{i}]"
        kind = tool.get("type") if isinstance(tool, dict) else None
        if isinstance(kind, str) and kind in HOSTED_TOOLS:
            log.info("Responses API: the %s tool runs only on OpenAI's service; it is not offered", kind)
            continue
        if kind == "namespace" and isinstance(tool.get("tools"), list):
            for j, inner in enumerate(tool["tools"]):
                spec = _function(inner, f"{where}.tools[{j}]")
                full = f"{tool.get('name')}.{spec.name}"
                namespaces[full] = (str(tool.get("name")), spec.name)
                specs.append(replace(spec, name=full))
            continue
        if kind != "function":
            raise ApiError(400, f"{where}.type {kind!r} is not a tool chatapp can offer.", param=f"{where}.type")
        specs.append(_function(tool, where))
    if len({s.name for s in specs}) != len(specs):
        raise ApiError(400, "tools: two tools have the same name.", param="tools")
    choice = body.get("tool_choice", "auto")
    if not specs:
        if choice not in ("auto", "none") and not isinstance(choice, dict):
            raise ApiError(400, "tool_choice needs tools.", param="tool_choice")
        if isinstance(choice, dict):
            raise ApiError(400, f"tool_choice: the {choice.get('type')} tool runs only on OpenAI's service.",
                           param="tool_choice")
        return None, namespaces
    parallel = body.get("parallel_tool_calls", True) is not False and body.get("max_tool_calls") != 1
    if isinstance(choice, dict) and choice.get("type") == "allowed_tools":
        listed = choice.get("tools")
        listed = listed if isinstance(listed, list) else []
        allowed = {t.get("name") for t in listed if isinstance(t, dict) and isinstance(t.get("name"), str)}
        specs = [s for s in specs if s.name in allowed]
        choice = choice.get("mode", "auto")
        if not specs:
            raise ApiError(400, "tool_choice.tools names none of the tools.", param="tool_choice.tools")
    if isinstance(choice, dict):
        if choice.get("type") != "function":
            raise ApiError(400, f"tool_choice: the {choice.get('type')} tool runs only on OpenAI's service.",
                           param="tool_choice")
        name = choice.get("name")
        if not isinstance(name, str) or name not in {s.name for s in specs}:
            raise ApiError(400, f"tool_choice names {name!r}, which is not one of the tools.", param="tool_choice")
        return ToolSet(tuple(specs), str(name), parallel), namespaces
    if choice not in ("auto", "none", "required"):
        raise ApiError(400, "tool_choice must be auto, none, required or {type: function, name}.",
                       param="tool_choice")
    return ToolSet(tuple(specs), str(choice), parallel), namespaces


def _function(tool: Any, where: str) -> ToolSpec:
    name, parameters = tool.get("name") if isinstance(tool, dict) else None, (tool or {}).get("parameters")
    if not isinstance(name, str) or not 0 < len(name) <= 128:
        raise ApiError(400, f"{where}.name must be a name of 1 to 128 characters.", param=f"{where}.name")
    if parameters is None:
        parameters = {"type": "object", "properties": {}}
    if not isinstance(parameters, dict):
        raise ApiError(400, f"{where}.parameters must be a JSON schema (an object).", param=f"{where}.parameters")
    description = tool.get("description")
    return ToolSpec(name, description if isinstance(description, str) else "", json.dumps(parameters))


def _text_format(body: dict[str, Any], tools: ToolSet | None) -> tuple[OutputFormat | None, dict[str, Any]]:
    text = body.get("text") or {}
    fmt = text.get("format") if isinstance(text, dict) else None
    echo = {"format": fmt if isinstance(fmt, dict) else {"type": "text"}}
    if fmt is None or (isinstance(fmt, dict) and fmt.get("type") == "text"):
        return None, echo
    kind = fmt.get("type") if isinstance(fmt, dict) else None
    if tools is not None and tools.active:
        raise ApiError(400, "tools cannot be combined with text.format; use one.", param="text.format")
    if kind == "json_object":
        return OutputFormat("json_object"), echo
    if kind == "json_schema" and isinstance(fmt.get("schema"), dict):
        name = fmt.get("name")
        return checked(OutputFormat("json_schema", json.dumps(fmt["schema"]), name=name if isinstance(name, str)
                                    else ""), "text.format"), echo
    raise ApiError(400, "text.format must be text, json_object or json_schema with a schema.", param="text.format")


def _continued(parsed: Parsed, store: Any) -> tuple[GenerationRequest, tuple[Message, ...]]:
    """The request with its whole conversation: a stored response's (its input and output, not its
    instructions) before this input; and that conversation, to store with this response."""
    earlier: tuple[Message, ...] = ()
    if parsed.previous:
        stored = store.get(parsed.previous)
        if stored is None:
            raise ApiError(400, f"Previous response with id '{parsed.previous}' not found (chatapp keeps recent "
                                "responses in memory, and not across restarts).", param="previous_response_id")
        earlier = stored.conversation
    whole = (*earlier, *parsed.messages)
    return replace(parsed.request, messages=conversation(list(whole), parsed.instructions, "input")), whole


# ----- the response ------------------------------------------------------------------------------------------
async def create(request: Request) -> Response:
    state = server_state(request)
    parsed = await asyncio.to_thread(parse, await request.body(), state.context_size)
    generation, conversation = _continued(parsed, state.responses)
    run = state.start(generation)
    response = _Response(parsed, run.model)
    if not parsed.stream:
        reply = await run.collect(request)
        body = response.finished(reply.done, response.items(reply))
        _keep(state, parsed, body, conversation, reply)
        return JSONResponse(body)

    async def events(stream: AsyncIterator[Event]) -> AsyncIterator[bytes]:
        async for chunk in response.events(stream):
            yield chunk
        if response.body is not None:
            _keep(state, parsed, response.body, conversation, response.reply())

    return await streamed(run, events, response.failed)


def _keep(state: Any, parsed: Parsed, body: dict[str, Any], conversation: tuple[Message, ...], reply: Reply) -> None:
    if parsed.store:
        said = Message("assistant", reply.text, tool_calls=reply.done.tool_calls, thinking=reply.thinking)
        state.responses.put(body, (*conversation, said))


async def retrieve(request: Request) -> Response:
    stored = server_state(request).responses.get(request.path_params["response_id"])
    if stored is None:
        raise _not_found(request.path_params["response_id"])
    return JSONResponse(stored.body)


async def delete(request: Request) -> Response:
    response_id = request.path_params["response_id"]
    if not server_state(request).responses.delete(response_id):
        raise _not_found(response_id)
    return JSONResponse({"id": response_id, "object": "response", "deleted": True})


def _not_found(response_id: str) -> ApiError:
    return ApiError(404, f"Response with id '{response_id}' not found (chatapp keeps recent responses in memory, "
                         "and not across restarts).", code="not_found")


class _Response:
    """One response's ids, object and event stream (one sequence counter; output items numbered in order)."""

    def __init__(self, parsed: Parsed, model: str) -> None:
        self.parsed = parsed
        self.id = f"resp_{uuid.uuid4().hex}"
        self.created = int(time.time())
        self.model = parsed.echo["model"] or model
        self.sequence = 0
        self.output: list[dict[str, Any]] = []
        self.body: dict[str, Any] | None = None  # the final object, once the stream finished
        self._text: list[str] = []
        self._thinking: list[str] = []
        self._done: Done | None = None

    def object(self, status: str, output: list[dict[str, Any]], usage: dict[str, Any] | None = None,
               done: Done | None = None) -> dict[str, Any]:
        cut = done is not None and done.stats is not None and done.stats.finish_reason in (
            FinishReason.LENGTH, FinishReason.CONTEXT_FULL)
        return {"id": self.id, "object": "response", "created_at": self.created, "status": status,
                "completed_at": int(time.time()) if status in ("completed", "incomplete") else None,
                "background": False, "error": None,
                "incomplete_details": {"reason": "max_output_tokens"} if cut else None,
                **self.parsed.echo, "model": self.model, "output": output, "usage": usage, "service_tier": "default"}

    def items(self, reply: Reply) -> list[dict[str, Any]]:
        items = []
        if reply.thinking:
            items.append(self._reasoning(reply.thinking, "completed"))
        if reply.text or not reply.done.tool_calls:
            items.append(self._message(reply.text, "completed"))
        items += [self._call(call, "completed") for call in reply.done.tool_calls]
        return items

    def finished(self, done: Done, output: list[dict[str, Any]]) -> dict[str, Any]:
        incomplete = done.stats is not None and done.stats.finish_reason in (FinishReason.LENGTH,
                                                                             FinishReason.CONTEXT_FULL)
        return self.object("incomplete" if incomplete else "completed", output, _usage(done), done)

    def reply(self) -> Reply:
        assert self._done is not None
        return Reply("".join(self._text), "".join(self._thinking).strip(), self._done)

    # ----- items
    @staticmethod
    def _reasoning(text: str, status: str, item_id: str = "") -> dict[str, Any]:
        return {"type": "reasoning", "id": item_id or f"rs_{uuid.uuid4().hex}", "summary": [],
                "content": [{"type": "reasoning_text", "text": text}] if text else [], "encrypted_content": None,
                "status": status}

    @staticmethod
    def _message(text: str, status: str, item_id: str = "") -> dict[str, Any]:
        content = [{"type": "output_text", "text": text, "annotations": [], "logprobs": []}] if status == "completed" \
            else []
        return {"type": "message", "id": item_id or f"msg_{uuid.uuid4().hex}", "status": status, "role": "assistant",
                "content": content}

    def _call(self, call: ToolCall, status: str, item_id: str = "") -> dict[str, Any]:
        item = {"type": "function_call", "id": item_id or f"fc_{uuid.uuid4().hex}", "call_id": call.id,
                "name": call.name, "arguments": call.arguments if status == "completed" else "", "status": status}
        if call.name in self.parsed.namespaces:
            item["namespace"], item["name"] = self.parsed.namespaces[call.name]
        return item

    # ----- the stream
    def event(self, kind: str, **payload: Any) -> bytes:
        data = frame({"type": kind, "sequence_number": self.sequence, **payload}, event=kind)
        self.sequence += 1
        return data

    def failed(self, error: ApiError) -> bytes:
        """A failure after the stream began: the response failed, with the error's code and sentence."""
        body = self.object("failed", self.output)
        body["error"] = {"code": error.code or error.kind, "message": error.message}
        return self.event("response.failed", response=body)

    async def events(self, stream: AsyncIterator[Event]) -> AsyncIterator[bytes]:
        yield self.event("response.created", response=self.object("in_progress", []))
        yield self.event("response.in_progress", response=self.object("in_progress", []))
        kind, item_id = "", ""  # the open item
        index = -1

        def close() -> list[bytes]:
            if kind == "reasoning":
                text = "".join(self._thinking).strip()
                item = self._reasoning(text, "completed", item_id)
                out = [self.event("response.reasoning_text.done", item_id=item_id, output_index=index,
                                  content_index=0, text=text)]
            else:
                text = "".join(self._text)
                item = self._message(text, "completed", item_id)
                part = item["content"][0]
                out = [self.event("response.output_text.done", item_id=item_id, output_index=index, content_index=0,
                                  text=text, logprobs=[]),
                       self.event("response.content_part.done", item_id=item_id, output_index=index, content_index=0,
                                  part=part)]
            self.output.append(item)
            return [*out, self.event("response.output_item.done", output_index=index, item=item)]

        def open_item(new: str) -> list[bytes]:
            nonlocal kind, item_id, index
            out = close() if kind else []
            kind, index = new, index + 1
            item = self._reasoning("", "in_progress") if new == "reasoning" else self._message("", "in_progress")
            item_id = item["id"]
            out.append(self.event("response.output_item.added", output_index=index, item=item))
            if new == "message":
                out.append(self.event("response.content_part.added", item_id=item_id, output_index=index,
                                      content_index=0, part={"type": "output_text", "text": "", "annotations": [],
                                                             "logprobs": []}))
            return out

        async for event in stream:
            if isinstance(event, ThinkingDelta):
                for chunk in open_item("reasoning") if kind != "reasoning" else []:
                    yield chunk
                self._thinking.append(event.text)
                yield self.event("response.reasoning_text.delta", item_id=item_id, output_index=index,
                                 content_index=0, delta=event.text)
            elif isinstance(event, TextDelta):
                for chunk in open_item("message") if kind != "message" else []:
                    yield chunk
                self._text.append(event.text)
                yield self.event("response.output_text.delta", item_id=item_id, output_index=index, content_index=0,
                                 delta=event.text, logprobs=[])
            elif isinstance(event, Done):
                self._done = event
                if not kind and not event.tool_calls:  # an empty reply is an empty message
                    for chunk in open_item("message"):
                        yield chunk
                for chunk in close() if kind else []:
                    yield chunk
                for call in event.tool_calls:  # whole, so the arguments a client sees are the valid ones
                    index += 1
                    item = self._call(call, "in_progress")
                    yield self.event("response.output_item.added", output_index=index, item=item)
                    yield self.event("response.function_call_arguments.delta", item_id=item["id"],
                                     output_index=index, delta=call.arguments)
                    yield self.event("response.function_call_arguments.done", item_id=item["id"],
                                     output_index=index, name=item["name"], arguments=call.arguments)
                    done_item = self._call(call, "completed", item["id"])
                    self.output.append(done_item)
                    yield self.event("response.output_item.done", output_index=index, item=done_item)
                self.body = self.finished(event, self.output)
                final = "response.incomplete" if self.body["status"] == "incomplete" else "response.completed"
                yield self.event(final, response=self.body)


def _usage(done: Done) -> dict[str, Any]:
    stats = done.stats
    prompt = stats.prompt_tokens if stats else 0
    completion = stats.completion_tokens if stats else 0
    cached = prompt - stats.prompt_tokens_evaluated if stats else 0
    return {"input_tokens": prompt, "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
            "output_tokens": completion, "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": prompt + completion}


DIALECT = Dialect("openai-responses", (Route("/v1/responses", create, methods=["POST"]),
                                       Route("/v1/responses/{response_id}", retrieve, methods=["GET"]),
                                       Route("/v1/responses/{response_id}", delete, methods=["DELETE"])),
                  error_body=openai_body)
