"""Conversations on disk: SQLite (WAL) with a message tree, full-text search, export and import.

Why these choices:
- Messages form a tree (`parent_id`): editing a user message or regenerating a reply adds a sibling,
  so nothing the user saw is ever overwritten; the conversation's `active_leaf` picks the path shown
  and sent to the model.
- A reply is saved while it streams (status `streaming`, with the id of the store writing it). Several
  processes may have the file open (the window, `chatapp chat`, `chatapp history`): each holds a lock
  file named by its writer id for as long as it is open, and the OS drops that lock when the process
  dies. So a `streaming` reply whose writer's lock is free was cut off by a crash or kill and becomes
  `interrupted`; one whose writer is alive is left alone. WAL keeps every committed write across a
  process kill; write transactions are `BEGIN IMMEDIATE` and wait for each other (busy timeout).
- A database that cannot be read is moved aside (never deleted) and a fresh one started, with a
  notice for the user; a database from a newer chatapp is refused rather than "migrated" downwards.
"""

from __future__ import annotations

import functools
import json
import sqlite3
import time
import uuid
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout

from chatapp.core import reasoning
from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.storage import cjk_search
from chatapp.core.types import Message

SCHEMA_VERSION = 4
BUSY_TIMEOUT_S = 10.0  # another process's write transaction is waited for, not reported as an error
EXPORT_FORMAT = "chatapp.conversation"
EXPORT_VERSION = 1

# Index i upgrades a database from version i to i + 1.
MIGRATIONS: list[str] = [
    """
    CREATE TABLE conversations (
        id TEXT PRIMARY KEY,
        title TEXT NOT NULL,
        created_at REAL NOT NULL,
        updated_at REAL NOT NULL,
        model TEXT NOT NULL DEFAULT '',
        settings_json TEXT NOT NULL DEFAULT '{}',
        system_prompt TEXT NOT NULL DEFAULT '',
        template TEXT NOT NULL DEFAULT 'auto',
        active_leaf TEXT
    );
    CREATE TABLE messages (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        parent_id TEXT REFERENCES messages(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant')),
        content TEXT NOT NULL,
        created_at REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'complete'
    );
    CREATE INDEX messages_by_parent ON messages(conversation_id, parent_id, created_at);
    CREATE VIRTUAL TABLE messages_fts USING fts5(content, content='messages', content_rowid='rowid');
    CREATE TRIGGER messages_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
    END;
    CREATE TRIGGER messages_ad AFTER DELETE ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
    END;
    CREATE TRIGGER messages_au AFTER UPDATE OF content ON messages BEGIN
        INSERT INTO messages_fts(messages_fts, rowid, content) VALUES ('delete', old.rowid, old.content);
        INSERT INTO messages_fts(rowid, content) VALUES (new.rowid, new.content);
    END;
    """,
    # v2: per-message statistics and model; pinned/archived conversations.
    """
    ALTER TABLE messages ADD COLUMN stats_json TEXT NOT NULL DEFAULT '{}';
    ALTER TABLE messages ADD COLUMN model TEXT NOT NULL DEFAULT '';
    ALTER TABLE conversations ADD COLUMN pinned INTEGER NOT NULL DEFAULT 0;
    ALTER TABLE conversations ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
    """,
    # v3: which open store is writing a streaming reply (see the module docstring).
    """
    ALTER TABLE messages ADD COLUMN writer TEXT NOT NULL DEFAULT '';
    """,
    # v4: search that finds CJK words inside sentences (core/cjk_search.py). The index keeps its own
    # copy of the text with CJK characters set apart, filled by triggers through a function every
    # connection registers (`cjk_searchable`).
    """
    DROP TRIGGER messages_ai;
    DROP TRIGGER messages_ad;
    DROP TRIGGER messages_au;
    DROP TABLE messages_fts;
    CREATE VIRTUAL TABLE messages_search USING fts5(content);
    INSERT INTO messages_search(rowid, content) SELECT rowid, cjk_searchable(content) FROM messages;
    CREATE TRIGGER messages_search_ai AFTER INSERT ON messages BEGIN
        INSERT INTO messages_search(rowid, content) VALUES (new.rowid, cjk_searchable(new.content));
    END;
    CREATE TRIGGER messages_search_ad AFTER DELETE ON messages BEGIN
        DELETE FROM messages_search WHERE rowid = old.rowid;
    END;
    CREATE TRIGGER messages_search_au AFTER UPDATE OF content ON messages BEGIN
        UPDATE messages_search SET content = cjk_searchable(new.content) WHERE rowid = new.rowid;
    END;
    """,
]
assert len(MIGRATIONS) == SCHEMA_VERSION

