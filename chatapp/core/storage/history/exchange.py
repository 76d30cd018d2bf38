"""A conversation as a file: JSON (the whole tree, ids made local, re-imported as a new conversation)
and Markdown (the active path, for reading)."""

from __future__ import annotations

import json
import sqlite3
import uuid
from typing import TYPE_CHECKING, Any

from chatapp.core import reasoning
from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.storage.history.records import COMPLETE, INTERRUPTED, Conversation

if TYPE_CHECKING:
    from chatapp.core.storage.history.store import HistoryStore

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
    messages += [{"role": m.role, "content": m.content} for m in path]
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
                "created_at": r["created_at"],
                "status": r["status"],
                "model": r["model"],
                "stats": json.loads(r["stats_json"]),
            }
            for r in rows
        ],
        "active_leaf": local.get(conv.active_leaf) if conv.active_leaf else None,
    }

def import_json(store: HistoryStore, data: dict[str, Any]) -> Conversation:
    """Recreate an exported conversation (as a new conversation, with new ids)."""
    if data.get("format") != EXPORT_FORMAT or not isinstance(data.get("tree"), list):
        raise KnownError(
            QT_TRANSLATE_NOOP("core", "This file is not a chatapp conversation export (JSON with format "
                              "'chatapp.conversation').")
        )
    if int(data.get("version", 0)) > EXPORT_VERSION:
        raise KnownError(QT_TRANSLATE_NOOP("core", "This conversation was exported by a newer chatapp; update "
                                           "chatapp to import it."))
    try:
        store.db.execute("BEGIN IMMEDIATE")
        conv_id = uuid.uuid4().hex
        store.db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at, model, settings_json, system_prompt,"
            " template, pinned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conv_id, data["title"], data["created_at"], data["updated_at"], data.get("model", ""),
             json.dumps(data.get("settings", {})), data.get("system_prompt", ""), data.get("template", "auto"),
             int(bool(data.get("pinned")))),
        )
        new_ids: dict[str, str] = {}
        for node in data["tree"]:
            new_ids[node["id"]] = uuid.uuid4().hex
            store.db.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, status,"
                " stats_json, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (new_ids[node["id"]], conv_id, new_ids[node["parent"]] if node["parent"] else None,
                 node["role"], node["content"], node["created_at"], node.get("status", COMPLETE),
                 json.dumps(node.get("stats", {})), node.get("model", "")),
            )
        leaf = new_ids.get(data.get("active_leaf") or "")
        store.db.execute("UPDATE conversations SET active_leaf = ? WHERE id = ?", (leaf, conv_id))
        store.db.execute("COMMIT")
    except (KeyError, TypeError, sqlite3.IntegrityError) as exc:
        store.db.execute("ROLLBACK")
        raise KnownError(QT_TRANSLATE_NOOP("core", "This conversation export is damaged ({reason}); nothing was "
                                           "imported."), reason=exc) from None
    return store.conversation(conv_id)

def export_markdown(store: HistoryStore, conv_id: str, with_thinking: bool = False) -> str:
    """The active path as Markdown. A reasoning model's thinking is left out unless asked (as a
    quoted block before the answer); the JSON export always keeps messages whole."""
    conv = store.conversation(conv_id)
    lines = [f"# {conv.title}", ""]
    meta = [f"- Model: {conv.model or 'unknown'}", f"- Template: {conv.template}"]
    meta += [f"- {k}: {v}" for k, v in sorted(conv.settings.items())]
    lines += [*meta, ""]
    if conv.system_prompt:
        lines += ["## System", "", conv.system_prompt, ""]
    for m in store.active_path(conv_id):
        heading = {"user": "## You", "assistant": "## Assistant", "system": "## System"}[m.role]
        if m.status == INTERRUPTED:
            heading += " (interrupted)"
        parts = reasoning.split(m.content) if m.role == "assistant" else None
        if parts is not None and parts.has_thinking:
            if with_thinking and parts.thinking:
                lines += [heading, "", *("> " + line for line in parts.thinking.splitlines()), "", parts.answer, ""]
            else:
                lines += [heading, "", parts.answer, ""]
        else:
            lines += [heading, "", m.content, ""]
        if m.stats.get("tokens_per_s"):
            lines += [f"*{m.stats.get('completion_tokens', 0)} tokens, {m.stats['tokens_per_s']:.1f} tok/s*", ""]
    return "\n".join(lines)
