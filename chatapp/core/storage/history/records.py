"""What the history holds, as frozen values: conversations, messages, search hits, branches."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from chatapp.core.storage.images import ImageRef, ImageStore
from chatapp.core.types import Message, ToolCall

log = logging.getLogger(__name__)
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
    images: tuple[ImageRef, ...] = ()  # a user message's images (files in the history's ImageStore)
    thinking: str = ""  # a reasoning model's thinking before its answer (`content`)
    has_token_view: bool = False  # written with the token view on: HistoryStore.token_view has how

    def engine_message(self, images: ImageStore | None = None) -> Message:
        """As the model is sent it (with its images read from `images`)."""
        if self.role == "tool":
            return Message("tool", self.content, tool_call_id=str(self.tool.get("call_id", "")),
                           name=str(self.tool.get("name", "")))
        loaded = tuple(i for ref in self.images if (i := images.load(ref)) is not None) if images else ()
        return Message(self.role, self.content, tool_calls=self.tool_calls, attachments=loaded,  # type: ignore[arg-type]
                       thinking=self.thinking)


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
    project_id: str | None = None  # the project it belongs to, if any


@dataclass(frozen=True)
class Project:
    """Chats that share instructions (their system prompt), document collections, tools and settings."""

    id: str
    name: str
    instructions: str = ""
    # A settings layer, stored; beside it (keys a layer does not read) the project's preset and model.
    settings: dict[str, Any] = field(default_factory=dict, compare=False)
    created_at: float = 0.0

    @property
    def preset(self) -> str:
        """The preset under the project's own settings (its name; "" for none)."""
        return _text(self.settings.get(PROJECT_PRESET))

    @property
    def model(self) -> str:
        """The model its chats are answered by (a file path; "" for whichever is loaded)."""
        return _text(self.settings.get(PROJECT_MODEL))


PROJECT_PRESET = "preset"
PROJECT_MODEL = "model"


def _text(value: Any) -> str:
    return value if isinstance(value, str) else ""


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


def json_object(text: Any, where: str) -> dict[str, Any]:
    """A JSON column that should hold an object; a damaged one (edited by hand, another program) reads
    as empty instead of making the whole conversation unreadable."""
    try:
        value = json.loads(text) if text else {}
    except (TypeError, ValueError):
        value = None
    if not isinstance(value, dict):
        log.warning("history: %s is not a JSON object (%.60r); read as empty", where, text)
        return {}
    return value


def conversation_from_row(row: sqlite3.Row) -> Conversation:
    settings = json_object(row["settings_json"], f"conversation {row['id']} settings")
    return Conversation(
        id=row["id"], title=row["title"], created_at=row["created_at"], updated_at=row["updated_at"],
        model=row["model"], settings=settings, system_prompt=row["system_prompt"],
        template=row["template"], active_leaf=row["active_leaf"],
        pinned=bool(row["pinned"]), archived=bool(row["archived"]),
        project_id=row["project_id"] if "project_id" in row.keys() else None,  # noqa: SIM118 (keys of a Row)
    )


def project_from_row(row: sqlite3.Row) -> Project:
    return Project(id=row["id"], name=row["name"], instructions=row["instructions"],
                   settings=json_object(row["settings_json"], f"project {row['id']} settings"),
                   created_at=row["created_at"])


def message_from_row(row: sqlite3.Row) -> StoredMessage:
    return StoredMessage(
        id=row["id"], conversation_id=row["conversation_id"], parent_id=row["parent_id"], role=row["role"],
        content=row["content"], created_at=row["created_at"], status=row["status"],
        stats=json_object(row["stats_json"], f"message {row['id']} stats"), model=row["model"],
        tool_calls=calls_from_json(row["tool_calls_json"]),
        tool=json_object(row["tool_json"], f"message {row['id']} tool"),
        images=images_from_json(row["images_json"]), thinking=row["thinking"],
        # (a sqlite3.Row tests `in` against its values, so its keys are asked; a narrower SELECT has no view)
        has_token_view="token_view" in row.keys() and row["token_view"] is not None,  # noqa: SIM118
    )


def images_to_json(images: Sequence[ImageRef]) -> str:
    return json.dumps([i.to_dict() for i in images])


def images_from_json(text: str) -> tuple[ImageRef, ...]:
    """A message's stored images; damaged entries are left out (logged), the message stays readable."""
    raw = _json_list(text, "images")
    refs = [ImageRef(i["sha256"], str(i.get("mime", "image/png"))) for i in raw
            if isinstance(i, dict) and isinstance(i.get("sha256"), str) and len(i["sha256"]) == 64]
    if len(refs) != len(raw):
        log.warning("history: %d damaged image entries left out", len(raw) - len(refs))
    return tuple(refs)


def _json_list(text: str, what: str) -> list[Any]:
    """A stored JSON list; anything else is logged and read as an empty one."""
    try:
        raw = json.loads(text or "[]")
    except ValueError:
        raw = None
    if not isinstance(raw, list):
        log.warning("history: %s are not a JSON list (%.60r); read as none", what, text)
        return []
    return raw


def calls_to_json(calls: Sequence[ToolCall]) -> str:
    return json.dumps([{"id": c.id, "name": c.name, "arguments": c.arguments} for c in calls], ensure_ascii=False)


def calls_from_json(text: str) -> tuple[ToolCall, ...]:
    """An assistant's stored calls; damaged entries are left out (logged), the message stays readable."""
    raw = _json_list(text, "tool calls")
    calls = [ToolCall(str(c["id"]), str(c["name"]), str(c.get("arguments", "{}")))
             for c in raw if isinstance(c, dict) and "id" in c and "name" in c]
    if len(calls) != len(raw):
        log.warning("history: %d damaged tool calls left out", len(raw) - len(calls))
    return tuple(calls)


def to_engine_messages(system_prompt: str, path: Sequence[StoredMessage],
                       images: ImageStore | None = None) -> list[Message]:
    """The active path as engine messages (the system prompt first when set), images read from `images`."""
    out = [Message("system", system_prompt)] if system_prompt else []
    out += [m.engine_message(images) for m in path if m.role in ("user", "assistant", "tool")]
    return out
