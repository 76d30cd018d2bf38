"""What the history holds, as frozen values: conversations, messages, search hits, branches."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chatapp.core.types import Message, ToolCall

STREAMING, COMPLETE, INTERRUPTED, CANCELLED = "streaming", "complete", "interrupted", "cancelled"


@dataclass(frozen=True)
class StoredMessage:
    id: str
    conversation_id: str
    parent_id: str | None
    role: str
    content: str
    created_at: float
    status: str = COMPLETE
    stats: dict[str, Any] = field(default_factory=dict, compare=False)
    model: str = ""
    tool_calls: tuple[ToolCall, ...] = ()  # an assistant's calls
    tool: dict[str, Any] = field(default_factory=dict, compare=False)  # a result's call_id, name, server, error

    def engine_message(self) -> Message:
        """As the model is sent it."""
        if self.role == "tool":
            return Message("tool", self.content, tool_call_id=str(self.tool.get("call_id", "")),
                           name=str(self.tool.get("name", "")))
        return Message(self.role, self.content, tool_calls=self.tool_calls)  # type: ignore[arg-type]


@dataclass(frozen=True)
class Conversation:
    id: str
    title: str
    created_at: float
    updated_at: float
    model: str = ""
    settings: dict[str, Any] = field(default_factory=dict, compare=False)
    system_prompt: str = ""
    template: str = "auto"
    active_leaf: str | None = None
    pinned: bool = False
    archived: bool = False


@dataclass(frozen=True)
class SearchHit:
    conversation_id: str
    conversation_title: str
    message_id: str
    role: str
    snippet: str  # hit terms wrapped in [[ ]] (the UI turns them into highlights)


@dataclass(frozen=True)
class Branch:
    """Where a message sits among its siblings: ‹ index+1 / count ›."""

    index: int
    count: int
    sibling_ids: tuple[str, ...]


def conversation_from_row(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"], title=row["title"], created_at=row["created_at"], updated_at=row["updated_at"],
        model=row["model"], settings=json.loads(row["settings_json"]), system_prompt=row["system_prompt"],
        template=row["template"], active_leaf=row["active_leaf"],
        pinned=bool(row["pinned"]), archived=bool(row["archived"]),
    )


def message_from_row(row: sqlite3.Row) -> StoredMessage:
    return StoredMessage(
        id=row["id"], conversation_id=row["conversation_id"], parent_id=row["parent_id"], role=row["role"],
        content=row["content"], created_at=row["created_at"], status=row["status"],
        stats=json.loads(row["stats_json"]), model=row["model"],
        tool_calls=calls_from_json(row["tool_calls_json"]), tool=json.loads(row["tool_json"]),
    )


def calls_to_json(calls: Sequence[ToolCall]) -> str:
    return json.dumps([{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls], ensure_ascii=False)


def calls_from_json(text: str) -> tuple[ToolCall, ...]:
    return tuple(ToolCall(str(c["id"]), str(c["name"]), str(c.get("arguments", "{}")))
                 for c in json.loads(text or "[]"))


def to_engine_messages(system_prompt: str, path: Sequence[StoredMessage]) -> list[Message]:
    """The active path as engine messages (the system prompt first when set)."""
    out = [Message("system", system_prompt)] if system_prompt else []
    out += [m.engine_message() for m in path if m.role in ("user", "assistant", "tool")]
    return out
