"""The history's schema: migrations from every older version, refusal of a newer one, a damaged file set aside."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from history_data import CHINESE, chat

from chatapp.core.errors import KnownError
from chatapp.core.storage import history
from chatapp.core.storage.history import HistoryStore, schema


def test_migrates_a_version_1_database(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for statement in schema.split_sql(schema.MIGRATIONS[0]):
        db.execute(statement)
    db.execute("PRAGMA user_version = 1")
    db.execute("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', 'Old chat', 1, 2)")
    db.execute("INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at)"
               " VALUES ('m1', 'c1', NULL, 'user', 'an old question about lizards', 1)")
    db.execute("UPDATE conversations SET active_leaf = 'm1'")
    db.close()
    s = HistoryStore(path)
    assert s.db.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
    conv = s.conversation("c1")
    assert (conv.title, conv.pinned) == ("Old chat", False)
    assert s.active_path("c1")[0].stats == {}
    assert s.search("lizard")[0].message_id == "m1"


def test_refuses_a_database_from_a_newer_version(tmp_path: Path) -> None:
    path = tmp_path / "new.sqlite3"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version = {history.SCHEMA_VERSION + 5}")
    db.close()
    with pytest.raises(KnownError, match="written by a newer chatapp"):
        HistoryStore(path)
    assert path.exists()  # left alone


def test_corrupted_database_is_moved_aside_and_a_fresh_one_started(tmp_path: Path) -> None:
    path = tmp_path / "history.sqlite3"
    s = HistoryStore(path)
    chat(s)
    s.close()
    raw = bytearray(path.read_bytes())
    raw[0:16] = b"this is garbage!"
    path.write_bytes(bytes(raw))
    s2 = HistoryStore(path)
    assert s2.notice and "could not be read" in str(s2.notice) and "moved to" in str(s2.notice)
    assert s2.conversations() == []
    aside = list(tmp_path.glob("history.sqlite3.unreadable-*"))
    assert aside and aside[0].read_bytes()[:16] == b"this is garbage!"


def test_a_version_3_database_is_migrated_and_its_chinese_found(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in schema.MIGRATIONS[:3]:
        for statement in schema.split_sql(migration):
            db.execute(statement)
    db.execute("PRAGMA user_version = 3")
    db.execute("INSERT INTO conversations (id, title, created_at, updated_at) VALUES ('c1', '旧的对话', 1, 2)")
    db.execute("INSERT INTO messages (id, conversation_id, parent_id, role, content, created_at)"
               " VALUES ('m1', 'c1', NULL, 'user', ?, 1)", (CHINESE,))
    assert db.execute("SELECT count(*) FROM messages_fts WHERE messages_fts MATCH '语言模型'").fetchone()[0] == 0
    db.close()
    s = HistoryStore(path)
    assert s.db.execute("PRAGMA user_version").fetchone()[0] == history.SCHEMA_VERSION
    hits = s.search("语言模型")
    assert [(h.message_id, h.conversation_title) for h in hits] == [("m1", "旧的对话")]
    assert s.search("显存")[0].message_id == "m1"
    s.close()
