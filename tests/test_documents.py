"""Documents end to end on the real embedding model: formats, re-scans, hybrid retrieval, CLI and chat."""

from __future__ import annotations

import itertools
import json
import os
import threading
from pathlib import Path

import numpy as np
import pytest

from chatapp.documents.collections import Documents


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def write_pdf(path: Path, pages: list[str]) -> Path:
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    pdf.output(str(path))
    return path


def write_docx(path: Path, heading: str, paragraphs: list[str]) -> Path:
    import docx

    document = docx.Document()
    document.add_heading(heading, level=1)
    for text in paragraphs:
        document.add_paragraph(text)
    document.save(str(path))
    return path


def names(hits: list) -> list[str]:
    return [Path(h.path).name for h in hits]


# ----- the embedding model ---------------------------------------------------------------------------
def test_the_converted_embedding_model_matches_a_direct_computation(embedding_model: Path) -> None:
    """Before trusting the GGUF: llama.cpp's tokens and vectors equal a numpy BERT forward pass of the
    original weights with the original tokenizer (accents, code, Chinese, unknown characters)."""
    from bert_reference import ReferenceMiniLM
    from real_models import minilm_zip

    from chatapp.documents.embedder import Embedder

    reference = ReferenceMiniLM(minilm_zip())
    embedder = Embedder(embedding_model)
    try:
        assert embedder.dimension == 384
        for text in ["The cat sits on the mat.", "Café naïve résumé — déjà vu!",
                     "parse_config_v2(path='/etc/app.yaml')", "大语言模型 needs GPU 显存 ✓"]:
            assert embedder.token_batches([text])[0][0] == reference.token_ids(text)
            assert float(embedder.embed_query(text) @ reference.embed(text)) > 0.9999
        similar = embedder.embed_documents(["A man is playing a guitar.", "Someone plays an instrument.",
                                            "The stock market fell sharply today."])
        assert similar[0] @ similar[1] > similar[0] @ similar[2] + 0.3
    finally:
        embedder.close()


def test_an_embedding_model_opened_as_a_chat_model_says_how_to_use_it(embedding_model: Path) -> None:
    from chatapp.core.errors import ModelFileError
    from chatapp.core.models.gguf_info import read_header

    with pytest.raises(ModelFileError, match="is an embedding model, for document collections, not a chat model"):
        read_header(embedding_model)
    assert read_header(embedding_model, chat=False).architecture == "bert"


def test_the_embedding_models_on_offer_are_the_ones_that_pool(documents: Documents, tiny_model: Path) -> None:
    import shutil

    from chatapp.documents.collections import available_embedding_models

    documents.paths.models_dir.mkdir(parents=True, exist_ok=True)
    shutil.copy(tiny_model, documents.paths.models_dir / "chat-model.gguf")  # a chat model: not offered
    assert [p.name for p in available_embedding_models(documents.paths)] == ["all-MiniLM-L6-v2.F32.gguf"]


def test_a_chat_model_is_refused_as_embedding_model(tiny_model: Path) -> None:
    from chatapp.core.errors import ModelFileError
    from chatapp.documents.embedder import Embedder

    with pytest.raises(ModelFileError, match="is not an embedding model"):
        Embedder(tiny_model)