STREAMING, COMPLETE, INTERRUPTED, CANCELLED = "streaming", "complete", "interrupted", "cancelled"
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


class HistoryStore:
    """One connection, used from one thread. `notice` says if a bad database was set aside on open."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notice: str | None = None
        path.parent.mkdir(parents=True, exist_ok=True)
        self.writer_id = uuid.uuid4().hex
        self._writers_dir = path.with_name(path.name + ".writers")
        self._writers_dir.mkdir(exist_ok=True)
        self._writer_lock = FileLock(self._writers_dir / f"{self.writer_id}.lock")
        self._writer_lock.acquire()
        try:
            self.db = self._open_checked()
        except sqlite3.DatabaseError as exc:
            aside = self._move_aside()
            self.notice = (
                f"Your chat history could not be read ({exc}); it was moved to {aside.name} and a new "
                "history was started. Nothing was deleted."
            )
            self.db = self._open_checked()
        self.interrupted = self._mark_interrupted()

    # ----- opening, migration, recovery ----------------------------------------------------------------
    def _open_checked(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
        try:
            db.row_factory = sqlite3.Row
            db.create_function("cjk_searchable", 1, cjk_search.searchable, deterministic=True)
            db.execute("PRAGMA foreign_keys = ON")
            db.execute("PRAGMA journal_mode = WAL")
            db.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable across a process kill
            if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
                raise sqlite3.DatabaseError("integrity check failed")
            self._migrate(db)
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def _migrate(self, db: sqlite3.Connection) -> None:
        version = db.execute("PRAGMA user_version").fetchone()[0]
        if version > SCHEMA_VERSION:
            db.close()
            raise KnownError(
                QT_TRANSLATE_NOOP("core", "Your chat history ({path}) was written by a newer chatapp (schema "
                                  "{version}, this version reads up to {supported}). Update chatapp to open it."),
                path=self.path, version=version, supported=SCHEMA_VERSION,
            )
        for target in range(version, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            try:
                for statement in _split_sql(MIGRATIONS[target]):
                    db.execute(statement)
                db.execute(f"PRAGMA user_version = {target + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise

    def _move_aside(self) -> Path:
        aside = self.path.with_name(f"{self.path.name}.unreadable-{time.strftime('%Y%m%d-%H%M%S')}")
        self.path.replace(aside)
        for suffix in ("-wal", "-shm"):
            extra = self.path.with_name(self.path.name + suffix)
            if extra.exists():
                extra.replace(aside.with_name(aside.name + suffix))
        return aside

    def _mark_interrupted(self) -> list[str]:
        """Streaming replies whose writer is gone become `interrupted`; returns their ids."""
        rows = self.db.execute("SELECT id, writer FROM messages WHERE status = ?", (STREAMING,)).fetchall()
        dead = {w for w in {r["writer"] for r in rows} if w != self.writer_id and not self._writer_alive(w)}
        ids = [r["id"] for r in rows if r["writer"] in dead]
        for writer in dead:
            self.db.execute("UPDATE messages SET status = ? WHERE status = ? AND writer = ?",
                            (INTERRUPTED, STREAMING, writer))
        return ids

    def _writer_alive(self, writer: str) -> bool:
        """Whether the store that wrote `writer` still has the history open (in any process)."""
        if not writer:  # written before writers were recorded
            return False
        lock_path = self._writers_dir / f"{writer}.lock"
        if not lock_path.exists():
            return False
        lock = FileLock(lock_path)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            return True
        lock.release()
        lock_path.unlink(missing_ok=True)
        return False

    def close(self) -> None:
        self.db.close()
        if self._writer_lock.is_locked:
            self._writer_lock.release()
            (self._writers_dir / f"{self.writer_id}.lock").unlink(missing_ok=True)

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
    ) -> Conversation:
        now = time.time() if created_at is None else created_at
        conv_id = uuid.uuid4().hex
        self.db.execute(
            "INSERT INTO conversations (id, title, created_at, updated_at, model, settings_json, system_prompt,"
            " template) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (conv_id, title, now, now, model, json.dumps(settings or {}), system_prompt, template),
        )
        return self.conversation(conv_id)

    def conversation(self, conv_id: str) -> Conversation:
        row = self.db.execute("SELECT * FROM conversations WHERE id = ?", (conv_id,)).fetchone()
        if row is None:
            raise KnownError(f"No conversation with id {conv_id}; run `chatapp history` to list them.")
        return _conversation(row)

    def find_conversation(self, prefix: str) -> Conversation:
        """By id or unique id prefix (the CLI shows short ids)."""
        rows = self.db.execute("SELECT * FROM conversations WHERE id LIKE ? LIMIT 2", (prefix + "%",)).fetchall()
        if len(rows) != 1:
            raise KnownError(
                f"No conversation matches '{prefix}'; run `chatapp history` to list them."
                if not rows else f"'{prefix}' matches several conversations; give more of the id."
            )
        return _conversation(rows[0])

    def conversations(self, include_archived: bool = False) -> list[Conversation]:
        where = "" if include_archived else "WHERE archived = 0"
        rows = self.db.execute(f"SELECT * FROM conversations {where} ORDER BY pinned DESC, updated_at DESC")
        return [_conversation(r) for r in rows]

    @_saving
    def update_conversation(self, conv_id: str, **fields: Any) -> Conversation:
        """Change title, model, settings, system_prompt, template, pinned or archived."""
        allowed = {"title", "model", "settings", "system_prompt", "template", "pinned", "archived"}
        unknown = set(fields) - allowed
        if unknown:
            raise ValueError(f"unknown conversation fields: {unknown}")
        if "settings" in fields:
            fields["settings_json"] = json.dumps(fields.pop("settings"))
        if fields:
            assignments = ", ".join(f"{k} = ?" for k in fields)
            self.db.execute(
                f"UPDATE conversations SET {assignments}, updated_at = ? WHERE id = ?",
                (*fields.values(), time.time(), conv_id),
            )
        return self.conversation(conv_id)

    @_saving
    def delete_conversation(self, conv_id: str) -> None:
        self.db.execute("DELETE FROM conversations WHERE id = ?", (conv_id,))

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
    ) -> StoredMessage:
        """Append under `parent_id` (a new branch if it already has children) and make it the active leaf."""
        now = time.time() if created_at is None else created_at
        msg_id = uuid.uuid4().hex
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, status,"
                " stats_json, model, writer) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (msg_id, conv_id, parent_id, role, content, now, status, json.dumps(stats or {}), model,
                 self.writer_id if status == STREAMING else ""),
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
    def update_message(
        self, msg_id: str, *, content: str | None = None, status: str | None = None,
        stats: dict[str, Any] | None = None,
    ) -> None:
        """Save a streaming reply's progress, or finish it with its final status and stats."""
        sets, values = [], []
        for column, value in (("content", content), ("status", status)):
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

    def message(self, msg_id: str) -> StoredMessage:
        row = self.db.execute("SELECT * FROM messages WHERE id = ?", (msg_id,)).fetchone()
        if row is None:
            raise KnownError(f"No message with id {msg_id}.")
        return _message(row)

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
        return [_message(r) for r in rows]

    def children(self, conv_id: str, parent_id: str | None) -> list[StoredMessage]:
        rows = self.db.execute(
            "SELECT * FROM messages WHERE conversation_id = ? AND parent_id IS ? ORDER BY created_at, rowid",
            (conv_id, parent_id),
        )
        return [_message(r) for r in rows]

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

    # ----- search ---------------------------------------------------------------------------------------
    def search(self, query: str, limit: int = 50) -> list[SearchHit]:
        """Full-text search over every message, best match first. Every word must occur: Latin words
        as prefixes ("pyth" finds Python), CJK words anywhere in a sentence (see core/cjk_search.py)."""
        match = cjk_search.match_expression(query)
        if match is None:
            return []
        width = 40 if cjk_search.has_cjk(query) else 90  # characters; a CJK one is twice as wide
        rows = self.db.execute(
            """SELECT m.id, m.role, m.conversation_id, c.title,
                      highlight(messages_search, 0, '[[', ']]') AS marked
               FROM messages_search JOIN messages m ON m.rowid = messages_search.rowid
               JOIN conversations c ON c.id = m.conversation_id
               WHERE messages_search MATCH ? ORDER BY rank LIMIT ?""",
            (match, limit),
        )
        return [
            SearchHit(r["conversation_id"], r["title"], r["id"], r["role"],
                      cjk_search.snippet(cjk_search.readable(r["marked"]), width))
            for r in rows
        ]

    # ----- export and import ------------------------------------------------------------------------------
    def export_json(self, conv_id: str) -> dict[str, Any]:
        """OpenAI-style `messages` (the active path) plus the settings and the whole tree, ids made local."""
        conv = self.conversation(conv_id)
        rows = self.db.execute(
            "SELECT * FROM messages WHERE conversation_id = ? ORDER BY created_at, rowid", (conv_id,)
        ).fetchall()
        local = {r["id"]: f"m{i}" for i, r in enumerate(rows)}
        path = self.active_path(conv_id)
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

    @_saving
    def import_json(self, data: dict[str, Any]) -> Conversation:
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
            self.db.execute("BEGIN IMMEDIATE")
            conv_id = uuid.uuid4().hex
            self.db.execute(
                "INSERT INTO conversations (id, title, created_at, updated_at, model, settings_json, system_prompt,"
                " template, pinned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (conv_id, data["title"], data["created_at"], data["updated_at"], data.get("model", ""),
                 json.dumps(data.get("settings", {})), data.get("system_prompt", ""), data.get("template", "auto"),
                 int(bool(data.get("pinned")))),
            )
            new_ids: dict[str, str] = {}
            for node in data["tree"]:
                new_ids[node["id"]] = uuid.uuid4().hex
                self.db.execute(
                    "INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at, status,"
                    " stats_json, model) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (new_ids[node["id"]], conv_id, new_ids[node["parent"]] if node["parent"] else None,
                     node["role"], node["content"], node["created_at"], node.get("status", COMPLETE),
                     json.dumps(node.get("stats", {})), node.get("model", "")),
                )
            leaf = new_ids.get(data.get("active_leaf") or "")
            self.db.execute("UPDATE conversations SET active_leaf = ? WHERE id = ?", (leaf, conv_id))
            self.db.execute("COMMIT")
        except (KeyError, TypeError, sqlite3.IntegrityError) as exc:
            self.db.execute("ROLLBACK")
            raise KnownError(QT_TRANSLATE_NOOP("core", "This conversation export is damaged ({reason}); nothing was "
                                               "imported."), reason=exc) from None
        return self.conversation(conv_id)

    def export_markdown(self, conv_id: str, with_thinking: bool = False) -> str:
        """The active path as Markdown. A reasoning model's thinking is left out unless asked (as a
        quoted block before the answer); the JSON export always keeps messages whole."""
        conv = self.conversation(conv_id)
        lines = [f"# {conv.title}", ""]
        meta = [f"- Model: {conv.model or 'unknown'}", f"- Template: {conv.template}"]
        meta += [f"- {k}: {v}" for k, v in sorted(conv.settings.items())]
        lines += [*meta, ""]
        if conv.system_prompt:
            lines += ["## System", "", conv.system_prompt, ""]
        for m in self.active_path(conv_id):
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


