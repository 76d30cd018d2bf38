"""all-MiniLM-L6-v2 computed directly from its safetensors weights with numpy, as sentence-transformers
does (BERT encoder, mean pooling, unit length): the reference that the converted GGUF is checked against."""

from __future__ import annotations

import json
import math
import tempfile
import zipfile
from pathlib import Path

import numpy as np

_erf = np.vectorize(math.erf)


def _layer_norm(x: np.ndarray, weight: np.ndarray, bias: np.ndarray, eps: float) -> np.ndarray:
    mean = x.mean(-1, keepdims=True)
    var = ((x - mean) ** 2).mean(-1, keepdims=True)
    return (x - mean) / np.sqrt(var + eps) * weight + bias


class ReferenceMiniLM:
    def __init__(self, model_zip: Path) -> None:
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer

        with tempfile.TemporaryDirectory() as tmp, zipfile.ZipFile(model_zip) as zf:
            zf.extractall(tmp)
            self.w = {k.removeprefix("bert."): v.astype(np.float64)
                      for k, v in load_file(str(Path(tmp) / "model.safetensors")).items()}
            self.config = json.loads((Path(tmp) / "config.json").read_text())
            self.tokenizer = Tokenizer.from_file(str(Path(tmp) / "tokenizer.json"))
        self.tokenizer.no_padding()
        self.tokenizer.no_truncation()

    def token_ids(self, text: str) -> list[int]:
        return list(self.tokenizer.encode(text).ids)

    def embed(self, text: str) -> np.ndarray:
        w, eps = self.w, self.config["layer_norm_eps"]
        ids = self.token_ids(text)
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][: len(ids)]
             + w["embeddings.token_type_embeddings.weight"][0])
        x = _layer_norm(x, w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        heads = self.config["num_attention_heads"]
        size = x.shape[1] // heads
        for i in range(self.config["num_hidden_layers"]):
            p = f"encoder.layer.{i}."

            def linear(v: np.ndarray, name: str, p: str = p) -> np.ndarray:
                return v @ w[p + name + ".weight"].T + w[p + name + ".bias"]

            q, k, v = (linear(x, f"attention.self.{n}").reshape(len(ids), heads, size).transpose(1, 0, 2)
                       for n in ("query", "key", "value"))
            scores = q @ k.transpose(0, 2, 1) / math.sqrt(size)
            scores = np.exp(scores - scores.max(-1, keepdims=True))
            context = (scores / scores.sum(-1, keepdims=True)) @ v
            attended = linear(context.transpose(1, 0, 2).reshape(len(ids), -1), "attention.output.dense")
            x = _layer_norm(x + attended, w[p + "attention.output.LayerNorm.weight"],
                            w[p + "attention.output.LayerNorm.bias"], eps)
            hidden = linear(x, "intermediate.dense")
            hidden = 0.5 * hidden * (1 + _erf(hidden / math.sqrt(2)))
            x = _layer_norm(x + linear(hidden, "output.dense"), w[p + "output.LayerNorm.weight"],
                            w[p + "output.LayerNorm.bias"], eps)
        pooled = x.mean(0)
        return pooled / np.linalg.norm(pooled)
