"""The history store on a real SQLite file: tree branches, search, export/import, migration, recovery."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from chatapp.core.errors import KnownError
from chatapp.core.storage import history
from chatapp.core.storage.history import HistoryStore


@pytest.fixture
def store(tmp_path: Path) -> HistoryStore:
    s = HistoryStore(tmp_path / "history.sqlite3")
    yield s
    s.close()


def _chat(store: HistoryStore) -> tuple[str, list[str]]:
    conv = store.create_conversation(model="demo", settings={"temperature": 0.7}, system_prompt="Be brief.")
    ids, parent = [], None
    for role, text in [("user", "What is Python?"), ("assistant", "A programming language."),
                       ("user", "Who made it?"), ("assistant", "Guido van Rossum.")]:
        parent = store.add_message(conv.id, role, text, parent_id=parent).id
        ids.append(parent)
    return conv.id, ids


def test_title_comes_from_the_first_message_and_can_be_renamed(store: HistoryStore) -> None:
    conv_id, _ = _chat(store)
    assert store.conversation(conv_id).title == "What is Python?"
    assert store.update_conversation(conv_id, title="Python").title == "Python"


def test_active_path_and_wal(store: HistoryStore) -> None:
    conv_id, ids = _chat(store)
    assert [m.id for m in store.active_path(conv_id)] == ids
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_regenerate_and_edit_make_branches(store: HistoryStore) -> None:
    conv_id, ids = _chat(store)
    # Regenerate the last reply: a sibling of ids[3].
    regen = store.add_message(conv_id, "assistant", "Guido, in 1991.", parent_id=ids[2])
    assert store.branch(regen.id) == history.Branch(1, 2, (ids[3], regen.id))
    assert [m.content for m in store.active_path(conv_id)][-1] == "Guido, in 1991."
    # Edit the second question: a sibling of ids[2], with its own reply.
    edited = store.add_message(conv_id, "user", "When was it made?", parent_id=ids[1])
    store.add_message(conv_id, "assistant", "1991.", parent_id=edited.id)
    assert [m.content for m in store.active_path(conv_id)][-2:] == ["When was it made?", "1991."]
    # Flip back to the first version of the question: its newest reply comes with it.
    path = store.switch_to(ids[2])
    assert [m.content for m in path][-2:] == ["Who made it?", "Guido, in 1991."]
    assert store.branch(ids[2]).count == 2
    engine_msgs = history.to_engine_messages("Be brief.", path)
    assert [m.role for m in engine_msgs] == ["system", "user", "assistant", "user", "assistant"]


def test_full_text_search_finds_prefixes_and_highlights(store: HistoryStore) -> None:
    conv_id, ids = _chat(store)
    other = store.create_conversation()
    store.add_message(other.id, "user", "Pythons are snakes")
    hits = store.search("pyth")
    assert {h.message_id for h in hits} >= {ids[0]}
    assert all("[[" in h.snippet for h in hits)
    hit = next(h for h in store.search("rossum") if h.conversation_id == conv_id)
    assert hit.message_id == ids[3] and "[[Rossum]]" in hit.snippet
    store.update_message(ids[3], content="Someone else.")
    assert store.search("rossum") == []  # the index follows edits
    for operator_like in ('"', "*", "(", "a:b", "NOT"):  # FTS syntax in user input is matched as text
        assert store.search(operator_like) == []


def test_export_import_round_trip_is_exact(store: HistoryStore) -> None:
    conv_id, ids = _chat(store)
    store.add_message(conv_id, "assistant", "Guido, in 1991.", parent_id=ids[2],
                      stats={"completion_tokens": 5, "tokens_per_s": 41.5})
    exported = store.export_json(conv_id)
    assert exported["messages"][0] == {"role": "system", "content": "Be brief."}
    assert exported["messages"][-1] == {"role": "assistant", "content": "Guido, in 1991."}
    text = json.dumps(exported, sort_keys=True)
    imported = store.import_json(json.loads(text))
    assert imported.id != conv_id
    assert json.dumps(store.export_json(imported.id), sort_keys=True) == text


def test_markdown_export(store: HistoryStore) -> None:
    conv_id, _ = _chat(store)
    md = store.export_markdown(conv_id)
    assert md.startswith("# What is Python?\n")
    assert "## System\n\nBe brief." in md
    assert "## You\n\nWho made it?" in md and "## Assistant\n\nGuido van Rossum." in md


def test_import_rejects_foreign_files(store: HistoryStore) -> None:
    with pytest.raises(KnownError, match="not a chatapp conversation export"):
        store.import_json({"messages": []})
    with pytest.raises(KnownError, match="damaged"):
        store.import_json({"format": "chatapp.conversation", "tree": [{"id": "m0"}], "title": "x",
                           "created_at": 0, "updated_at": 0})
    assert store.conversations() == []


def test_delete_removes_messages_and_search_entries(store: HistoryStore) -> None:
    conv_id, _ = _chat(store)
    store.delete_conversation(conv_id)
    assert store.conversations() == []
    assert store.search("python") == []
    assert store.db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


def test_pinned_first_archived_hidden(store: HistoryStore) -> None:
    a, _ = _chat(store)
    b, _ = _chat(store)
    store.update_conversation(a, pinned=True)
    assert [c.id for c in store.conversations()] == [a, b]
    store.update_conversation(b, archived=True)
    assert [c.id for c in store.conversations()] == [a]
    assert len(store.conversations(include_archived=True)) == 2


def _in_another_process(code: str, *args: str, **popen: Any) -> subprocess.Popen[str]:
    """Run `code` with a HistoryStore importable, as a second chatapp process would."""
    return subprocess.Popen([sys.executable, "-c", "from chatapp.core.storage import history\n" + code, *args],
                            text=True, **popen)


def test_streaming_reply_left_behind_by_a_killed_process_is_marked_interrupted(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    killed = _in_another_process(
        "import os, signal, sys\n"
        "s = history.HistoryStore(__import__('pathlib').Path(sys.argv[1]))\n"
        "c = s.create_conversation()\n"
        "u = s.add_message(c.id, 'user', 'hi')\n"
        "r = s.add_message(c.id, 'assistant', 'partial rep', parent_id=u.id, status=history.STREAMING)\n"
        "print(r.id, flush=True)\n"
        "os.kill(os.getpid(), signal.SIGKILL)\n",
        str(path), stdout=subprocess.PIPE,
    )
    reply_id = killed.communicate(timeout=60)[0].strip()
    s2 = HistoryStore(path)
    assert s2.interrupted == [reply_id]
    assert s2.message(reply_id).status == history.INTERRUPTED
    assert s2.message(reply_id).content == "partial rep"


def test_a_reply_streaming_in_another_open_window_is_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    writer = _in_another_process(
        "import sys\n"
        "s = history.HistoryStore(__import__('pathlib').Path(sys.argv[1]))\n"
        "c = s.create_conversation()\n"
        "u = s.add_message(c.id, 'user', 'hi')\n"
        "r = s.add_message(c.id, 'assistant', 'so far', parent_id=u.id, status=history.STREAMING)\n"
        "print(r.id, flush=True)\n"
        "sys.stdin.readline()\n"
        "s.update_message(r.id, content='so far, and the rest', status=history.COMPLETE)\n"
        "s.close()\n",
        str(path), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
    )
    assert writer.stdout is not None and writer.stdin is not None
    reply_id = writer.stdout.readline().strip()
    other = HistoryStore(path)  # e.g. `chatapp history` while the window writes a reply
    assert other.interrupted == []
    assert other.message(reply_id).status == history.STREAMING
    writer.communicate("go\n", timeout=60)
    assert writer.returncode == 0
    assert (other.message(reply_id).status, other.message(reply_id).content) == (
        history.COMPLETE, "so far, and the rest")
    other.close()
    assert list((tmp_path / "h.sqlite3.writers").iterdir()) == []  # every writer cleaned up after itself


def test_two_processes_writing_at_once_keep_every_message(tmp_path: Path) -> None:
    path = tmp_path / "h.sqlite3"
    HistoryStore(path).close()
    code = (
        "import sys\n"
        "s = history.HistoryStore(__import__('pathlib').Path(sys.argv[1]))\n"
        "c = s.create_conversation(title=sys.argv[2])\n"
        "leaf = None\n"
        "for i in range(150):\n"
        "    m = s.add_message(c.id, 'user' if i % 2 == 0 else 'assistant', f'{sys.argv[2]} {i}', parent_id=leaf)\n"
        "    s.update_message(m.id, content=f'{sys.argv[2]} {i} edited')\n"
        "    leaf = m.id\n"
        "s.close()\n"
    )
    procs = [_in_another_process(code, str(path), name, stderr=subprocess.PIPE) for name in ("left", "right")]
    for proc in procs:
        _, err = proc.communicate(timeout=120)
        assert proc.returncode == 0, err
    s = HistoryStore(path)
    by_title = {c.title: c for c in s.conversations()}
    for name in ("left", "right"):
        texts = [m.content for m in s.active_path(by_title[name].id)]
        assert texts == [f"{name} {i} edited" for i in range(150)]
    assert len(s.search("edited", limit=1000)) == 300


def test_migrates_a_version_1_database(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for statement in history._split_sql(history.MIGRATIONS[0]):
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
    _chat(s)
    s.close()
    raw = bytearray(path.read_bytes())
    raw[0:16] = b"this is garbage!"
    path.write_bytes(bytes(raw))
    s2 = HistoryStore(path)
    assert s2.notice and "could not be read" in s2.notice and "moved to" in s2.notice
    assert s2.conversations() == []
    aside = list(tmp_path.glob("history.sqlite3.unreadable-*"))
    assert aside and aside[0].read_bytes()[:16] == b"this is garbage!"


def test_delete_message_moves_the_active_leaf_up(store: HistoryStore) -> None:
    conv_id, ids = _chat(store)
    store.delete_message(ids[2])  # the second question and its reply
    assert [m.id for m in store.active_path(conv_id)] == ids[:2]


def test_a_full_disk_is_one_clear_error_and_keeps_what_was_saved(store: HistoryStore) -> None:
    conv_id, ids = _chat(store)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full", no mocks
    with pytest.raises(KnownError, match=r"Could not save to your chat history .*full.* intact"):
        store.add_message(conv_id, "user", "x" * 200_000, parent_id=ids[-1])
    assert [m.id for m in store.active_path(conv_id)] == ids
    assert store.integrity_ok()


CHINESE = "大语言模型是具有数十亿参数的深度学习模型。我用Python写了一个量化脚本，显存只有8GB。"


@pytest.mark.parametrize(
    ("query", "highlighted"),
    [
        ("语言模型", "大[[语言模型]]是"),  # four characters inside a run of Han
        ("深度学习", "的[[深度学习]]模型"),
        ("显存", "，[[显存]]只有"),  # two-character words: the commonest
        ("量化", "个[[量化]]脚本"),
        ("python", "用[[Python]]写"),  # a Latin word glued to Chinese
        ("pyth", "用[[Python]]写"),  # ...still matched as a prefix
        ("模型 python", "[[Python]]"),  # every word must occur, in any order
    ],
)
def test_chinese_words_are_found_inside_sentences(store: HistoryStore, query: str, highlighted: str) -> None:
    conv = store.create_conversation()
    store.add_message(conv.id, "user", CHINESE)
    store.add_message(conv.id, "user", "无关的句子，没有那些词。")
    hits = store.search(query)
    assert len(hits) == 1, query
    assert highlighted in hits[0].snippet


def test_japanese_and_korean_words_are_found_too(store: HistoryStore) -> None:
    conv = store.create_conversation()
    store.add_message(conv.id, "user", "このモデルは量子化されています。")
    store.add_message(conv.id, "user", "로컬 모델은개인정보를 보호합니다")
    assert "[[量子化]]" in store.search("量子化")[0].snippet
    assert "[[モデル]]" in store.search("モデル")[0].snippet
    assert "[[개인정보]]" in store.search("개인정보")[0].snippet
    assert store.search("量子力学") == []


def test_latin_search_keeps_prefixes_and_ranking(store: HistoryStore) -> None:
    conv = store.create_conversation()
    once = store.add_message(conv.id, "user", "a lighthouse in a long text about many other things entirely")
    often = store.add_message(conv.id, "user", "lighthouse lighthouse lighthouse keeper")
    assert [h.message_id for h in store.search("lighthouse")] == [often.id, once.id]
    assert [h.message_id for h in store.search("light")] == [often.id, once.id]
    assert store.search("ighthouse") == []  # words match from their start, as before
    assert store.search("?!") == [] and store.search("   ") == []


def test_the_index_follows_edits_and_deletes(store: HistoryStore) -> None:
    conv = store.create_conversation()
    msg = store.add_message(conv.id, "assistant", "正在生成", status=history.STREAMING)
    store.update_message(msg.id, content="正在生成：关于显存的回答")
    assert [h.message_id for h in store.search("显存")] == [msg.id]
    assert store.search("生成") and store.search("回答")
    store.delete_message(msg.id)
    assert store.search("显存") == []


def test_a_version_3_database_is_migrated_and_its_chinese_found(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    db = sqlite3.connect(path, isolation_level=None)
    for migration in history.MIGRATIONS[:3]:
        for statement in history._split_sql(migration):
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
