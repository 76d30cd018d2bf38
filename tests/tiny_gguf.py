"""Write tiny but real GGUF models with gguf-py that llama.cpp loads and runs in milliseconds.

The model is a 1-layer llama whose attention and feed-forward outputs are zero, so the hidden state is
just the embedding of the last token. Embeddings are one-hot and the output matrix maps each token to
the next token of a fixed `script`, with a logit margin (~36) that no sampler setting can overturn. So
the "model" deterministically says the script, whatever the prompt and sampling settings: tests can
assert exact text while going through the real tokenizer, KV cache, sampler and detokenizer.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
from gguf import GGUFWriter, LlamaFileType, TokenType

BYTE_TOKENS = [f"<0x{b:02X}>" for b in range(256)]
BASE_VOCAB = ["<unk>", "<s>", "</s>", *BYTE_TOKENS]
WORDS = ["▁Hello", "▁world", ".", "▁", "▁there", "!", "<|im_start|>", "<|im_end|>", "<end_of_turn>"]
CONTROL = {"<s>", "</s>", "<|im_start|>", "<|im_end|>", "<end_of_turn>"}
HELLO_SCRIPT = ("▁Hello", "▁world", ".")
LOGIT_MARGIN = 2.0
N_HEAD = 4


def write_tiny_model(
    path: Path,
    script: Sequence[str] = HELLO_SCRIPT,
    *,
    name: str = "Tiny Test Instruct",
    chat_template: str | None = None,
    context_length: int = 2048,
    extra_metadata: dict[str, str] | None = None,
) -> Path:
    """Write the model to `path`. The script repeats forever unless it contains "</s>" (end of text)."""
    vocab = BASE_VOCAB + [w for w in WORDS if w not in BASE_VOCAB]
    vocab += [t for t in script if t not in vocab]
    index = {tok: i for i, tok in enumerate(vocab)}
    n_vocab = len(vocab)
    n_embd = -(-n_vocab // (N_HEAD * 16)) * N_HEAD * 16  # one slot per token, head size a multiple of 16
    n_ff = 64

    # next_token[i]: what follows token i. Anything outside the script leads into its start.
    next_token = np.full(n_vocab, index[script[0]])
    for current, following in zip(script, [*script[1:], script[0]], strict=True):
        next_token[index[current]] = index[following]

    embd = np.zeros((n_vocab, n_embd), dtype=np.float32)
    embd[np.arange(n_vocab), np.arange(n_vocab)] = 1.0
    output = np.zeros((n_vocab, n_embd), dtype=np.float32)
    output[next_token, np.arange(n_vocab)] = LOGIT_MARGIN

    writer = GGUFWriter(str(path), "llama")
    writer.add_name(name)
    writer.add_file_type(LlamaFileType.ALL_F32)
    writer.add_context_length(context_length)
    writer.add_embedding_length(n_embd)
    writer.add_block_count(1)
    writer.add_feed_forward_length(n_ff)
    writer.add_head_count(N_HEAD)
    writer.add_head_count_kv(N_HEAD)
    writer.add_layer_norm_rms_eps(1e-5)
    writer.add_rope_dimension_count(n_embd // N_HEAD)
    writer.add_tokenizer_model("llama")
    writer.add_token_list(vocab)
    writer.add_token_scores([0.0 if t in CONTROL else -float(i) for i, t in enumerate(vocab)])
    writer.add_token_types([_token_type(t) for t in vocab])
    writer.add_bos_token_id(index["<s>"])
    writer.add_eos_token_id(index["</s>"])
    writer.add_unk_token_id(index["<unk>"])
    writer.add_add_bos_token(True)
    if chat_template is not None:
        writer.add_chat_template(chat_template)
    for key, value in (extra_metadata or {}).items():
        writer.add_string(key, value)

    zeros = np.zeros
    writer.add_tensor("token_embd.weight", embd)
    writer.add_tensor("output_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("output.weight", output)
    writer.add_tensor("blk.0.attn_norm.weight", np.ones(n_embd, dtype=np.float32))
    for proj in ("q", "k", "v", "output"):
        writer.add_tensor(f"blk.0.attn_{proj}.weight", zeros((n_embd, n_embd), dtype=np.float32))
    writer.add_tensor("blk.0.ffn_norm.weight", np.ones(n_embd, dtype=np.float32))
    writer.add_tensor("blk.0.ffn_gate.weight", zeros((n_ff, n_embd), dtype=np.float32))
    writer.add_tensor("blk.0.ffn_up.weight", zeros((n_ff, n_embd), dtype=np.float32))
    writer.add_tensor("blk.0.ffn_down.weight", zeros((n_embd, n_ff), dtype=np.float32))

    writer.write_header_to_file()
    writer.write_kv_data_to_file()
    writer.write_tensors_to_file()
    writer.close()
    return path


def _token_type(token: str) -> int:
    if token == "<unk>":
        return TokenType.UNKNOWN
    if token in CONTROL:
        return TokenType.CONTROL
    if token in BYTE_TOKENS:
        return TokenType.BYTE
    return TokenType.NORMAL
