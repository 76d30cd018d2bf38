"""Conversations on disk: SQLite (WAL) with a message tree, one connection per store.

Why these choices:
- Messages form a tree (`parent_id`): editing a user message or regenerating a reply adds a sibling,
  so nothing the user saw is ever overwritten; the conversation's `active_leaf` picks the path shown
  and sent to the model.
- A reply is saved while it streams (status `streaming`, with the id of the store writing it; see
  history/writers.py). WAL keeps every committed write across a process kill; write transactions are
  `BEGIN IMMEDIATE` and wait for each other (busy timeout).
- A database that cannot be read is moved aside (never deleted) and a fresh one started, with a
  notice for the user (history/schema.py).
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.generation import Candidate
from chatapp.core.storage.aside import move_aside
from chatapp.core.storage.history import records, token_view
from chatapp.core.storage.history import search as full_text
from chatapp.core.storage.history.records import (
    COMPLETE,
    STREAMING,
    Branch,
    Conversation,
    Project,
    SearchHit,
    StoredMessage,
    calls_to_json,
    conversation_from_row,
    images_from_json,
    images_to_json,
    message_from_row,
    project_from_row,
)
from chatapp.core.storage.history.schema import open_database
from chatapp.core.storage.history.writers import WriterLock
from chatapp.core.storage.images import ImageRef, ImageStore
from chatapp.core.types import Attachment, ToolCall

IMAGES_FOLDER = "images"  # beside the database: the messages' images, named by their SHA-256

TITLE_LENGTH = 60


F = TypeVar("F", bound=Callable[..., Any])


def _saving(method: F) -> F:
    """Writes that fail (disk full, file made read-only, I/O error) become one sentence for the user;
    the transaction is rolled back, so what was saved before stays intact."""

    @functools.wraps(method)
    def wrapper(self: HistoryStore, *args: Any, **kwargs: Any) -> Any:
        try:
            return method(self, *args, **kwargs)
        except sqlite3.OperationalError as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            raise KnownError(
                QT_TRANSLATE_NOOP("core", "Could not save to your chat history ({reason}). If the disk is full, free "
                                  "some space; everything saved before is intact."),
                reason=exc,
            ) from None

    return wrapper  # type: ignore[return-value]


class HistoryStore:
    """One connection, used from one thread. `notice` says if a bad database was set aside on open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notice: KnownError | None = None
        self.images = ImageStore(path.parent / IMAGES_FOLDER)
        path.parent.mkdir(parents=True, exist_ok=True)
        self._writers = WriterLock(path)
        self.writer_id = self._writers.writer_id
        try:
            self.db = open_database(path)
        except sqlite3.DatabaseError as exc:
            aside = move_aside(path)
            self.notice = KnownError(QT_TRANSLATE_NOOP(
                "core", "Your chat history could not be read ({reason}); it was moved to {aside} and a new history "
                "was started. Nothing was deleted."), reason=exc, aside=aside.name)
            self.db = open_database(path)
        self.interrupted = self._writers.mark_interrupted(self.db)

    def close(self) -> None:
        self.db.close()
        self._writers.release()

    def integrity_ok(self) -> bool:
        return bool(self.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok")

    # ----- conversations ---------------------------------------------------------------------------------
    @_saving
    def create_conversation(
        self,
        title: str = "New chat",
        *,
        model: str = "",
        settings: dict[str, Any] | None = None,
        system_prompt: str = "",
        template: str = "auto",
        created_at: float | None = None,
        project_id: str | None = None,
    ) -> Conversation:
        now = time.time() if created_at is None else created_at
        conv_id = uuid.uuid4().hex
        self.db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at, model, settings_json, system_prompt,"
            " template, project_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (conv_id, title, now, now, model, json.dumps(settings or {}), system_prompt, template, project_id),
        )
        return self.conversation(conv_id)

    # ----- projects ----------------------------------------------------------------------------------------
    @_saving
    def create_project(self, name: str, instructions: str = "", settings: dict[str, Any] | None = None) -> Project:
        project_id = uuid.uuid4().hex
        self.db.execute("INSERT INTO projects (id, name, instructions, settings_json, created_at)"
                        " VALUES (?, ?, ?, ?, ?)",
                        (project_id, name.strip() or "Project", instructions, json.dumps(settings or {}), time.time()))
        return self.project(project_id)

    def project(self, project_id: str) -> Project:
        row = self.db.execute("SELECT * FROM projects WHERE id = ?", (project_id,)).fetchone()
        if row is None:
            raise KnownError(QT_TRANSLATE_NOOP("core", "There is no such project any more."))
        return project_from_row(row)

    def find_project(self, name: str) -> Project:
        """By name (case aside) or unique id prefix, for the terminal; one sentence naming them otherwise."""
        projects = self.projects()
        by_name = [p for p in projects if p.name.casefold() == name.strip().casefold()]
        found = by_name or [p for p in projects if name.strip() and p.id.startswith(name.strip())]
        if len(found) == 1:
            return found[0]
        raise KnownError(QT_TRANSLATE_NOOP("core", "No single project is called '{name}' (projects: {known})."),
                         name=name, known=", ".join(p.name for p in projects) or "none")

    def projects(self) -> list[Project]:
        """Every project, in the order they were made."""
        return [project_from_row(r) for r in self.db.execute("SELECT * FROM projects ORDER BY created_at")]

    @_saving
    def update_project(self, project_id: str, *, name: str | None = None, instructions: str | None = None,
                       settings: dict[str, Any] | None = None) -> Project:
        """Rename it, change its instructions, or merge `settings` into its settings layer."""
        project = self.project(project_id)
        merged = {**project.settings, **settings} if settings is not None else project.settings
        self.db.execute("UPDATE projects SET name = ?, instructions = ?, settings_json = ? WHERE id = ?",
                        (name.strip() if name and name.strip() else project.name,
                         project.instructions if instructions is None else instructions, json.dumps(merged),
                         project_id))
        return self.project(project_id)

    @_saving
    def delete_project(self, project_id: str) -> None:
        """The project goes; its chats stay, outside any project."""
        self.db.execute("UPDATE conversations SET project_id = NULL WHERE project_id = ?", (project_id,))
        self.db.execute("DELETE FROM projects WHERE id = ?", (project_id,))

    @_saving
    def move_conversation(self, conv_id: str, project_id: str | None) -> Conversation:
        """Into a project, or (None) out of any."""
        if project_id is not None:
            self.project(project_id)  # one sentence if it went meanwhile
        self.db.execute("UPDATE conversations SET project_id = ? WHERE id = ?", (project_id, conv_id))
        return self.conversation(conv_id)

    def conversation(self, conv_id: str) -> Conversation:
        row = self.db.execute("SELECT * FROM conversations WHERE id = ?", (conv_id,)).fetchone()
        if row is None:
            raise KnownError(f"No conversation with id {conv_id}; run `chatapp history` to list them.")
        return conversation_from_row(row)

    def find_conversation(self, prefix: str) -> Conversation:
        """By id or unique id prefix (the CLI shows short ids)."""
        rows = self.db.execute("SELECT * FROM conversations WHERE id LIKE ? LIMIT 2", (prefix + "%",)).fetchall()
        if len(rows) != 1:
            raise KnownError(
                f"No conversation matches '{prefix}'; run `chatapp history` to list them."
                if not rows else f"'{prefix}' matches several conversations; give more of the id."
            )
        return conversation_from_row(rows[0])

    def conversations(self, include_archived: bool = False) -> list[Conversation]:
        where = "" if include_archived else "WHERE archived = 0"
        rows = self.db.execute(f"SELECT * FROM conversations {where} ORDER BY pinned DESC, updated_at DESC")
        return [conversation_from_row(r) for r in rows]

    @_saving
    def update_conversation(self, conv_id: str, *, settings: dict[str, Any] | None = None,
                            **fields: Any) -> Conversation:
        """Change title, model, system_prompt, template, pinned or archived; `settings` are merged into
        the stored ones (what it names replaced, the rest kept), in one transaction with the rest, so
        a change never drops a setting another part of the app wrote."""
        allowed = {"title", "model", "system_prompt", "template", "pinned", "archived"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown conversation fields: {unknown}")
        if not fields and settings is None:
            return self.conversation(conv_id)
        self.db.execute("BEGIN IMMEDIATE")
        try:
            if settings is not None:
                row = self.db.execute("SELECT settings_json FROM conversations WHERE id = ?", (conv_id,)).fetchone()
                stored = records.json_object(row["settings_json"] if row else "", f"conversation {conv_id} settings")
                fields["settings_json"] = json.dumps({**stored, **settings})
            assignments = ", ".join(f"{k} = ?" for k in fields)
            self.db.execute(
                f"UPDATE conversations SET {assignments}, updated_at = ? WHERE id = ?",
                (*fields.values(), time.time(), conv_id),
            )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.conversation(conv_id)

    @_saving
    def delete_conversation(self, conv_id: str) -> None:
        """The conversation, its messages, and the image files no other message names."""
        images = self._images_of("SELECT images_json FROM messages WHERE conversation_id = ?", (conv_id,))
        self.db.execute("DELETE FROM conversations WHERE id = ?", (conv_id,))
        self._forget_images(images)

    def _images_of(self, query: str, params: tuple[Any, ...]) -> set[str]:
        return {ref.sha256 for (text,) in self.db.execute(query, params) for ref in images_from_json(text)}

    def _forget_images(self, shas: set[str]) -> None:
        """Delete the files of images no message names any more (a deleted chat's pictures do not stay
        on disk). Shared ones stay: files are named by their content."""
        for sha in shas:
            if self.db.execute("SELECT 1 FROM messages WHERE images_json LIKE ? LIMIT 1", (f"%{sha}%",)).fetchone():
                continue
            self.images.remove(sha)

    # ----- messages and branches ---------------------------------------------------------------------------
    @_saving
    def add_message(
        self,
        conv_id: str,
        role: str,
        content: str,
        *,
        parent_id: str | None = None,
        status: str = COMPLETE,
        stats: dict[str, Any] | None = None,
        model: str = "",
        created_at: float | None = None,
        tool_calls: Sequence[ToolCall] = (),
        tool: dict[str, Any] | None = None,
        images: Sequence[Attachment] = (),
        thinking: str = "",
    ) -> StoredMessage:
        """Append under `parent_id` (a new branch if it already has children) and make it the active leaf.
        `tool_calls`: the calls an assistant message made; `tool`: a tool result's call id, name, server;
        `images`: a user message's images, saved as files first (a message never names a missing one)."""
        now = time.time() if created_at is None else created_at
        msg_id = uuid.uuid4().hex
        refs = [self.images.save(image) for image in images]
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, status,"
                " stats_json, model, writer, tool_calls_json, tool_json, images_json, thinking)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (msg_id, conv_id, parent_id, role, content, now, status, json.dumps(stats or {}), model,
                 self.writer_id if status == STREAMING else "", calls_to_json(tool_calls),
                 json.dumps(tool or {}, ensure_ascii=False), images_to_json(refs), thinking),
            )
            self.db.execute(
                "UPDATE conversations SET active_leaf = ?, updated_at = ? WHERE id = ?", (msg_id, now, conv_id)
            )
            if role == "user" and parent_id is None:
                title = " ".join(content.split())[:TITLE_LENGTH] or "New chat"
                self.db.execute(
                    "UPDATE conversations SET title = ? WHERE id = ? AND title = 'New chat'", (title, conv_id)
                )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        return self.message(msg_id)

    @_saving
    def save_token_view(self, msg_id: str, tokens: Sequence[Sequence[Candidate]]) -> None:
        """Keep how each token of this reply was chosen (replacing any view it had)."""
        self.db.execute("UPDATE messages SET token_view = ? WHERE id = ?",
                        (token_view.encode(tokens) if tokens else None, msg_id))

    def token_view(self, msg_id: str) -> token_view.TokenView | None:
        """How each token of this reply was chosen; None when it was written with the view off."""
        blob = self.token_view_blob(msg_id)
        return token_view.decode(blob) if blob is not None else None

    def token_view_blob(self, msg_id: str) -> bytes | None:
        """The view as stored (what an export carries)."""
        row = self.db.execute("SELECT token_view FROM messages WHERE id = ?", (msg_id,)).fetchone()
        return bytes(row[0]) if row is not None and row[0] is not None else None

    @_saving
    def update_message(
        self, msg_id: str, *, content: str | None = None, status: str | None = None,
        stats: dict[str, Any] | None = None, tool_calls: Sequence[ToolCall] | None = None,
        tool: dict[str, Any] | None = None, thinking: str | None = None,
    ) -> None:
        """Save a streaming reply's progress, or finish it with its final status and stats (and the tool
        calls it made; or, for a tool result, its details)."""
        sets, values = [], []
        if tool_calls is not None:
            sets.append("tool_calls_json = ?")
            values.append(calls_to_json(tool_calls))
        if tool is not None:
            sets.append("tool_json = ?")
            values.append(json.dumps(tool, ensure_ascii=False))
        for column, value in (("content", content), ("status", status), ("thinking", thinking)):
            if value is not None:
                sets.append(f"{column} = ?")
                values.append(value)
        if stats is not None:
            sets.append("stats_json = ?")
            values.append(json.dumps(stats))
        if status == STREAMING:
            sets.append("writer = ?")
            values.append(self.writer_id)
        if sets:
            self.db.execute(f"UPDATE messages SET {', '.join(sets)} WHERE id = ?", (*values, msg_id))

    @_saving
    def delete_message(self, msg_id: str) -> None:
        """Remove a message and the replies below it; the active leaf moves to its parent."""
        msg = self.message(msg_id)
        images = self._images_of("WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL SELECT m.id FROM messages m JOIN sub"
                                 " ON m.parent_id = sub.id) SELECT images_json FROM messages WHERE id IN sub",
                                 (msg_id,))
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "UPDATE conversations SET active_leaf = ? WHERE id = ? AND active_leaf IN"
                " (WITH RECURSIVE sub(id) AS (SELECT ? UNION ALL SELECT m.id FROM messages m JOIN sub"
                " ON m.parent_id = sub.id) SELECT id FROM sub)",
                (msg.parent_id, msg.conversation_id, msg_id),
            )
            self.db.execute("DELETE FROM messages WHERE id = ?", (msg_id,))
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise
        self._forget_images(images)

    def message(self, msg_id: str) -> StoredMessage:
        row = self.db.execute("SELECT * FROM messages WHERE id = ?", (msg_id,)).fetchone()
        if row is None:
            raise KnownError(f"No message with id {msg_id}.")
        return message_from_row(row)

    def active_path(self, conv_id: str) -> list[StoredMessage]:
        """Root-to-leaf messages on the branch the user is looking at: what the model is sent."""
        leaf = self.conversation(conv_id).active_leaf
        if leaf is None:
            return []
        rows = self.db.execute(
            """WITH RECURSIVE path(id, depth) AS (
                   SELECT ?, 0
                   UNION ALL SELECT m.parent_id, path.depth + 1 FROM messages m JOIN path ON m.id = path.id
                   WHERE m.parent_id IS NOT NULL)
               SELECT m.* FROM path JOIN messages m ON m.id = path.id ORDER BY path.depth DESC""",
            (leaf,),
        )
        return [message_from_row(r) for r in rows]

    def tree(self, conv_id: str) -> list[StoredMessage]:
        """Every message of a conversation, all its branches, in the order they were written."""
        rows = self.db.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, rowid", (conv_id,)
        )
        return [message_from_row(r) for r in rows]

    def children(self, conv_id: str, parent_id: str | None) -> list[StoredMessage]:
        rows = self.db.execute(
            "SELECT * FROM messages WHERE conversation_id = ? AND parent_id IS ? ORDER BY created_at, rowid",
            (conv_id, parent_id),
        )
        return [message_from_row(r) for r in rows]

    def branch(self, msg_id: str) -> Branch:
        msg = self.message(msg_id)
        siblings = tuple(m.id for m in self.children(msg.conversation_id, msg.parent_id))
        return Branch(siblings.index(msg_id), len(siblings), siblings)

    @_saving
    def switch_to(self, msg_id: str) -> list[StoredMessage]:
        """Show the branch through `msg_id`, following the newest reply below it; returns the new path."""
        msg = self.message(msg_id)
        leaf = msg
        while True:
            kids = self.children(msg.conversation_id, leaf.id)
            if not kids:
                break
            leaf = kids[-1]
        self.db.execute("UPDATE conversations SET active_leaf = ? WHERE id = ?", (leaf.id, msg.conversation_id))
        return self.active_path(msg.conversation_id)

    @_saving
    def insert_tree(self, conversation: Conversation, messages: Sequence[StoredMessage],
                    images: Mapping[str, Sequence[Attachment]] | None = None,
                    views: Mapping[str, bytes] | None = None) -> Conversation:
        """A whole conversation written at once (an import), as a new one with new ids, in ONE transaction.

        `conversation` and `messages` are values as `conversation()` and `tree()` give them; their ids
        only name each other (a message's `parent_id` an earlier message, the conversation's
        `active_leaf` one of them; an unknown leaf is none) and are replaced. `images[message id]`:
        the pictures a message carries, saved as files before the transaction; `views[message id]`: how
        each token of a reply was chosen, as stored (token_view.encode). All or nothing: when
        anything fails, no row is left, the image files this call wrote are removed again and the
        connection is out of its transaction. A tree that does not hold together (a parent that is not
        an earlier message, a value the schema refuses) raises ValueError."""
        images, views = images or {}, views or {}
        new_ids: dict[str, str] = {}
        for m in messages:
            if m.id in new_ids:
                raise ValueError(f"message id {m.id!r} repeats")
            if m.parent_id is not None and m.parent_id not in new_ids:
                raise ValueError(f"the parent {m.parent_id!r} of message {m.id!r} is not an earlier message")
            new_ids[m.id] = uuid.uuid4().hex
        if set(images) - set(new_ids):
            raise ValueError(f"images for messages that are not there: {sorted(set(images) - set(new_ids))}")
        written: set[str] = set()  # the image files this call created (a file already there may be another's)
        conv_id = uuid.uuid4().hex
        try:
            refs = {key: [self._save_image(image, written) for image in pictures] for key, pictures in images.items()}
            self.db.execute("BEGIN IMMEDIATE")
            self.db.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at, model, settings_json, system_prompt,"
                " template, pinned, archived, active_leaf) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conv_id, conversation.title, conversation.created_at, conversation.updated_at, conversation.model,
                 json.dumps(conversation.settings), conversation.system_prompt, conversation.template,
                 int(conversation.pinned), int(conversation.archived), new_ids.get(conversation.active_leaf or "")),
            )
            for m in messages:
                self.db.execute(
                    "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, status,"
                    " stats_json, model, tool_calls_json, tool_json, images_json, thinking, token_view)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (new_ids[m.id], conv_id, new_ids[m.parent_id] if m.parent_id else None, m.role, m.content,
                     m.created_at, m.status, json.dumps(m.stats), m.model, calls_to_json(m.tool_calls),
                     json.dumps(m.tool, ensure_ascii=False), images_to_json(refs.get(m.id, ())), m.thinking,
                     views.get(m.id)),
                )
            self.db.execute("COMMIT")
        except BaseException as exc:
            if self.db.in_transaction:
                self.db.execute("ROLLBACK")
            self._forget_images(written)
            if isinstance(exc, sqlite3.IntegrityError):
                raise ValueError(str(exc)) from None
            raise
        return self.conversation(conv_id)

    def _save_image(self, image: Attachment, written: set[str]) -> ImageRef:
        """Save an image's file, noting in `written` when this call created it."""
        fresh = not self.images.path(ImageRef(image.sha256, image.mime)).is_file()
        ref = self.images.save(image)
        if fresh:
            written.add(ref.sha256)
        return ref

    # ----- search, export and import (history/search.py, history/exchange.py) ------------------------
    def search(self, query: str, limit: int = 50, project_id: str | None = None) -> list[SearchHit]:
        """Full-text search over every message (or a project's), best match first (see history/search.py)."""
        return full_text.search(self.db, query, limit, project_id)

    def export_json(self, conv_id: str) -> dict[str, Any]:
        from chatapp.core.storage.history import exchange  # pydantic: imported when used, not at startup

        return exchange.export_json(self, conv_id)

    @_saving
    def import_json(self, data: dict[str, Any]) -> Conversation:
        from chatapp.core.storage.history import exchange  # pydantic: imported when used, not at startup

        return exchange.import_json(self, data)

    def export_project(self, project_id: str) -> dict[str, Any]:
        from chatapp.core.storage.history import exchange  # pydantic: imported when used, not at startup

        return exchange.export_project(self, project_id)

    def import_project(self, data: dict[str, Any]) -> Project:
        from chatapp.core.storage.history import exchange  # pydantic: imported when used, not at startup

        return exchange.import_project(self, data)

    def export_markdown(self, conv_id: str, with_thinking: bool = False) -> str:
        from chatapp.core.storage.history import exchange  # pydantic: imported when used, not at startup

        return exchange.export_markdown(self, conv_id, with_thinking)
