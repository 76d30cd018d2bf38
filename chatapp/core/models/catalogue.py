"""The recommended models (resources/catalogue.json): current, small-to-mid models, where each one is on
every source, its licence and languages, what it can do, and one line about it in each window language.

Hugging Face and its mirrors share repository names; ModelScope has its own (the publishers' official
GGUFs there are often under another owner), so an entry names both, and an entry ModelScope does not
carry is simply not shown while ModelScope is the source.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatapp.core.models.sources import ModelSource

# The languages an entry may name, in the order shown; "many" stands for dozens more.
LANGUAGE_CODES = ("en", "zh", "many")


@dataclass(frozen=True)
class CatalogueEntry:
    repo_id: str  # on Hugging Face (and every mirror of it)
    title: str
    params: str
    quant: str  # the suggested quantization (the row highlighted in the file list)
    about: str  # one line in the language it was loaded for (English when it has no translation)
    licence: str = ""
    reasoning: bool = False  # thinks in <think> blocks before answering
    embedding: bool = False  # an embedding model, for document collections (not for chatting)
    tools: bool = False  # calls tools well (its template takes tools; tried with MCP servers)
    vision: bool = False  # sees images (its repo has a vision projector, downloaded with it)
    modelscope_id: str = ""  # the same GGUFs on ModelScope; "" when it has none
    languages: tuple[str, ...] = ()  # from LANGUAGE_CODES

    def repo_on(self, source: ModelSource) -> str:
        """The repository on `source`, or "" when that source does not carry this model."""
        return self.modelscope_id if source.kind == "modelscope" else self.repo_id


def _entry(m: dict[str, Any], embedding: bool, language: str) -> CatalogueEntry:
    languages = tuple(m.get("languages", ()))
    if any(code not in LANGUAGE_CODES for code in languages):
        raise ValueError(f"unknown language in {languages}")
    return CatalogueEntry(
        m["repo"], m["title"], m["params"], m["quant"], m.get(f"about_{language}") or m["about"], m.get("licence", ""),
        reasoning=bool(m.get("reasoning", False)), embedding=embedding, tools=bool(m.get("tools", False)),
        vision=bool(m.get("vision", False)), modelscope_id=m.get("modelscope", ""), languages=languages,
    )


def load_catalogue(path: Path, language: str = "en") -> list[CatalogueEntry]:
    """The chat models, then the embedding models, described in `language` (the window's, e.g. "zh_CN":
    each entry's `about_zh_CN`); empty if the file is missing or damaged."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return ([_entry(m, False, language) for m in data["models"]]
                + [_entry(m, True, language) for m in data.get("embedding_models", [])])
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return []
