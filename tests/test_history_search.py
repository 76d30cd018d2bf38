"""Full-text search over the history: Latin prefixes, CJK words inside sentences, an index that follows edits."""

from __future__ import annotations

import pytest
from history_data import CHINESE, chat

from chatapp.core.storage import history
from chatapp.core.storage.history import HistoryStore


def test_full_text_search_finds_prefixes_and_highlights(store: HistoryStore) -> None:
    conv_id, ids = chat(store)
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


def test_delete_removes_messages_and_search_entries(store: HistoryStore) -> None:
    conv_id, _ = chat(store)
    store.delete_conversation(conv_id)
    assert store.conversations() == []
    assert store.search("python") == []
    assert store.db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] == 0


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
