"""A conversation as a file: JSON (the whole tree, ids made local, re-imported as a new conversation)
and Markdown (the active path, for reading). A message's images travel inside the JSON (base64), so
one file holds the whole conversation."""

from __future__ import annotations

import base64
import binascii
import json
import logging
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from chatapp.core import reasoning
from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.images import MAX_IMAGES_PER_MESSAGE, ImageError, image_from_bytes, recording_from_bytes
from chatapp.core.storage.history import token_view
from chatapp.core.storage.history.records import (
    INTERRUPTED,
    Conversation,
    Project,
    StoredMessage,
    calls_from_json,
)

if TYPE_CHECKING:
    from chatapp.core.storage.history.store import HistoryStore
    from chatapp.core.storage.images import ImageRef
    from chatapp.core.types import Attachment

log = logging.getLogger(__name__)

EXPORT_FORMAT = "chatapp.conversation"
EXPORT_VERSION = 1
MAX_VIEW_CHARS = 8 * 1024 * 1024  # a reply's token view in base64 (a 32k-token reply's is ~1 MB)


def export_json(store: HistoryStore, conv_id: str) -> dict[str, Any]:
    """OpenAI-style `messages` (the active path) plus the settings and the whole tree, ids made local."""
    conv = store.conversation(conv_id)
    tree = store.tree(conv_id)
    local = {m.id: f"m{i}" for i, m in enumerate(tree)}
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
        "tree": [_exported_node(m, local, store) for m in tree],
        "active_leaf": local.get(conv.active_leaf) if conv.active_leaf else None,
    }


