"""Retrieval that finds what people ask, on the real built-in embedding model: a verbatim Chinese
phrase, a file's subject named only by its file name, follow-up questions, the vector ranking weighed
by what the model can read, and a collection re-indexed with another model while it stays searchable."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import threading
from pathlib import Path

from chatapp.core.types import Attachment, Message
from chatapp.documents.collections import Documents, embedding_models_dir
from chatapp.documents.retrieval import Options, Query


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def names(hits: list) -> list[str]:
    return [Path(h.path).name for h in hits]


# Chinese texts about the same things: only rag.md holds 检索增强生成 as a phrase; notes.md, short,
# holds each of its bigrams (检索, 索增, 增强, 强生, 生成) twice, scattered, so BM25 alone puts it first.
CHINESE = {
    "rag.md": ("# 知识库问答\n\n很多团队把公司的手册、合同和会议记录放进知识库，希望员工提问时能直接得到答"
              "案。常见的做法叫检索增强生成：系统先在资料里查找与问题相关的段落，再把这些段落和问题一起交给模型"
              "，让它根据资料回答，并注明出处。这样做的好处是答案有依据，资料更新后也不必重新训练模型。缺点是切"
              "分段落的方式会影响效果，段落太短会丢失上下文，太长又会混入无关内容。"),
    "search.md": ("# 搜索引擎\n\n检索数据库时，检索的速度很重要。索引可以加快检索，检索结果还要排序。"
                  "全文检索和向量检索各有长处。"),
    "training.md": ("# 数据增强\n\n数据增强是训练的常用方法。增强后的数据更多，模型更稳。"
                    "增强的方式有翻转、裁剪和加噪声，增强要适度。"),
    "writing.md": "# 文本生成\n\n模型生成文本，生成的速度取决于硬件。生成长文时要控制长度，生成代码时要检查结果。",
    "faq.md": ("# 常见问题\n\n温度是什么意思？温度越高，输出越随机。上下文是什么意思？就是模型一次能看到的"
              "文字。量化是什么意思？就是用更少的位数存权重。"),
    "images.md": "# 图像\n\n图像生成模型可以生成图片，增强现实和图像检索也很常见。",
    "hardware.md": "# 硬件\n\n显存决定能加载多大的模型。内存不够时，推理会变慢。",
    "notes.md": "# 笔记\n\n检索增加了负担。锻炼增强生命力。生成结果很快。检索增加，增强生命，生成更多。",
    "license.md": "# 许可证\n\n开源许可证规定了模型能否商用。使用前请阅读条款。",
}


def test_a_verbatim_chinese_phrase_ranks_its_chunk_first(documents: Documents, tmp_path: Path) -> None:
    for name, text in CHINESE.items():
        write(tmp_path / "zh" / name, text)
    documents.add("zh", [tmp_path / "zh"])
    keyword = documents.search(["zh"], "检索增强生成是什么意思？", top=5, mode="keyword").hits
    assert names(keyword)[:2] == ["notes.md", "rag.md"]  # scattered bigrams outscore the phrase in BM25
    found = documents.search(["zh"], "检索增强生成是什么意思？", top=3)
    assert names(found.hits)[0] == "rag.md"
    assert found.hits[0].phrase_rank == 1
    # The model reads most of these characters as [UNK]: its ranking is left out, not trusted.
    assert documents.embedder(None).unknown_share("检索增强生成是什么意思？") > 0.5
    assert found.vector_weight == 0.0
    assert documents.unreadable_share("zh") > 0.5


def test_an_english_question_keeps_its_vector_ranking(documents: Documents, tmp_path: Path) -> None:
    write(tmp_path / "en" / "garden.md", "Water tomato plants in the morning, at the roots, twice a week in summer.")
    write(tmp_path / "en" / "bikes.md", "Oil the bicycle chain every few hundred kilometres and after rain.")
    documents.add("en", [tmp_path / "en"])
    found = documents.search(["en"], "How often should I water my tomatoes?", top=2)
    assert names(found.hits)[0] == "garden.md"
    assert documents.embedder(None).unknown_share("How often should I water my tomatoes?") == 0.0
    assert documents.unreadable_share("en") == 0.0


KOMBUCHA = ("# Brewing notes\n\nSteep black tea with sugar, let it cool, then add the SCOBY and a cup of the "
            "previous batch. Cover the jar with a cloth. The first fermentation takes seven to ten days at room "
            "temperature; taste it from day six. Bottle it with fruit for a second, fizzy fermentation of two days.")
DISTRACTORS = {
    "cafe_menu.md": ("Our cafe menu lists coffee, fresh juice and komb"
              "ucha, and cakes baked every morning."),
    "shopping.md": ("Shopping list: oats, apples, kombucha, bread, co"
              "ffee beans and washing-up liquid."),
    "party.md": ("For the party we bought lemonade, kombucha and s"
              "parkling water; the cake came from the bakery."),
    "sourdough.md": ("Feed the sourdough starter daily; the dough ferm"
              "ents overnight and is baked in the morning."),
}


def test_a_question_naming_a_files_subject_finds_the_file_though_its_text_never_says_it(
        documents: Documents, tmp_path: Path) -> None:
    write(tmp_path / "kitchen" / "kombucha_brewing.md", KOMBUCHA)
    for name, text in DISTRACTORS.items():
        write(tmp_path / "kitchen" / name, text)
    documents.add("kitchen", [tmp_path / "kitchen"])
    assert "kombucha" not in KOMBUCHA.lower()
    question = "How long should kombucha ferment?"
    without = documents.search(["kitchen"], question, top=1, options=Options(files=False)).hits
    assert names(without) != ["kombucha_brewing.md"]  # its words alone point at the menus and lists
    found = documents.search(["kitchen"], question, top=3).hits
    assert names(found)[0] == "kombucha_brewing.md"
    assert found[0].file_rank == 1


PRODUCTS = {
    "x200_printer.md": "# X200 printer\n\n## Warranty\nThe X200 printer warranty covers the print head and the "
                       "paper feed against defects. The warranty lasts two years from the date of purchase.\n\n"
                       "## Cleaning\nWipe the X200 with a dry cloth; never spray liquid into the printer.",
    "aurora_lamp.md": "# Aurora lamp\n\n## Battery\nHow long does it last? On a full charge the Aurora lamp's "
                      "battery lasts about twelve hours at half brightness, and it lasts longer when dimmed.\n\n"
                      "## Warranty\nThe Aurora lamp has a one-year warranty.",
    "z9_scanner.md": "# Z9 scanner\n\n## Setup\nConnect the Z9 scanner by USB and install the driver. The Z9 "
                     "scans a page in four seconds.\n\n## Warranty\nThe Z9 scanner warranty covers parts for "
                     "eighteen months.",
}


def test_a_follow_up_finds_the_conversations_subject_not_what_its_own_words_match(
        documents: Documents, tmp_path: Path) -> None:
    for name, text in PRODUCTS.items():
        write(tmp_path / "manuals" / name, text)
    documents.add("manuals", [tmp_path / "manuals"])
    follow_up = Query("And how long does it last?", ("What does the warranty of the X200 printer cover?",))
    alone = documents.search(["manuals"], follow_up.question, top=1).hits
    assert names(alone) == ["aurora_lamp.md"]  # its own words are the lamp's battery section
    found = documents.search(["manuals"], follow_up, top=1)
    assert names(found.hits) == ["x200_printer.md"] and "two years" in found.hits[0].text
    assert names(documents.search(["manuals"], follow_up, top=1, options=Options(conversation=False)).hits) == [
        "aurora_lamp.md"]
    # A new subject in the next question is not pulled back to the old one.
    switched = Query("What does the Z9 scanner's warranty cover?", (*follow_up.context, follow_up.question))
    assert names(documents.search(["manuals"], switched, top=1).hits) == ["z9_scanner.md"]


# City guides written alike: every title says "Prices and Practical Tips" (花费和实用信息), and a follow-up's
# own words are another city's: Paris's guide asks "What do meals cost?", London's says "eating out".
GUIDES = {
    "guides": {
        "london.md": ("# London: Prices and Practical Tips\n\n## Where to sleep\nA double room in a simple hotel in "
                      "zone 1 is about £150 a night.\n\n## Eating out\nA pub lunch of fish and chips costs around "
                      "£16, and dinner at a mid-range restaurant is roughly £35 a head."),
        "paris.md": ("# Paris: Prices and Practical Tips\n\n## Where to sleep\nA double room in a two-star hotel "
                     "costs €120 to €160 a night.\n\n## Meals\nWhat do meals cost? Meal prices are lowest at lunch: "
                     "a set menu of two courses costs €15 to €20 in a café."),
        "rome.md": ("# Rome: Prices and Practical Tips\n\n## Getting around\nA single bus ticket costs €1.50 and is "
                    "valid for 100 minutes."),
    },
    "guides-zh": {
        "shanghai.md": ("# 上海旅行：花费和实用信息\n\n## 住宿\n上海市中心的经济型酒店每晚三百到四百元。\n\n"
                        "## 市内交通\n轨道交通按里程计价，起步价三元，可以用手机扫码进站。"),
        "beijing.md": ("# 北京旅行：花费和实用信息\n\n## 住宿\n住宿一晚要花多少钱？北京的快捷酒店一晚大概两百元。"
                       "\n\n## 地铁\n地铁票多少钱？北京地铁票价三元起，最高十元左右。"),
        "xian.md": "# 西安旅行：花费和实用信息\n\n## 兵马俑\n兵马俑门票一百二十元，从火车站乘公交大约一小时。",
    },
}


def test_a_follow_up_is_searched_in_the_conversations_subject_though_another_file_says_its_words(
        documents: Documents, tmp_path: Path) -> None:
    for collection, guides in GUIDES.items():
        for name, text in guides.items():
            write(tmp_path / collection / name, text)
        documents.add(collection, [tmp_path / collection])
    for collection, earlier, follow_up, subject, other, answer in (
            ("guides", "How expensive are hotels in London?", "What are meal prices like there?", "london.md",
             "paris.md", "£16"),
            ("guides-zh", "上海的酒店一晚大概多少钱？", "那里的地铁票多少钱？", "shanghai.md", "beijing.md",
             "起步价三元")):
        found = documents.search([collection], Query(follow_up, (earlier,)), top=1).hits
        assert names(found) == [subject] and answer in found[0].text, (follow_up, names(found))
        assert names(documents.search([collection], follow_up, top=1).hits) == [other]  # its own words' file
        # A question naming another city moves on ("prices", in every title, names none of them).
        moved = follow_up.replace("there", "in Paris").replace("那里", "北京")
        assert names(documents.search([collection], Query(moved, (earlier,)), top=1).hits) == [other]


def test_the_prompt_names_what_a_follow_up_searched_for(documents: Documents, tmp_path: Path) -> None:
    from chatapp.documents.prompting import excerpts_augment

    for name, text in PRODUCTS.items():
        write(tmp_path / "manuals" / name, text)
    documents.add("manuals", [tmp_path / "manuals"])
    augment = excerpts_augment(documents, ["manuals"], top=2)
    conversation = (Message("user", "What does the warranty of the X200 printer cover?"),
                    Message("assistant", "The print head and the paper feed."),
                    Message("user", "And how long does it last?"))
    sent, stats = augment(conversation)
    searched = "What does the warranty of the X200 printer cover? / And how long does it last?"
    assert stats["retrieval_query"] == searched
    assert f"found by searching for: {searched}" in sent[-1].content
    assert sent[-1].content.endswith("Question: And how long does it last?")
    assert sent[:2] == conversation[:2]  # the earlier turns go as they were
    first, _ = augment(conversation[:1])
    assert "searching for" not in first[-1].content  # a first question is searched as it is
    photo = Attachment.of(b"\x89PNG\r\n\x1a\n-a-photo-of-the-printer", "image/png")
    with_photo, _ = augment((Message("user", "Is this the X200 printer?", attachments=(photo,)),))
    assert with_photo[-1].images == (photo,)  # the excerpts join the text; the message keeps its images


def test_a_collection_switched_to_another_model_stays_searchable_while_re_indexing(
        documents: Documents, tmp_path: Path) -> None:
    for i in range(6):
        write(tmp_path / "notes" / f"note_{i}.md", f"Note {i}: the harbour ferry number {i} leaves at {i + 6} o'clock.")
    documents.add("notes", [tmp_path / "notes"])
    builtin = Path(documents.find("notes").embedding_model)
    other = embedding_models_dir(documents.paths) / "minilm-copy.gguf"  # another file: another model to chatapp
    shutil.copyfile(builtin, other)
    cancel = threading.Event()
    seen_during: list[list[str]] = []

    def halfway(progress) -> None:
        if progress.files_done == 3 and not cancel.is_set():
            seen_during.append(names(documents.search(["notes"], "ferry number 4", top=1).hits))
            cancel.set()

    report = documents.add("notes", [], embedding_model=str(other), cancel=cancel, progress=halfway)
    assert report.cancelled
    assert seen_during == [["note_4.md"]]  # searched while re-indexing: the old index answered
    assert documents.find("notes").embedding_model == str(builtin)
    assert documents.reindexing("notes") == "minilm-copy.gguf"
    assert [c.name for c in documents.collections()] == ["notes"]  # the one being built is not listed
    assert names(documents.search(["notes"], "ferry number 5", top=1).hits) == ["note_5.md"]
    finished = documents.rescan("notes")  # goes on where the re-index stopped
    assert (finished.added, finished.unchanged, finished.cancelled) == (3, 3, False)
    assert documents.find("notes").embedding_model == str(other)
    assert documents.reindexing("notes") is None
    assert [c.files for c in documents.collections()] == [6]
    assert names(documents.search(["notes"], "ferry number 2", top=1).hits) == ["note_2.md"]


def test_an_index_from_the_previous_version_gains_file_names_and_counts(documents: Documents,
                                                                          tmp_path: Path) -> None:
    """Version 1 of documents.sqlite3 (no file-name index, no token counts, no re-index column) is
    upgraded in place when opened: its collections keep working and their files are found by name."""
    from chatapp.documents.store import DocumentStore

    write(tmp_path / "kitchen" / "kombucha_brewing.md", KOMBUCHA)
    documents.add("kitchen", [tmp_path / "kitchen"])
    path = documents.store.path
    documents.store.close()
    db = sqlite3.connect(path)
    with db:
        db.execute("DROP TABLE file_words")
        db.execute("ALTER TABLE files DROP COLUMN tokens")
        db.execute("ALTER TABLE files DROP COLUMN unknown")
        db.execute("ALTER TABLE collections DROP COLUMN replaces")
        db.execute("PRAGMA user_version=1")
    db.close()
    documents.store = DocumentStore(path)
    assert documents.store.notice is None  # upgraded, not set aside
    assert names(documents.search(["kitchen"], "kombucha", top=1).hits) == ["kombucha_brewing.md"]
    assert documents.unreadable_share("kitchen") is None  # not counted until re-read


def test_docs_search_json_names_each_ranking(embedding_model: Path, tmp_path: Path) -> None:
    import json
    import os
    import sys

    write(tmp_path / "kitchen" / "kombucha_brewing.md", KOMBUCHA)
    env = {**os.environ, "CHATAPP_DATA_DIR": str(tmp_path / "data"), "CHATAPP_CONFIG_DIR": str(tmp_path / "cfg")}
    run = [sys.executable, "-m", "chatapp", "docs"]
    subprocess.run([*run, "add", "kitchen", str(tmp_path / "kitchen"), "--embedding-model", str(embedding_model)],
                   check=True, env=env, capture_output=True)
    def first_hit(query: str) -> dict:
        out = subprocess.run([*run, "search", "kitchen", query, "--json"], check=True, env=env, capture_output=True,
                             text=True).stdout
        return json.loads(out)[0]

    assert first_hit("kombucha")["file_rank"] == 1  # by the file's name alone
    assert first_hit("a fizzy fermentation")["phrase_rank"] == 1  # the words in that order
