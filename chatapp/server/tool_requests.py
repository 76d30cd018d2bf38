"""Tools in OpenAI's request shape: `tools`, `tool_choice`, `parallel_tool_calls`, and messages that
carry an assistant's `tool_calls` or a tool's result — validated field by field with pydantic (the shapes
in tool_shapes.py, imported only when a request has tools), each failure one sentence naming the part
(`tools[1].function.name`…)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from chatapp.core.types import ToolCall, ToolSet, ToolSpec
from chatapp.server.limits import MAX_TOOLS

if TYPE_CHECKING:
    from pydantic import ValidationError


class ToolRequestError(ValueError):
    """A tool part of the request that cannot be used; `param` names it."""

    def __init__(self, message: str, param: str) -> None:
        super().__init__(message)
        self.param = param


def _where(error: dict[str, Any], prefix: str) -> str:
    parts = [prefix]
    for loc in error.get("loc", ()):
        parts.append(f"[{loc}]" if isinstance(loc, int) else f".{loc}")
    return "".join(parts)


def _first_problem(exc: ValidationError, prefix: str) -> ToolRequestError:
    error = exc.errors()[0]
    where = _where(dict(error), prefix)
    return ToolRequestError(f"{where}: {error['msg']}.", where)


def tool_set(body: dict[str, Any]) -> ToolSet | None:
    """The request's tools and how they may be called; None without tools."""
    raw = body.get("tools")
    if raw in (None, []):
        if body.get("tool_choice") not in (None, "none", "auto"):
            raise ToolRequestError("tool_choice needs tools.", "tool_choice")
        return None
    if not isinstance(raw, list):
        raise ToolRequestError("tools must be a list of {type: function, function: {name, parameters}}.", "tools")
    if len(raw) > MAX_TOOLS:
        raise ToolRequestError(f"tools has {len(raw)} tools; send at most {MAX_TOOLS}.", "tools")
    from pydantic import ValidationError

    from chatapp.server.tool_shapes import Tool

    specs = []
    for i, item in enumerate(raw):
        try:
            tool = Tool.model_validate(item)
        except ValidationError as exc:
            raise _first_problem(exc, f"tools[{i}]") from None
        specs.append(ToolSpec(tool.function.name, tool.function.description, json.dumps(tool.function.parameters)))
    names = [s.name for s in specs]
    if len(set(names)) != len(names):
        raise ToolRequestError("tools: two tools have the same name.", "tools")
    choice = body.get("tool_choice", "auto")
    if isinstance(choice, dict):
        function = choice.get("function") if choice.get("type") == "function" else None
        choice = function.get("name") if isinstance(function, dict) else None
        if choice not in names:
            raise ToolRequestError("tool_choice must name one of the tools.", "tool_choice")
    elif choice not in ("auto", "none", "required"):
        raise ToolRequestError("tool_choice must be auto, none, required or {type: function, function: {name}}.",
                               "tool_choice")
    parallel = body.get("parallel_tool_calls", True)
    if not isinstance(parallel, bool):
        raise ToolRequestError("parallel_tool_calls must be true or false.", "parallel_tool_calls")
    return ToolSet(tuple(specs), str(choice), parallel)


def assistant_calls(raw: Any, index: int) -> tuple[ToolCall, ...]:
    """An assistant message's `tool_calls`, checked (their arguments must be JSON objects)."""
    if raw in (None, []):
        return ()
    if not isinstance(raw, list):
        raise ToolRequestError(f"messages[{index}].tool_calls must be a list.", f"messages[{index}].tool_calls")
    from pydantic import ValidationError

    from chatapp.server.tool_shapes import Call

    calls = []
    for j, item in enumerate(raw):
        prefix = f"messages[{index}].tool_calls[{j}]"
        try:
            call = Call.model_validate(item)
        except ValidationError as exc:
            raise _first_problem(exc, prefix) from None
        try:
            arguments = json.loads(call.function.arguments or "{}")
        except ValueError:
            arguments = None
        if not isinstance(arguments, dict):
            raise ToolRequestError(f"{prefix}.function.arguments must be a JSON object as a string.",
                                   f"{prefix}.function.arguments")
        calls.append(ToolCall(call.id, call.function.name, json.dumps(arguments, ensure_ascii=False)))
    return tuple(calls)
