"""The history database's schema, its migrations (`PRAGMA user_version`), and opening a file safely.

A database from a newer chatapp is refused rather than "migrated" downwards; one that fails its
integrity check raises `sqlite3.DatabaseError`, and the store moves it aside (never deletes it).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path

from chatapp.core import reasoning
from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.storage import cjk_search

BUSY_TIMEOUT_S = 10.0  # another process's write transaction is waited for, not reported as an error
SCHEMA_VERSION = 9

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
    # v5: models that act. Tool results are messages of their own (role `tool`); an assistant message
    # keeps the calls it made; a result keeps which call it answers, the tool, its server, whether it
    # failed and how long it took. SQLite cannot change a CHECK constraint, so the table is rebuilt
    # (rowids kept: the search index refers to them); foreign keys are off meanwhile (see migrate).
    """
    CREATE TABLE messages_v5 (
        id TEXT PRIMARY KEY,
        conversation_id TEXT NOT NULL REFERENCES conversations(id) ON DELETE CASCADE,
        parent_id TEXT REFERENCES messages(id) ON DELETE CASCADE,
        role TEXT NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
        content TEXT NOT NULL,
        created_at REAL NOT NULL,
        status TEXT NOT NULL DEFAULT 'complete',
        stats_json TEXT NOT NULL DEFAULT '{}',
        model TEXT NOT NULL DEFAULT '',
        writer TEXT NOT NULL DEFAULT '',
        tool_calls_json TEXT NOT NULL DEFAULT '[]',
        tool_json TEXT NOT NULL DEFAULT '{}'
    );
    INSERT INTO messages_v5 (rowid, id, conversation_id, parent_id, role, content, created_at, status, stats_json,
                             model, writer)
        SELECT rowid, id, conversation_id, parent_id, role, content, created_at, status, stats_json, model, writer
        FROM messages;
    DROP TABLE messages;
    ALTER TABLE messages_v5 RENAME TO messages;
    CREATE INDEX messages_by_parent ON messages(conversation_id, parent_id, created_at);
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
    # v6: models that see. A user message names its images by SHA-256 and type; the files are kept
    # beside the database (core/storage/images.py).
    """
    ALTER TABLE messages ADD COLUMN images_json TEXT NOT NULL DEFAULT '[]';
    """,
    # v7: a reasoning model's thinking in a column of its own, beside the answer (it was kept inside the
    # content between <think> tags, and every reader split it out again). Search indexes the answer.
    """
    ALTER TABLE messages ADD COLUMN thinking TEXT NOT NULL DEFAULT '';
    UPDATE messages SET thinking = thinking_of(content), content = answer_of(content)
        WHERE role = 'assistant' AND instr(content, '</think>') > 0;
    """,
    # v8: how each token of a reply was chosen (core/storage/history/token_view.py), for replies written
    # with the view on; NULL for every other message.
    """
    ALTER TABLE messages ADD COLUMN token_view BLOB;
    """,
    # v9: projects. A project's instructions (its chats' system prompt) and settings (a settings layer:
    # sampling, template, documents, tools…) sit between the app's defaults and each chat's own; a chat
    # belongs to at most one, and stays (outside any project) when its project is deleted.
    """
    CREATE TABLE projects (
        id TEXT PRIMARY KEY,
        name TEXT NOT NULL,
        instructions TEXT NOT NULL DEFAULT '',
        settings_json TEXT NOT NULL DEFAULT '{}',
        created_at REAL NOT NULL
    );
    ALTER TABLE conversations ADD COLUMN project_id TEXT REFERENCES projects(id) ON DELETE SET NULL;
    CREATE INDEX conversations_by_project ON conversations(project_id);
    """,
]
assert len(MIGRATIONS) == SCHEMA_VERSION


def open_database(path: Path) -> sqlite3.Connection:
    """Connect, check and migrate; raises sqlite3.DatabaseError for a file that cannot be read and
    KnownError for one written by a newer chatapp."""
    db = sqlite3.connect(path, isolation_level=None, check_same_thread=False, timeout=BUSY_TIMEOUT_S)
    try:
        db.row_factory = sqlite3.Row
        db.create_function("cjk_searchable", 1, cjk_search.searchable, deterministic=True)
        db.create_function("thinking_of", 1, lambda text: reasoning.split(text).thinking, deterministic=True)
        db.create_function("answer_of", 1, lambda text: reasoning.split(text).answer, deterministic=True)
        db.execute("PRAGMA foreign_keys = ON")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA synchronous = NORMAL")  # with WAL: durable across a process kill
        if db.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise sqlite3.DatabaseError("integrity check failed")
        migrate(db, path)
    except (sqlite3.DatabaseError, KnownError):
        db.close()
        raise
    return db


def migrate(db: sqlite3.Connection, path: Path) -> None:
    version = db.execute("PRAGMA user_version").fetchone()[0]
    if version > SCHEMA_VERSION:
        raise KnownError(
            QT_TRANSLATE_NOOP("core", "Your chat history ({path}) was written by a newer chatapp (schema "
                              "{version}, this version reads up to {supported}). Update chatapp to open it."),
            path=path, version=version, supported=SCHEMA_VERSION,
        )
    if version == SCHEMA_VERSION:
        return
    db.execute("PRAGMA foreign_keys = OFF")  # a table rebuilt (v5) must not cascade its own drop
    try:
        for target in range(version, SCHEMA_VERSION):
            db.execute("BEGIN IMMEDIATE")
            try:
                if db.execute("PRAGMA user_version").fetchone()[0] > target:  # another process did it meanwhile
                    db.execute("COMMIT")
                    continue
                for statement in split_sql(MIGRATIONS[target]):
                    db.execute(statement)
                if db.execute("PRAGMA foreign_key_check").fetchone() is not None:
                    raise sqlite3.DatabaseError(f"migration to schema {target + 1} broke a reference")
                db.execute(f"PRAGMA user_version = {target + 1}")
                db.execute("COMMIT")
            except BaseException:
                db.execute("ROLLBACK")
                raise
    finally:
        db.execute("PRAGMA foreign_keys = ON")


def split_sql(script: str) -> Iterable[str]:
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
