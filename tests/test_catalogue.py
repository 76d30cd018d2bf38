"""The recommended models: current families, well-formed hub names on each source, a licence, languages and
a note in English and Chinese for each."""

from __future__ import annotations

import json
import re
from pathlib import Path

from huggingface_hub.utils import validate_repo_id

from chatapp.core.models.catalogue import LANGUAGE_CODES, CatalogueEntry, load_catalogue
from chatapp.core.models.naming import parse_quant
from chatapp.core.models.remote import RemoteFile, group_gguf_files
from chatapp.core.models.sources import HUGGING_FACE, MODELSCOPE, mirror

CATALOGUE = Path(__file__).resolve().parent.parent / "resources" / "catalogue.json"
EARLIER_GENERATIONS = ("Qwen2.5", "Llama-3.1", "gemma-2", "Phi-3.5", "Mistral-7B")


def entries() -> list[CatalogueEntry]:
    """The chat models."""
    loaded = load_catalogue(CATALOGUE)
    assert loaded, "resources/catalogue.json is missing or damaged"
    return [e for e in loaded if not e.embedding]


def test_embedding_models_for_documents_follow_the_chat_models() -> None:
    loaded = load_catalogue(CATALOGUE)
    embedding = [e for e in loaded if e.embedding]
    assert len(embedding) >= 3 and loaded[-len(embedding):] == embedding
    assert any("all-MiniLM-L6-v2" in e.title for e in embedding)  # the built-in one, downloadable too
    for entry in embedding:
        for repo in filter(None, (entry.repo_id, entry.modelscope_id)):
            validate_repo_id(repo)
            assert repo.lower().endswith("-gguf"), repo
        assert parse_quant(f"model-{entry.quant}.gguf") == entry.quant
        assert entry.licence and 20 < len(entry.about) <= 100


def params(entry: CatalogueEntry) -> float:
    return float(entry.params.rstrip("B"))


def test_every_entry_is_a_well_formed_current_gguf_repo() -> None:
    for entry in entries():
        for repo in filter(None, (entry.repo_id, entry.modelscope_id)):
            validate_repo_id(repo)  # the hub's own check of owner/name (ModelScope's are alike)
            assert repo.lower().endswith("-gguf"), repo
        # Vision models go by what llama.cpp's libmtmd reads well (Qwen2.5-VL is the current Qwen-VL there).
        if not entry.vision:
            assert not any(old.lower() in entry.repo_id.lower() for old in EARLIER_GENERATIONS), entry.repo_id
        assert parse_quant(f"model-{entry.quant}.gguf") == entry.quant  # a quant the hub listing recognises
        assert entry.licence and entry.title and re.fullmatch(r"\d+(\.\d+)?B", entry.params)
        assert 20 < len(entry.about) <= 100 and "\n" not in entry.about


def test_small_first_with_reasoning_models_among_them() -> None:
    sizes = [params(e) for e in entries()]
    assert sizes == sorted(sizes)
    assert sizes[0] < 1 and sizes[-1] >= 12  # from any laptop to a workstation
    assert sum(e.reasoning for e in entries()) >= 3
    assert sum(e.vision for e in entries()) >= 3  # models that see images, small to large


def test_files_named_the_way_these_repos_name_them_are_found_with_their_quant() -> None:
    """bartowski's repos name files `<model>-<QUANT>.gguf` (org_ prefix kept): the listing must group each
    as one model with the catalogue's quant."""
    for entry in entries():
        model = entry.repo_id.split("/")[1].removesuffix("-GGUF")
        files = [RemoteFile(f"{model}-{q}.gguf", 1_000_000, "0" * 64) for q in (entry.quant, "Q8_0", "IQ4_XS")]
        grouped = group_gguf_files(entry.repo_id, files)
        assert entry.quant in {m.quant for m in grouped}, entry.repo_id


def test_chinese_first_families_are_there_and_most_models_are_on_modelscope_too() -> None:
    titles = " ".join(e.title for e in entries())
    for family in ("Qwen3", "DeepSeek-R1", "GLM", "MiniCPM", "InternLM"):
        assert family in titles, family
    on_modelscope = [e for e in entries() if e.repo_on(MODELSCOPE)]
    assert len(on_modelscope) >= 0.7 * len(entries())
    assert sum(e.reasoning for e in on_modelscope) >= 3 and sum(e.vision for e in on_modelscope) >= 2
    entry = entries()[0]
    assert entry.repo_on(HUGGING_FACE) == entry.repo_on(mirror()) == entry.repo_id  # a mirror has HF's names


def test_every_entry_names_its_languages_and_reads_in_chinese() -> None:
    english = load_catalogue(CATALOGUE)
    chinese = load_catalogue(CATALOGUE, "zh_CN")
    assert [e.repo_id for e in english] == [e.repo_id for e in chinese]
    for en, zh in zip(english, chinese, strict=True):
        assert en.languages and set(en.languages) <= set(LANGUAGE_CODES), en.repo_id
        assert re.search(r"[\u4e00-\u9fff]", zh.about) and zh.about != en.about, en.repo_id
        assert not re.search(r"[\u4e00-\u9fff]", en.about), en.repo_id
    assert load_catalogue(CATALOGUE, "fr")[0].about == english[0].about  # no translation: English


def test_a_damaged_catalogue_is_an_empty_one(tmp_path: Path) -> None:
    damaged = tmp_path / "catalogue.json"
    for text in ("{", json.dumps({"models": [{"repo": "a/b-GGUF"}]}),
                 json.dumps({"models": [{"repo": "a/b-GGUF", "title": "t", "params": "1B", "quant": "Q4_K_M",
                                         "about": "x", "languages": ["klingon"]}]})):
        damaged.write_text(text)
        assert load_catalogue(damaged) == []