# ----- formats -----------------------------------------------------------------------------------------
def test_each_format_is_indexed_with_its_pages(documents: Documents, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write(folder / "notes.txt", "The lighthouse keeper logs the weather every morning at six.")
    write(folder / "guide.md", "# Setup\n\nInstall the zebrafish aquarium heater before filling the tank.")
    write(folder / "page.html", "<html><head><title>x</title><script>var secretScriptVariable = 1;</script></head>"
                                "<body><h2>Menu</h2><p>The bakery sells sourdough on Fridays.</p></body></html>")
    write_pdf(folder / "report.pdf", ["Quarterly overview of the glacier survey.",
                                      "Page two: the glacier retreated 41 metres in 2023."])
    write_docx(folder / "memo.docx", "Memo", ["The orchestra rehearses Tuesdays in the old chapel."])
    write(folder / "tool.py", "def compute_tide_table(port):\n    \"\"\"Tide heights for a harbour.\"\"\"\n")
    report = documents.add("all", [folder])
    assert (report.added, report.skipped, report.failed) == (6, 0, [])

    def top(query: str):
        return documents.search(["all"], query, top=1).hits[0]

    assert Path(top("lighthouse weather").path).name == "notes.txt"
    assert Path(top("zebrafish heater").path).name == "guide.md"
    html_hit = top("sourdough bakery")
    assert Path(html_hit.path).name == "page.html"
    assert "secretScriptVariable" not in html_hit.text and "<p>" not in html_hit.text
    pdf_hit = top("glacier retreated 41 metres")
    assert (Path(pdf_hit.path).name, pdf_hit.page) == ("report.pdf", 2)
    assert "41 metres" in pdf_hit.text
    assert Path(top("orchestra rehearsal chapel").path).name == "memo.docx"
    assert Path(top("compute_tide_table").path).name == "tool.py"


def test_a_broken_pdf_and_an_image_are_skipped_without_stopping(documents: Documents, tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    write(folder / "a.txt", "Alpha file about penguins.")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\ntruncated")
    (folder / "photo.png").write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(64))
    (folder / "fake.txt").write_bytes(b"\x00\x01\x02binary")
    write(folder / "z.md", "Zulu file about walruses.")
    report = documents.add("mixed", [folder])
    assert (report.added, report.skipped) == (2, 1)
    assert sorted(Path(p).name for p, _ in report.failed) == ["broken.pdf", "fake.txt"]
    assert any("not a readable PDF" in str(reason) for _, reason in report.failed)
    assert names(documents.search(["mixed"], "walruses", top=1).hits) == ["z.md"]


# ----- re-scans ----------------------------------------------------------------------------------------
def test_a_rescan_follows_edits_and_deletes_and_embeds_only_what_changed(documents: Documents,
                                                                          tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    for i, animal in enumerate(["otters", "badgers", "herons", "moles"]):
        write(folder / f"{i}.txt", f"A note about {animal} and their habits.")
    assert documents.add("notes", [folder]).added == 4
    before = documents.store.files(documents.find("notes"))

    write(folder / "1.txt", "A note about kingfishers instead.")  # edited
    (folder / "2.txt").unlink()  # deleted
    os.utime(folder / "3.txt", ns=(1, 1))  # touched: new mtime, same bytes
    write(folder / "4.txt", "A new note about beavers.")  # added
    embedded: list[int] = []
    original = documents.embedder(None).embed_documents

    def counting(texts, *args, **kwargs):
        embedded.append(len(texts))
        return original(texts, *args, **kwargs)

    documents.embedder(None).embed_documents = counting  # type: ignore[method-assign]
    report = documents.add("notes", [folder])
    assert (report.added, report.updated, report.removed, report.unchanged) == (1, 1, 1, 2)
    assert embedded == [1, 1]  # the edited file and the new one, nothing else
    after = documents.store.files(documents.find("notes"))
    assert after[str(folder / "0.txt")] == before[str(folder / "0.txt")]
    assert after[str(folder / "3.txt")].mtime_ns == 1
    assert names(documents.search(["notes"], "kingfishers", top=1).hits) == ["1.txt"]
    assert "herons" not in " ".join(h.text for h in documents.search(["notes"], "herons", top=5).hits)


def test_a_cancelled_indexing_run_keeps_its_files_and_the_next_run_goes_on(documents: Documents,
                                                                           tmp_path: Path) -> None:
    folder = tmp_path / "docs"
    for i in range(6):
        write(folder / f"{i}.txt", f"Document number {i} about topic {i}.")
    cancel = threading.Event()

    def stop_after_three(progress) -> None:
        if progress.files_done == 3:
            cancel.set()

    first = documents.add("big", [folder], cancel=cancel, progress=stop_after_three)
    assert first.cancelled and first.added == 3
    assert documents.find("big").indexed_at is None  # not finished: the window says so
    second = documents.add("big", [])
    assert (second.added, second.unchanged, second.cancelled) == (3, 3, False)
    assert [c.files for c in documents.collections()] == [6]


# ----- hybrid retrieval -------------------------------------------------------------------------------
def test_hybrid_retrieval_finds_a_code_identifier_the_vectors_miss(documents: Documents, tmp_path: Path) -> None:
    folder = tmp_path / "code"
    # Chunks *about* parsing configuration, which the meaning of the query is close to...
    for i, topic in enumerate(["parsing configuration files", "reading YAML config settings",
                               "loading and validating configuration", "config file parser options",
                               "parsing the config schema, version 2", "the configuration parser API",
                               "how config values are parsed", "parse errors in configuration"]):
        write(folder / f"about_{i}.md", f"This guide explains {topic} for the service, step by step.")
    # ...and the one that names the identifier, in a passage about something else.
    write(folder / "changelog.md", "Release notes: the billing team renamed parse_config_v2 and moved the "
                                   "invoice export to a nightly job; the dashboard got a dark mode.")
    documents.add("code", [folder])
    vector = documents.search(["code"], "parse_config_v2", top=3, mode="vector").hits
    assert "changelog.md" not in names(vector)
    keyword = documents.search(["code"], "parse_config_v2", top=3, mode="keyword").hits
    assert names(keyword) == ["changelog.md"]
    hybrid = documents.search(["code"], "parse_config_v2", top=3).hits
    assert names(hybrid)[0] == "changelog.md"
    assert (hybrid[0].keyword_rank, hybrid[0].vector_rank is not None) == (1, True)


def test_hybrid_retrieval_finds_a_chinese_word_the_vectors_cannot_tell_apart(documents: Documents,
                                                                             tmp_path: Path) -> None:
    """all-MiniLM-L6-v2 knows few Chinese characters: 显存, 量化, 模型… are all [UNK] to it, so chunks of
    such words get the very same vector and the vector side cannot pick the one with 显存. The keyword
    side finds the two-character word inside a sentence."""
    folder = tmp_path / "zh"
    write(folder / "target.txt", "量化模型需要显存资源")
    for i, text in enumerate(["量化模型需要参数资源", "量化模型需要源码资源", "量化模型需要语言资源"]):
        write(folder / f"other_{i}.txt", text)
    documents.add("zh", [folder])
    vector = documents.search(["zh"], "显存", top=4, mode="vector").hits
    scores = {name: s for name, s in zip(names(vector), (h.vector_rank for h in vector), strict=False)}
    assert set(scores) == {"target.txt", "other_0.txt", "other_1.txt", "other_2.txt"}
    embedder = documents.embedder(None)
    vectors = embedder.embed_documents([h.text for h in vector])
    assert np.allclose(vectors, vectors[0], atol=1e-6)  # identical to the vector side
    assert names(documents.search(["zh"], "显存", top=4, mode="keyword").hits) == ["target.txt"]
    assert names(documents.search(["zh"], "显存", top=1).hits) == ["target.txt"]
    assert names(documents.search(["zh"], "哪个需要显存？", top=1).hits) == ["target.txt"]


def test_long_text_is_chunked_within_the_token_budget_with_overlap(documents: Documents) -> None:
    from chatapp.documents.chunking import chunk_sections
    from chatapp.documents.readers import Section

    embedder = documents.embedder(None)
    paragraphs = [" ".join(f"Sentence {j} of paragraph {i} talks about item{i}x{j}." for j in range(9))
                  for i in range(12)]
    text = "# Title\n\n" + "\n\n".join(paragraphs)
    chunks = chunk_sections([Section(text, 3)], embedder.count_tokens, max_tokens=200, overlap_tokens=40)
    assert len(chunks) > 6
    for chunk in chunks:
        assert embedder.count_tokens(chunk.text) <= 200
        assert text[chunk.start:chunk.end] == chunk.text and chunk.page == 3
    for before, after in itertools.pairwise(chunks):
        assert after.start < before.end  # overlap: the next chunk repeats the last sentences
        assert before.text.endswith(".")  # cut between sentences, never inside one
    assert chunks[0].text.startswith("# Title")
    one_line = "x" * 5000  # no spaces at all: cut by characters
    assert all(embedder.count_tokens(c.text) <= 200
               for c in chunk_sections([Section(one_line)], embedder.count_tokens, max_tokens=200))


# ----- command line -----------------------------------------------------------------------------------
def test_docs_commands_add_list_search_remove(embedding_model: Path, tmp_path: Path) -> None:
    from test_cli import run_chatapp

    folder = tmp_path / "docs"
    write(folder / "falcon.md", "# Falcon\n\nThe Falcon budget for 2024 was 3.2 million euros.")
    write(folder / "pasta.txt", "Boil the pasta for nine minutes.")
    (folder / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    add = run_chatapp("docs", "add", "work", str(folder), "--embedding-model", str(embedding_model))
    assert add.returncode == 0, add.stderr
    assert "2 added, 0 updated, 0 removed, 0 unchanged, 1 skipped, 0 unreadable" in add.stdout
    again = run_chatapp("docs", "add", "work")
    assert "0 added, 0 updated, 0 removed, 2 unchanged" in again.stdout, again.stderr
    listed = run_chatapp("docs", "list")
    assert "work" in listed.stdout and "2 files" in listed.stdout and str(folder) in listed.stdout
    found = run_chatapp("docs", "search", "work", "Falcon", "budget", "--top", "1", "--json")
    assert found.returncode == 0, found.stderr
    [hit] = json.loads(found.stdout)
    assert Path(hit["path"]).name == "falcon.md" and hit["page"] is None and "3.2 million" in hit["text"]
    assert isinstance(hit["score"], float)
    assert run_chatapp("docs", "remove", "work").returncode == 0
    missing = run_chatapp("docs", "search", "work", "Falcon")
    assert missing.returncode == 1 and "There is no document collection named 'work'" in missing.stderr


def test_chat_with_docs_lists_its_sources_and_keeps_the_question_alone(embedding_model: Path,
                                                                       tmp_path: Path) -> None:
    from test_cli import run_chatapp

    from chatapp.core.storage.history import HistoryStore
    from chatapp.core.storage.paths import default_paths

    folder = tmp_path / "docs"
    write(folder / "falcon.md", "# Falcon\n\nThe Falcon project budget for 2024 was 3.2 million euros.")
    write(folder / "pasta.txt", "Boil the pasta for nine minutes in salted water.")
    assert run_chatapp("docs", "add", "work", str(folder), "--embedding-model", str(embedding_model)).returncode == 0
    shown = run_chatapp("chat", "--model", "demo", "--docs", "work", "--docs-top", "1", "--show-prompt",
                        "--prompt", "What was the Falcon budget?")
    assert "3.2 million euros" in shown.stdout and "[1] falcon.md" in shown.stdout
    run = run_chatapp("chat", "--model", "demo", "--docs", "work", "--prompt", "What was the Falcon budget?",
                      "--max-tokens", "40", "--temperature", "0", "--stats")
    assert run.returncode == 0, run.stderr
    sources = run.stdout.split("Sources:\n", 1)[1]
    assert "[1] falcon.md" in sources
    stats = json.loads(run.stderr.strip().splitlines()[-1])
    assert stats["retrieved_chunks"] == 2 and stats["retrieval_ms"] > 0
    store = HistoryStore(default_paths().database)
    [conversation] = store.conversations()
    user, reply = store.active_path(conversation.id)
    assert user.content == "What was the Falcon budget?"  # the excerpts were for that turn only
    assert Path(reply.stats["sources"][0]["path"]).name == "falcon.md"


def test_chat_with_an_unknown_collection_says_so_before_loading(tmp_path: Path) -> None:
    from test_cli import run_chatapp

    run = run_chatapp("chat", "--model", "demo", "--docs", "nope", "--prompt", "hi")
    assert run.returncode == 1
    assert "There is no document collection named 'nope'" in run.stderr


def test_a_full_disk_while_indexing_is_one_sentence_and_keeps_what_was_indexed(documents: Documents,
                                                                              tmp_path: Path) -> None:
    """SQLite's page limit makes the database file full for real (SQLITE_FULL), as a full disk would."""
    from chatapp.core.errors import KnownError

    folder = tmp_path / "docs"
    write(folder / "a.txt", "The first note, about otters.")
    assert documents.add("notes", [folder]).added == 1
    pages = documents.store._db.execute("PRAGMA page_count").fetchone()[0]
    documents.store._db.execute(f"PRAGMA max_page_count = {pages + 1}")
    write(folder / "b.txt", "\n\n".join(f"Paragraph {i} about badgers and their setts. " * 8 for i in range(60)))
    with pytest.raises(KnownError, match=r"could not be written .*free some disk space and re-scan"):
        documents.add("notes", [folder])
    assert names(documents.search(["notes"], "otters", top=1).hits) == ["a.txt"]
    documents.store._db.execute("PRAGMA max_page_count = 1073741823")
    report = documents.add("notes", [folder])  # space again: the re-scan goes on
    assert (report.added, report.unchanged) == (1, 1)
