"""The shapes of OpenAI's `tools` entries and of an assistant message's `tool_calls`, as pydantic models.

A module of its own so that pydantic (~0.2 s to import) is loaded with the first request that carries
tools, not at start-up: tool_requests.py imports it there.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

NAME_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"  # OpenAI's rule for function names


class Function(BaseModel):
    model_config = ConfigDict(extra="allow")
    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    parameters: dict[str, Any] = Field(default_factory=lambda: {"type": "object", "properties": {}})
    strict: bool | None = None


class Tool(BaseModel):
    type: Literal["function"]
    function: Function


class CallFunction(BaseModel):
    name: str
    arguments: str = "{}"


class Call(BaseModel):
    model_config = ConfigDict(extra="allow")
    id: str
    type: Literal["function"] = "function"
    function: CallFunction
