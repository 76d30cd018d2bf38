"""What a model is called on screen, from its file's metadata and name.

A GGUF's `general.name` is whatever the converter was given, often a training run's name (SmolLM2's
is "Smollm2 135M 8k Lc100K Mix1 Ep2"). People know a model by its family, size and kind:
"SmolLM2 135M Instruct". So the name is built from `general.basename` + `general.size_label` +
`general.finetune` where those are present and the finetune is a word (Instruct, it, Chat), spelled
as the file name spells the family (SmolLM2, not smollm2); the file name's own words fill in a
finetune the metadata lacks; with no basename at all, the file name (without its quantization) is
used. The quantization is shown beside the name, not in it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path, PurePosixPath
from typing import Any

# Quant names as they appear in file names, longest alternatives first.
QUANT_PATTERN = re.compile(
    r"(?<![A-Za-z0-9])(IQ[1-4]_(?:XXS|XS|S|M|NL)|Q[2-8]_K(?:_[SML]|_XL)?|Q[4-8]_[01]|MXFP4|TQ[12]_0|"
    r"BF16|F16|F32|FP16)(?![A-Za-z0-9])",
    re.IGNORECASE,
)
_SPLIT_SUFFIX = re.compile(r"-\d{5}-of-\d{5}$")
# A finetune label: words, perhaps a release date ("Instruct", "it", "Coder-Instruct", "Instruct-2407"),
# not a training run's slug ("8k-lc100k-mix1-ep2").
_WORD = re.compile(r"^[A-Za-z]+(?:[-_ ](?:[A-Za-z]+|\d{4}))*$")
_SEPARATORS = re.compile(r"[-_ ]+")  # not ".": "Qwen2.5", "Llama-3.1"


def is_projector_file(name: str) -> bool:
    """A vision projector (mmproj-*.gguf): part of the model beside it, never a model of its own."""
    return "mmproj" in name.lower() and name.lower().endswith(".gguf")


def parse_quant(file_name: str) -> str:
    match = QUANT_PATTERN.search(PurePosixPath(file_name).name)
    return match.group(1).upper().replace("FP16", "F16") if match else "unknown"


def file_words(path: Path | str) -> list[str]:
    """The file name's words, without the extension, split-part suffix or quantization."""
    stem = _SPLIT_SUFFIX.sub("", PurePosixPath(str(path)).name.removesuffix(".gguf"))
    stem = QUANT_PATTERN.sub("", stem)
    return [w.strip(".") for w in _SEPARATORS.split(stem) if w.strip(".")]


def display_name(metadata: Mapping[str, Any], path: Path | str) -> str:
    """"SmolLM2 135M Instruct", "Gemma 3 270M", "Qwen2.5 7B Instruct"."""
    words = file_words(path)
    basename = str(metadata.get("general.basename") or "").strip()
    if not basename:  # an older converter: its `general.name` is usually the model's, else the file's words
        return str(metadata.get("general.name") or "").strip() or " ".join(words) or PurePosixPath(str(path)).stem
    family = _spelled_as_in_file(basename, words)
    size = str(metadata.get("general.size_label") or "").strip()
    finetune = str(metadata.get("general.finetune") or "").strip()
    if not _WORD.match(finetune):
        finetune = _finetune_from_file(words, family, size)
    parts = [family, size.upper() if size.lower().endswith(("m", "b", "k")) else size, _title(finetune)]
    return " ".join(p for p in parts if p)


def _spelled_as_in_file(basename: str, words: list[str]) -> str:
    """The family as the file name writes it ("SmolLM2"), else title-cased if all lower case."""
    wanted = _SEPARATORS.split(basename.lower())
    lowered = [w.lower() for w in words]
    for i in range(len(words) - len(wanted) + 1):
        if lowered[i : i + len(wanted)] == wanted:
            spelled = words[i : i + len(wanted)]
            if any(w != w.lower() for w in spelled):
                return " ".join(spelled)
            break
    return " ".join(w.capitalize() if w.isalpha() else w for w in _SEPARATORS.split(basename))


def _finetune_from_file(words: list[str], family: str, size: str) -> str:
    """The words after the family and size in the file name ("Instruct", "Instruct 2407")."""
    skip = {w.lower() for w in _SEPARATORS.split(family)} | {size.lower()}
    return " ".join(w for w in words if ((w.isalpha() and len(w) > 1) or re.fullmatch(r"\d{4}", w))
                    and w.lower() not in skip)


def _title(finetune: str) -> str:
    words = _SEPARATORS.split(finetune)
    return " ".join(w if w != w.lower() or w == "it" else w.capitalize() for w in words if w)
