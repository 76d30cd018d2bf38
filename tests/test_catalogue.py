"""The recommended models: current families, well-formed hub names, a licence and a note for each."""

from __future__ import annotations

import re
from pathlib import Path

from huggingface_hub.utils import validate_repo_id

from chatapp.core.models.hub import CatalogueEntry, RemoteFile, group_gguf_files, load_catalogue
from chatapp.core.models.naming import parse_quant

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
        validate_repo_id(entry.repo_id)
        assert entry.repo_id.lower().endswith("-gguf"), entry.repo_id
        assert parse_quant(f"model-{entry.quant}.gguf") == entry.quant
        assert entry.licence and 20 < len(entry.about) <= 100


def params(entry: CatalogueEntry) -> float:
    return float(entry.params.rstrip("B"))


def test_every_entry_is_a_well_formed_current_gguf_repo() -> None:
    for entry in entries():
        validate_repo_id(entry.repo_id)  # the hub's own check of owner/name
        assert entry.repo_id.endswith("-GGUF"), entry.repo_id
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
