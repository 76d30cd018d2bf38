"""The history store on a real SQLite file: conversations, messages, branches, and a full disk."""

from __future__ import annotations

import pytest
from history_data import chat

from chatapp.core.errors import KnownError
from chatapp.core.storage import history
from chatapp.core.storage.history import HistoryStore


def test_title_comes_from_the_first_message_and_can_be_renamed(store: HistoryStore) -> None:
    conv_id, _ = chat(store)
    assert store.conversation(conv_id).title == "What is Python?"
    assert store.update_conversation(conv_id, title="Python").title == "Python"


def test_active_path_and_wal(store: HistoryStore) -> None:
    conv_id, ids = chat(store)
    assert [m.id for m in store.active_path(conv_id)] == ids
    assert store.db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_regenerate_and_edit_make_branches(store: HistoryStore) -> None:
    conv_id, ids = chat(store)
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


def test_pinned_first_archived_hidden(store: HistoryStore) -> None:
    a, _ = chat(store)
    b, _ = chat(store)
    store.update_conversation(a, pinned=True)
    assert [c.id for c in store.conversations()] == [a, b]
    store.update_conversation(b, archived=True)
    assert [c.id for c in store.conversations()] == [a]
    assert len(store.conversations(include_archived=True)) == 2


def test_delete_message_moves_the_active_leaf_up(store: HistoryStore) -> None:
    conv_id, ids = chat(store)
    store.delete_message(ids[2])  # the second question and its reply
    assert [m.id for m in store.active_path(conv_id)] == ids[:2]


def test_a_full_disk_is_one_clear_error_and_keeps_what_was_saved(store: HistoryStore) -> None:
    conv_id, ids = chat(store)
    pages = store.db.execute("PRAGMA page_count").fetchone()[0]
    store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk full", no mocks
    with pytest.raises(KnownError, match=r"Could not save to your chat history .*full.* intact"):
        store.add_message(conv_id, "user", "x" * 200_000, parent_id=ids[-1])
    assert [m.id for m in store.active_path(conv_id)] == ids
    assert store.integrity_ok()
