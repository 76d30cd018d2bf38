"""Model names a person recognises, from real files and from the metadata real hub files carry."""

from __future__ import annotations

from pathlib import Path

import pytest

from chatapp.core.models.gguf_info import read_header
from chatapp.core.models.naming import display_name, file_words


def test_the_demo_and_reference_models_have_their_names(instruct_model: Path, gemma_model: Path) -> None:
    # SmolLM2's general.name is a training run's: "Smollm2 135M 8k Lc100K Mix1 Ep2"
    assert read_header(instruct_model).metadata["general.name"] == "Smollm2 135M 8k Lc100K Mix1 Ep2"
    assert read_header(instruct_model).name == "SmolLM2 135M Instruct"
    assert read_header(gemma_model).name == "Gemma 3 270M"


@pytest.mark.parametrize(("metadata", "file", "name"), [
    ({"general.basename": "Qwen2.5", "general.size_label": "7B", "general.finetune": "Instruct"},
     "Qwen2.5-7B-Instruct-Q4_K_M.gguf", "Qwen2.5 7B Instruct"),
    ({"general.basename": "Meta-Llama-3.1", "general.size_label": "8B", "general.finetune": "Instruct"},
     "Meta-Llama-3.1-8B-Instruct-Q4_K_M.gguf", "Meta Llama 3.1 8B Instruct"),
    ({"general.basename": "gemma-3", "general.size_label": "4B", "general.finetune": "it"},
     "gemma-3-4b-it-Q4_K_M.gguf", "Gemma 3 4B it"),
    ({"general.basename": "Mistral-Nemo", "general.size_label": "12B", "general.finetune": "Instruct-2407"},
     "Mistral-Nemo-Instruct-2407-Q4_K_M.gguf", "Mistral Nemo 12B Instruct 2407"),
    ({"general.basename": "smollm2", "general.size_label": "135M", "general.finetune": "8k-lc100k-mix1-ep2"},
     "SmolLM2-135M-Instruct-00001-of-00002.gguf", "SmolLM2 135M Instruct"),  # a split file's first part
    ({"general.name": "Tiny Test Instruct"}, "tiny-eos.gguf", "Tiny Test Instruct"),  # an older converter's
    ({}, "my_model-v2.Q8_0.gguf", "my model v2"),  # nothing in the metadata: the file's words
])
def test_names_from_metadata_and_file_names(metadata: dict, file: str, name: str) -> None:
    assert display_name(metadata, file) == name


def test_file_words_leave_out_the_quantization_and_split_suffix() -> None:
    assert file_words("SmolLM2-135M-Instruct.Q4_1.gguf") == ["SmolLM2", "135M", "Instruct"]
    assert file_words("Qwen2.5-7B-Instruct-IQ4_XS-00002-of-00003.gguf") == ["Qwen2.5", "7B", "Instruct"]
