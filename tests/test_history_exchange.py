"""A conversation exported as JSON and Markdown, and imported back exactly."""

from __future__ import annotations

import json
from typing import Any

import pytest
from history_data import chat, picture

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.storage.history import HistoryStore
from chatapp.core.storage.images import ImageStore


def test_export_import_round_trip_is_exact(store: HistoryStore) -> None:
    conv_id, ids = chat(store)
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
    conv_id, _ = chat(store)
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


def test_the_tree_is_every_message_of_every_branch_in_order(store: HistoryStore) -> None:
    conv_id, ids = chat(store)
    other = store.add_message(conv_id, "assistant", "Guido, in 1991.", parent_id=ids[2])
    assert [m.id for m in store.tree(conv_id)] == [*ids, other.id]
    assert store.tree(conv_id)[1] == store.message(ids[1])


def _exported_with_pictures(store: HistoryStore) -> dict[str, Any]:
    """An export whose user message carries two images; the original is deleted, and with it their files."""
    conv = store.create_conversation()
    user = store.add_message(conv.id, "user", "two pictures", images=(picture((200, 0, 0)), picture((0, 0, 200))))
    store.add_message(conv.id, "assistant", "Red and blue.", parent_id=user.id)
    exported = store.export_json(conv.id)
    store.delete_conversation(conv.id)
    assert _left_behind(store) == (0, 0, [])
    return exported


def _left_behind(store: HistoryStore) -> tuple[int, int, list[str]]:
    """Conversations, messages and image files in the history, as another connection sees them too."""
    other = HistoryStore(store.path)
    try:
        counts = [other.db.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]
                  for table in ("conversations", "messages")]
    finally:
        other.close()
    return counts[0], counts[1], sorted(p.name for p in store.images.folder.rglob("*") if p.is_file())


def test_an_import_whose_image_cannot_be_saved_leaves_nothing_behind(store: HistoryStore, monkeypatch) -> None:
    exported = _exported_with_pictures(store)
    real_save = ImageStore.save
    saved = []

    def save(self: ImageStore, image):  # the first picture is saved, the disk is full for the second
        if saved:
            raise KnownError(QT_TRANSLATE_NOOP("core", "The image could not be saved in {folder} ({reason}); free "
                                               "some disk space and send it again."),
                             folder=self.folder, reason="No space left on device")
        saved.append(image)
        return real_save(self, image)

    monkeypatch.setattr(ImageStore, "save", save)
    with pytest.raises(KnownError) as failure:
        store.import_json(exported)
    message = str(failure.value)
    assert message.startswith("The image could not be saved") and "\n" not in message
    assert message.count(". ") == 0 and message.endswith(".")  # one sentence
    assert len(saved) == 1  # the first file was written...
    assert _left_behind(store) == (0, 0, [])  # ...and removed again: no row, no file
    assert not store.db.in_transaction
    monkeypatch.undo()  # the connection goes on working: the same import now succeeds whole
    copy = store.import_json(exported)
    assert [len(m.images) for m in store.active_path(copy.id)] == [2, 0]
    assert _left_behind(store)[:2] == (1, 2)


def test_an_import_the_database_refuses_half_way_leaves_nothing_behind(store: HistoryStore) -> None:
    exported = _exported_with_pictures(store)
    exported["tree"][1]["created_at"] = float("nan")  # passes the checks; NOT NULL refuses it (NaN is NULL)
    with pytest.raises(KnownError, match=r"^This conversation export is damaged \(NOT NULL constraint failed: "
                                         r"messages\.created_at\); nothing was imported\.$"):
        store.import_json(exported)
    assert _left_behind(store) == (0, 0, [])  # the user message and its two image files went too
    assert not store.db.in_transaction
    assert store.create_conversation("after").title == "after"
