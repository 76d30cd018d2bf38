"""Sentence embeddings from a GGUF embedding model through llama.cpp.

The model gets a llama.cpp context of its own (never the chat model's), sized to its training context,
with flash attention: on a 2-core CPU a 512-token batch with flash attention embeds fastest (measured
on all-MiniLM-L6-v2: 1024- and 2048-token batches are slower, because attention over a batch is
quadratic in the batch, not in each passage). Passages are tokenized once, packed into batches of
whole sequences, and read back as one numpy array of unit-length vectors, so cosine similarity is a
dot product.

Some models want a task prefix on queries and documents (nomic-embed-text, the BGE and E5 families);
`_PREFIXES` adds it by model name.
"""

from __future__ import annotations

import ctypes
import threading
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError, ModelFileError
from chatapp.core.models import memory
from chatapp.core.runtime import llama_runtime

if TYPE_CHECKING:
    import numpy as np

# (query prefix, document prefix) by a lower-case fragment of the model's name or file name.
_PREFIXES: dict[str, tuple[str, str]] = {
    "nomic-embed": ("search_query: ", "search_document: "),
    "bge-small-en": ("Represent this sentence for searching relevant passages: ", ""),
    "bge-base-en": ("Represent this sentence for searching relevant passages: ", ""),
    "bge-large-en": ("Represent this sentence for searching relevant passages: ", ""),
    "e5-": ("query: ", "passage: "),
    "qwen3-embedding": ("Instruct: Given a question, retrieve passages that answer it\nQuery: ", ""),
}
MAX_BATCH_TOKENS = 512