def _split_sql(script: str) -> Iterable[str]:
    """Split a migration into statements; trigger bodies (BEGIN … END;) stay whole."""
    statement: list[str] = []
    for line in script.strip().splitlines():
        statement.append(line)
        text = "\n".join(statement).strip()
        if text.endswith(";") and sqlite3.complete_statement(text):
            yield text
            statement = []
    if "".join(statement).strip():
        yield "\n".join(statement)


def _conversation(row: sqlite3.Row) -> Conversation:
    return Conversation(
        id=row["id"], title=row["title"], created_at=row["created_at"], updated_at=row["updated_at"],
        model=row["model"], settings=json.loads(row["settings_json"]), system_prompt=row["system_prompt"],
        template=row["template"], active_leaf=row["active_leaf"],
        pinned=bool(row["pinned"]), archived=bool(row["archived"]),
    )


def _message(row: sqlite3.Row) -> StoredMessage:
    return StoredMessage(
        id=row["id"], conversation_id=row["conversation_id"], parent_id=row["parent_id"], role=row["role"],
        content=row["content"], created_at=row["created_at"], status=row["status"],
        stats=json.loads(row["stats_json"]), model=row["model"],
    )


def to_engine_messages(system_prompt: str, path: Sequence[StoredMessage]) -> list[Message]:
    """The active path as engine messages (the system prompt first when set)."""
    out = [Message("system", system_prompt)] if system_prompt else []
    out += [Message(m.role, m.content) for m in path if m.role in ("user", "assistant")]  # type: ignore[arg-type]
    return out
