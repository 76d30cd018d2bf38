"""A history store on a real SQLite file and a small conversation in it, shared by the history tests."""

from __future__ import annotations

from chatapp.core.storage.history import HistoryStore

CHINESE = "大语言模型是具有数十亿参数的深度学习模型。我用Python写了一个量化脚本，显存只有8GB。"


def chat(store: HistoryStore) -> tuple[str, list[str]]:
    """A conversation of two questions and their replies; returns its id and the message ids."""
    conv = store.create_conversation(model="demo", settings={"temperature": 0.7}, system_prompt="Be brief.")
    ids, parent = [], None
    for role, text in [("user", "What is Python?"), ("assistant", "A programming language."),
                       ("user", "Who made it?"), ("assistant", "Guido van Rossum.")]:
        parent = store.add_message(conv.id, role, text, parent_id=parent).id
        ids.append(parent)
    return conv.id, ids
