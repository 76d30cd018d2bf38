"""A conversation as a file: JSON (the whole tree, ids made local, re-imported as a new conversation)
and Markdown (the active path, for reading). A message's images travel inside the JSON (base64), so
one file holds the whole conversation."""

from __future__ import annotations

import base64
import binascii
import json
import sqlite3
import uuid
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chatapp.core import reasoning
from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.images import MAX_IMAGES_PER_MESSAGE, ImageError, image_from_bytes
from chatapp.core.storage.history.records import (
    INTERRUPTED,
    Conversation,
    StoredMessage,
    calls_from_json,
    images_from_json,
    images_to_json,
)

if TYPE_CHECKING:
    from chatapp.core.storage.history.store import HistoryStore
    from chatapp.core.types import Image

EXPORT_FORMAT = "chatapp.conversation"
EXPORT_VERSION = 1


def export_json(store: HistoryStore, conv_id: str) -> dict[str, Any]:
    """OpenAI-style `messages` (the active path) plus the settings and the whole tree, ids made local."""
    conv = store.conversation(conv_id)
    rows = store.db.execute(
        "SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, rowid", (conv_id,)
    ).fetchall()
    local = {r["id"]: f"m{i}" for i, r in enumerate(rows)}
    path = store.active_path(conv_id)
    messages = [{"role": "system", "content": conv.system_prompt}] if conv.system_prompt else []
    messages += [_openai_message(m, store) for m in path]
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "title": conv.title,
        "created_at": conv.created_at,
        "updated_at": conv.updated_at,
        "model": conv.model,
        "template": conv.template,
        "system_prompt": conv.system_prompt,
        "settings": conv.settings,
        "pinned": conv.pinned,
        "messages": messages,
        "tree": [
            {
                "id": local[r["id"]],
                "parent": local.get(r["parent_id"]) if r["parent_id"] else None,
                "role": r["role"],
                "content": r["content"],
                **({"thinking": r["thinking"]} if r["thinking"] else {}),
                "created_at": r["created_at"],
                "status": r["status"],
                "model": r["model"],
                "stats": json.loads(r["stats_json"]),
                **({"tool_calls": json.loads(r["tool_calls_json"])} if r["tool_calls_json"] != "[]" else {}),
                **({"tool": json.loads(r["tool_json"])} if r["tool_json"] != "{}" else {}),
                **({"images": _exported_images(store, r["images_json"])} if r["images_json"] != "[]" else {}),
            }
            for r in rows
        ],
        "active_leaf": local.get(conv.active_leaf) if conv.active_leaf else None,
    }

class _ExportedImage(BaseModel):
    model_config = ConfigDict(extra="ignore")
    mime: str
    data: str  # base64 of the file


class _Node(BaseModel):
    model_config = ConfigDict(extra="ignore")
    id: str = Field(min_length=1)
    parent: str | None = None
    role: Literal["system", "user", "assistant", "tool"]
    content: str
    thinking: str = ""
    created_at: float
    status: Literal["complete", "streaming", "interrupted", "cancelled"] = "complete"
    model: str = ""
    stats: dict[str, Any] = Field(default_factory=dict)
    tool_calls: list[dict[str, Any]] = Field(default_factory=list)
    tool: dict[str, Any] = Field(default_factory=dict)
    images: list[_ExportedImage] = Field(default_factory=list, max_length=MAX_IMAGES_PER_MESSAGE)


class _Export(BaseModel):
    model_config = ConfigDict(extra="ignore")
    format: Literal["chatapp.conversation"]
    version: int = Field(ge=0)
    title: str
    created_at: float
    updated_at: float
    model: str = ""
    template: str = "auto"
    system_prompt: str = ""
    settings: dict[str, Any] = Field(default_factory=dict)
    pinned: bool = False
    tree: list[_Node]
    active_leaf: str | None = None


def _damaged(reason: object) -> KnownError:
    return KnownError(QT_TRANSLATE_NOOP("core", "This conversation export is damaged ({reason}); nothing was "
                                        "imported."), reason=reason)


def _validated(data: Any) -> _Export:
    """The export checked field by field: the first problem named (`tree[3].role: ...`)."""
    if not isinstance(data, dict) or data.get("format") != EXPORT_FORMAT:
        raise KnownError(
            QT_TRANSLATE_NOOP("core", "This file is not a chatapp conversation export (JSON with format "
                              "'chatapp.conversation').")
        )
    if isinstance(data.get("version"), int) and data["version"] > EXPORT_VERSION:
        raise KnownError(QT_TRANSLATE_NOOP("core", "This conversation was exported by a newer chatapp; update "
                                           "chatapp to import it."))
    try:
        export = _Export.model_validate(data)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = "".join(f"[{p}]" if isinstance(p, int) else (f".{p}" if i else str(p))
                        for i, p in enumerate(error["loc"]))
        raise _damaged(f"{where}: {error['msg']}") from None
    seen: set[str] = set()
    for i, node in enumerate(export.tree):
        if node.id in seen:
            raise _damaged(f"tree[{i}].id repeats {node.id!r}")
        if node.parent is not None and node.parent not in seen:
            raise _damaged(f"tree[{i}].parent {node.parent!r} is not an earlier message")
        seen.add(node.id)
        try:
            calls_from_json(json.dumps(node.tool_calls))
        except (KeyError, TypeError, ValueError):
            raise _damaged(f"tree[{i}].tool_calls: each needs an id, a name and arguments") from None
    return export