def _exported_node(m: StoredMessage, local: dict[str, str], store: HistoryStore) -> dict[str, Any]:
    """A message of the tree as the export carries it (its id and parent's made local)."""
    return {
        "id": local[m.id],
        "parent": local.get(m.parent_id) if m.parent_id else None,
        "role": m.role,
        "content": m.content,
        **({"thinking": m.thinking} if m.thinking else {}),
        "created_at": m.created_at,
        "status": m.status,
        "model": m.model,
        "stats": m.stats,
        **({"tool_calls": [{"id": c.id, "name": c.name, "arguments": c.arguments} for c in m.tool_calls]}
           if m.tool_calls else {}),
        **({"tool": m.tool} if m.tool else {}),
        **({"images": _exported_images(store, m.images)} if m.images else {}),
        **({"token_view": base64.b64encode(view).decode()} if (view := store.token_view_blob(m.id)) else {}),
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
    token_view: str = Field("", max_length=MAX_VIEW_CHARS)  # how each token was chosen: base64 of the stored view


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
    """Recreate an exported conversation (as a new conversation, with new ids), all or nothing."""
    export = _validated(data)
    pictures = {node.id: _imported_images(node, i)  # all checked before any is kept
                for i, node in enumerate(export.tree) if node.images}
    conversation = Conversation(
        id="", title=export.title, created_at=export.created_at, updated_at=export.updated_at, model=export.model,
        settings=export.settings, system_prompt=export.system_prompt, template=export.template,
        active_leaf=export.active_leaf, pinned=export.pinned,
    )
    messages = [
        StoredMessage(id=node.id, conversation_id="", parent_id=node.parent, role=node.role, content=content,
                      created_at=node.created_at, status=node.status, stats=node.stats, model=node.model,
                      tool_calls=calls_from_json(json.dumps(node.tool_calls)), tool=node.tool, thinking=thinking)
        for node in export.tree for thinking, content in [_thinking_apart(node)]
    ]
    views = {node.id: view for node in export.tree if node.token_view and (view := _imported_view(node))}
    try:
        return store.insert_tree(conversation, messages, pictures, views)
    except ValueError as exc:  # a value the history refuses (the tree itself was checked above)
        raise _damaged(exc) from None


def _imported_view(node: _Node) -> bytes | None:
    """A reply's token view as the export carries it; one that cannot be read is left out (a view is
    never worth refusing a conversation for)."""
    try:
        blob = base64.b64decode(node.token_view, validate=True)
    except (binascii.Error, ValueError):
        blob = b""
    if token_view.decode(blob) is None:
        log.warning("import: the token view of %s cannot be read; left out", node.id)
        return None
    return blob


def _thinking_apart(node: _Node) -> tuple[str, str]:
    """(thinking, answer): an older chatapp's export kept a reasoning model's thinking inside the text."""
    if node.role == "assistant" and not node.thinking and reasoning.CLOSE in node.content:
        parts = reasoning.split(node.content)
        return parts.thinking, parts.answer
    return node.thinking, node.content


def _exported_images(store: HistoryStore, refs: Sequence[ImageRef]) -> list[dict[str, str]]:
    """A message's images as the export carries them (one that went missing is left out)."""
    return [{"mime": image.mime, "data": base64.b64encode(image.data).decode()}
            for ref in refs if (image := store.images.load(ref)) is not None]


def _imported_images(node: _Node, index: int) -> list[Attachment]:
    images = []
    for n, picture in enumerate(node.images):
        try:
            data = base64.b64decode(picture.data, validate=True)
            where = f"tree[{index}].images[{n}]"  # recordings travel with the images
            images.append(recording_from_bytes(data, where) if picture.mime.startswith("audio/")
                          else image_from_bytes(data, where))
        except (binascii.Error, ValueError):
            raise _damaged(f"tree[{index}].images[{n}].data is not base64") from None
        except ImageError as exc:
            raise _damaged(str(exc)) from None
    return images


_FORMATS = {"audio/wav": "wav", "audio/mpeg": "mp3", "audio/flac": "flac"}  # a recording as `input_audio`


def _openai_message(m: StoredMessage, store: HistoryStore) -> dict[str, Any]:
    """A message of the active path in OpenAI's shape (calls, results and images included)."""
    message: dict[str, Any] = {"role": m.role, "content": m.content}
    if m.thinking:
        message["reasoning_content"] = m.thinking
    if m.images:
        parts: list[dict[str, Any]] = [
            {"type": "input_audio", "input_audio": {"data": picture["data"], "format": _FORMATS[picture["mime"]]}}
            if picture["mime"] in _FORMATS else
            {"type": "image_url", "image_url": {"url": f"data:{picture['mime']};base64,{picture['data']}"}}
            for picture in _exported_images(store, m.images)]
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


PROJECT_FORMAT = "chatapp-project"


def _damaged_project(reason: str) -> KnownError:
    return KnownError(QT_TRANSLATE_NOOP("core", "This project export cannot be imported ({reason}); nothing was "
                                        "imported."), reason=reason)


def export_project(store: HistoryStore, project_id: str) -> dict[str, Any]:
    """A project (name, instructions, settings) and every chat in it, each as `export_json` writes it."""
    project = store.project(project_id)
    chats = [c for c in store.conversations(include_archived=True) if c.project_id == project_id]
    return {"format": PROJECT_FORMAT, "version": 1,
            "project": {"name": project.name, "instructions": project.instructions, "settings": project.settings},
            "conversations": [export_json(store, c.id) for c in chats]}


def import_project(store: HistoryStore, data: Any) -> Project:
    """Recreate an exported project with its chats (new ids), all or nothing: every chat is checked before
    anything is written, and a failure part-way takes back what was written."""
    if not isinstance(data, dict) or data.get("format") != PROJECT_FORMAT or not isinstance(data.get("project"), dict):
        raise _damaged_project("it is not a chatapp project export")
    about = data["project"]
    chats = data.get("conversations")
    if not isinstance(about.get("name"), str) or not isinstance(chats, list):
        raise _damaged_project("the project has no name or no list of chats")
    for chat in chats:
        _validated(chat)
    settings = about.get("settings") if isinstance(about.get("settings"), dict) else {}
    instructions = about.get("instructions") if isinstance(about.get("instructions"), str) else ""
    project = store.create_project(about["name"], instructions, settings)
    imported: list[str] = []
    try:
        for chat in chats:
            conversation = import_json(store, chat)
            imported.append(conversation.id)
            store.move_conversation(conversation.id, project.id)
    except BaseException:
        for conv_id in imported:
            store.delete_conversation(conv_id)
        store.delete_project(project.id)
        raise
    return project
