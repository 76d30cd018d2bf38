"""A conversation exported as JSON and Markdown, and imported back exactly."""

from __future__ import annotations

import json

import pytest
from history_data import chat

from chatapp.core.errors import KnownError
from chatapp.core.storage.history import HistoryStore


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