def import_json(store: HistoryStore, data: Any) -> Conversation:
    """Recreate an exported conversation (as a new conversation, with new ids)."""
    export = _validated(data)
    pictures = [_imported_images(node, i) for i, node in enumerate(export.tree)]  # all checked before any is kept
    try:
        store.db.execute("BEGIN IMMEDIATE")
        conv_id = uuid.uuid4().hex
        store.db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at, model, settings_json, system_prompt,"
            " template, pinned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conv_id, export.title, export.created_at, export.updated_at, export.model,
             json.dumps(export.settings), export.system_prompt, export.template, int(export.pinned)),
        )
        new_ids: dict[str, str] = {}
        for node, images in zip(export.tree, pictures, strict=True):
            new_ids[node.id] = uuid.uuid4().hex
            thinking, content = node.thinking, node.content
            if node.role == "assistant" and not thinking and reasoning.CLOSE in content:  # an older chatapp's
                parts = reasoning.split(content)  # export kept the thinking inside the text
                thinking, content = parts.thinking, parts.answer
            store.db.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, status,"
                " stats_json, model, tool_calls_json, tool_json, images_json, thinking)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new_ids[node.id], conv_id, new_ids[node.parent] if node.parent else None, node.role,
                 content, node.created_at, node.status, json.dumps(node.stats), node.model,
                 json.dumps(node.tool_calls, ensure_ascii=False), json.dumps(node.tool, ensure_ascii=False),
                 images_to_json([store.images.save(image) for image in images]), thinking),
            )
        leaf = new_ids.get(export.active_leaf or "")
        store.db.execute("UPDATE conversations SET active_leaf = ? WHERE id = ?", (leaf, conv_id))
        store.db.execute("COMMIT")
    except sqlite3.IntegrityError as exc:
        store.db.execute("ROLLBACK")
        raise _damaged(exc) from None
    return store.conversation(conv_id)


def _exported_images(store: HistoryStore, images_json: str) -> list[dict[str, str]]:
    """A message's images as the export carries them (one that went missing is left out)."""
    return [{"mime": image.mime, "data": base64.b64encode(image.data).decode()}
            for ref in images_from_json(images_json) if (image := store.images.load(ref)) is not None]


def _imported_images(node: _Node, index: int) -> list[Image]:
    images = []
    for n, picture in enumerate(node.images):
        try:
            data = base64.b64decode(picture.data, validate=True)
            images.append(image_from_bytes(data, f"tree[{index}].images[{n}]"))
        except (binascii.Error, ValueError):
            raise _damaged(f"tree[{index}].images[{n}].data is not base64") from None
        except ImageError as exc:
            raise _damaged(str(exc)) from None
    return images


def _openai_message(m: StoredMessage, store: HistoryStore) -> dict[str, Any]:
    """A message of the active path in OpenAI's shape (calls, results and images included)."""
    message: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.thinking:
        message["reasoning_content"] = m.thinking
    if m.images:
        parts: list[dict[str, Any]] = [
            {"type": "image_url", "image_url": {"url": f"data:{picture['mime']};base64,{picture['data']}"}}
            for picture in _exported_images(store, images_to_json(m.images))]
        message["content"] = [*parts, {"type": "text", "text": m.content}]
    if m.tool_calls:
        message["tool_calls"] = [{"id": c.id, "type": "function", "function": {"name": c.name,
                                                                                "arguments": c.arguments}}
                                 for c in m.tool_calls]
    if m.role == "tool":
        message["tool_call_id"] = m.tool.get("call_id", "")
    return message


def export_markdown(store: HistoryStore, conv_id: str, with_thinking: bool = False) -> str:
    """The active path as Markdown. A reasoning model's thinking is left out unless asked (as a
    quoted block before the answer); the JSON export always keeps it."""
    conv = store.conversation(conv_id)
    lines = [f"# {conv.title}", ""]
    meta = [f"- Model: {conv.model or 'unknown'}", f"- Template: {conv.template}"]
    meta += [f"- {k}: {v}" for k, v in sorted(conv.settings.items())]
    lines += [*meta, ""]
    if conv.system_prompt:
        lines += ["## System", "", conv.system_prompt, ""]
    for m in store.active_path(conv_id):
        if m.role == "tool":  # a tool's result, under the call it answers
            name = m.tool.get("name", "tool")
            lines += [f"### Result of {name}" + (" (failed)" if m.tool.get("is_error") else ""), "", "```",
                      m.content, "```", ""]
            continue
        heading = {"user": "## You", "assistant": "## Assistant", "system": "## System"}[m.role]
        if m.status == INTERRUPTED:
            heading += " (interrupted)"
        if with_thinking and m.thinking:
            lines += [heading, "", *("> " + line for line in m.thinking.splitlines()), "", m.content, ""]
        else:
            lines += [heading, "", m.content, ""]
        for call in m.tool_calls:
            lines += [f"### Call: {call.name}", "", "```json", call.arguments, "```", ""]
        if m.stats.get("tokens_per_s"):
            lines += [f"*{m.stats.get('completion_tokens', 0)} tokens, {m.stats['tokens_per_s']:.1f} tok/s*", ""]
    return "\n".join(lines)