class Embedder:
    """One embedding model, loaded. Indexing (the documents thread) and questions (the model thread) share
    it: each llama.cpp call holds the lock, so they interleave batch by batch."""

    def __init__(self, path: str | Path, n_threads: int | None = None) -> None:
        from chatapp.core.models.gguf_info import read_header

        header = read_header(path, chat=False)
        self.path = header.path
        self.name = header.name
        pooling = header.arch_value("pooling_type")
        if pooling is None or int(pooling) == 0:  # LLAMA_POOLING_TYPE_NONE: a chat model, not an embedder
            raise ModelFileError(QT_TRANSLATE_NOOP(
                "core", "{name} is not an embedding model; use one such as all-MiniLM-L6-v2, bge-small or "
                        "nomic-embed-text."), name=header.path.name)
        self.max_tokens = min(int(header.context_length), MAX_BATCH_TOKENS)
        lib = llama_runtime.llama()
        mark = llama_runtime.mark_log()
        threads = n_threads or memory.physical_cores()
        try:
            with llama_runtime.model_params_hook(None):
                self._llm = lib.Llama(
                    model_path=str(header.path), embedding=True, n_ctx=self.max_tokens, n_batch=self.max_tokens,
                    n_ubatch=self.max_tokens, n_threads=threads, n_threads_batch=threads, flash_attn=True,
                    n_gpu_layers=-1 if llama_runtime.supports_gpu_offload() else 0, verbose=False,
                )
        except (ValueError, RuntimeError, OSError) as exc:
            reason = llama_runtime.last_error_since(mark) or str(exc)
            raise ModelFileError(QT_TRANSLATE_NOOP("core", "llama.cpp could not load {name}: {reason}"),
                                 name=header.path.name, reason=reason.strip()) from None
        self.dimension = int(self._llm.n_embd())
        self._n_seq_max = int(self._llm.context_params.n_seq_max)
        key = f"{header.name} {header.path.name}".lower()
        self.query_prefix, self.document_prefix = next(
            (prefixes for fragment, prefixes in _PREFIXES.items() if fragment in key), ("", ""))
        unknown = self._llm.metadata.get("tokenizer.ggml.unknown_token_id")
        # WordPiece and SentencePiece models have an unknown token; byte-level BPE reads every text.
        self._unknown_id = int(unknown) if unknown is not None and str(unknown).isdigit() else None
        self._lock = threading.Lock()

    def close(self) -> None:
        self._llm.close()

    def count_tokens(self, text: str) -> int:
        """Tokens of `text` alone, without the model's start and end tokens (what chunking budgets)."""
        return len(self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False))

    def token_counts(self, texts: Sequence[str]) -> tuple[int, int]:
        """(tokens, unknown tokens) of the texts: how much of them the model can read at all."""
        total = unknown = 0
        for text in texts:
            tokens = self._llm.tokenize(text.encode("utf-8"), add_bos=False, special=False)
            total += len(tokens)
            if self._unknown_id is not None:
                unknown += tokens.count(self._unknown_id)
        return total, unknown

    def unknown_share(self, text: str) -> float:
        """The share of `text`'s tokens the model does not know (all-MiniLM reads most Chinese as [UNK])."""
        total, unknown = self.token_counts([text])
        return unknown / total if total else 0.0

    def embed_documents(self, texts: Sequence[str], cancel: threading.Event | None = None,
                        on_batch: Callable[[int], None] | None = None) -> np.ndarray:
        return self._embed([self.document_prefix + t for t in texts], cancel, on_batch)

    def embed_query(self, text: str) -> np.ndarray:
        return self._embed([self.query_prefix + text])[0]

    def embed_tokens(self, sequences: Sequence[Sequence[int]]) -> np.ndarray:
        """Unit-length vectors of token sequences given as the model's token ids (the API's `input` as
        tokens): each read between the model's start and end tokens, as a text's tokens are."""
        n_vocab = int(self._llm.n_vocab())
        for i, seq in enumerate(sequences):
            if any(not 0 <= t < n_vocab for t in seq):
                raise KnownError(QT_TRANSLATE_NOOP("core", "Input {index} has a token id this embedding model does not "
                                                   "have (its vocabulary has {n:,} tokens)."), index=i, n=n_vocab)
        wrap = self._llm.tokenize(b"", add_bos=True, special=False)  # e.g. [CLS] [SEP]
        start, end = wrap[:1], wrap[1:]
        return self._embed([], sequences=[[*start, *seq, *end] for seq in sequences])

    def token_batches(self, texts: Sequence[str]) -> list[list[list[int]]]:
        """The texts tokenized (with the model's start/end tokens, cut to its context) and grouped
        into batches of at most `max_tokens` tokens: exactly what `_embed` decodes."""
        return self._batches([self._llm.tokenize(text.encode("utf-8"), add_bos=True, special=False) for text in texts])

    def _batches(self, sequences: Sequence[list[int]]) -> list[list[list[int]]]:
        batches: list[list[list[int]]] = [[]]
        used = 0
        for tokens in sequences:
            if len(tokens) > self.max_tokens:  # keep the end-of-sequence token the model was trained with
                tokens = [*tokens[: self.max_tokens - 1], tokens[-1]]
            if batches[-1] and (used + len(tokens) > self.max_tokens or len(batches[-1]) >= self._n_seq_max):
                batches.append([])
                used = 0
            batches[-1].append(tokens)
            used += len(tokens)
        return batches if batches[0] else []

    def _embed(self, texts: Sequence[str], cancel: threading.Event | None = None,
               on_batch: Callable[[int], None] | None = None,
               sequences: Sequence[list[int]] | None = None) -> np.ndarray:
        """Unit-length vectors, one row per text (or per token sequence, given instead). Raises
        `EmbeddingCancelled` between batches."""
        import numpy as np

        out = np.zeros((len(sequences) if sequences is not None else len(texts), self.dimension), dtype=np.float32)
        row = 0
        with self._lock:
            batches = self._batches(sequences) if sequences is not None else self.token_batches(texts)
        for batch in batches:
            if cancel is not None and cancel.is_set():
                raise EmbeddingCancelled
            # Locked per batch, not per call: a question asked while a long file is being indexed waits
            # for one batch (~0.1 s), not for the whole file.
            with self._lock:
                vectors = self.decode_batch(batch)
            out[row : row + len(batch)] = vectors
            row += len(batch)
            if on_batch is not None:
                on_batch(len(batch))
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return out / np.maximum(norms, 1e-12)

    def decode_batch(self, sequences: list[list[int]]) -> np.ndarray:
        """One llama_decode of whole sequences; their pooled embeddings as rows (not normalized)."""
        import numpy as np

        lib = llama_runtime.llama()
        llm: Any = self._llm
        llm._batch.reset()
        for seq_id, tokens in enumerate(sequences):
            llm._batch.add_sequence(tokens, seq_id, True)
        llm._ctx.kv_cache_clear()
        llm._ctx.decode(llm._batch)
        rows = np.empty((len(sequences), self.dimension), dtype=np.float32)
        for seq_id in range(len(sequences)):
            pointer = lib.llama_get_embeddings_seq(llm._ctx.ctx, seq_id)
            rows[seq_id] = np.ctypeslib.as_array(ctypes.cast(pointer, ctypes.POINTER(ctypes.c_float)),
                                                 shape=(self.dimension,))
        return rows


class EmbeddingCancelled(Exception):
    """Embedding stopped between two batches because the caller asked."""
