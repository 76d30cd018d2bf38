"""A tiny LLaVA-style ("mlp") vision projector with random weights, written with gguf-py, that
llama.cpp's clip loader (libmtmd) accepts: it proves the image path end to end without a real vision
model. Random weights see nothing, but different images give different embeddings and the same image
the same ones; an image becomes (image_size // patch_size) ** 2 = 16 tokens. block_count=2, because
the LLaVA graph stops one layer early: with 1 no transformer layer would run."""
from __future__ import annotations

import gguf
import numpy as np


def write_tiny_mmproj(
    path,
    n_embd_text: int = 576,     # must equal llama_model_n_embd_inp() of the text model
    image_size: int = 32,       # every image is resized (with padding) to image_size x image_size
    patch_size: int = 8,        # -> (32/8)^2 = 16 image tokens
    seed: int = 0,
    n_embd: int = 32,           # vision hidden size
    n_head: int = 2,
    n_ff: int = 64,             # must differ from n_embd (else clip.cpp's ffn up/down swap heuristic fires)
    block_count: int = 2,
    proj_hidden: int = 64,      # width of the mm.0 -> GELU -> mm.2 MLP (real LLaVA uses n_embd_text)
) -> str:
    assert image_size % patch_size == 0
    assert n_embd % n_head == 0 and n_ff != n_embd
    rng = np.random.default_rng(seed)
    n_patches = (image_size // patch_size) ** 2

    def rnd(*shape, scale=None):
        # numpy shape is the REVERSE of the ggml ne[] order that clip.cpp talks about
        fan_in = shape[-1] if scale is None else None
        s = scale if scale is not None else 1.0 / np.sqrt(fan_in)
        return (rng.standard_normal(shape) * s).astype(np.float32)

    w = gguf.GGUFWriter(str(path), arch="clip")   # writes general.architecture = "clip"
    w.add_name("tiny-random-mmproj")
    w.add_description("random LLaVA-mlp projector for tests")
    w.add_file_type(0)  # ALL_F32 (informational)

    # --- KV metadata read by clip_model_loader::load_hparams ---
    w.add_bool("clip.has_vision_encoder", True)
    w.add_bool("clip.has_audio_encoder", False)
    w.add_string("clip.projector_type", "mlp")
    w.add_bool("clip.use_gelu", True)                                     # optional (default gelu_quick)
    w.add_uint32("clip.vision.image_size", image_size)                    # required
    w.add_uint32("clip.vision.patch_size", patch_size)                    # required
    w.add_uint32("clip.vision.embedding_length", n_embd)                  # required
    w.add_uint32("clip.vision.feed_forward_length", n_ff)                 # required
    w.add_uint32("clip.vision.block_count", block_count)                  # required
    w.add_uint32("clip.vision.attention.head_count", n_head)              # required
    w.add_float32("clip.vision.attention.layer_norm_epsilon", 1e-5)       # required
    w.add_uint32("clip.vision.projection_dim", n_embd_text)               # required (metadata only for mlp)
    w.add_array("clip.vision.image_mean", [0.5, 0.5, 0.5])                # required, >= 3 floats
    w.add_array("clip.vision.image_std", [0.5, 0.5, 0.5])                 # required, >= 3 floats

    # --- tensors (name: numpy shape  == ggml ne reversed) ---
    # patch embedding = conv2d kernel, ggml ne [p, p, 3, n_embd]
    w.add_tensor("v.patch_embd.weight", rnd(n_embd, 3, patch_size, patch_size, scale=0.2))
    w.add_tensor("v.patch_embd.bias", rnd(n_embd, scale=0.02))
    # learned absolute positions, ggml ne [n_embd, n_pos]  (no class token)
    w.add_tensor("v.position_embd.weight", rnd(n_patches, n_embd, scale=0.02))
    for il in range(block_count):
        p = f"v.blk.{il}"
        for t in ("attn_q", "attn_k", "attn_v", "attn_out"):
            w.add_tensor(f"{p}.{t}.weight", rnd(n_embd, n_embd))
            w.add_tensor(f"{p}.{t}.bias", np.zeros(n_embd, np.float32))
        for t in ("ln1", "ln2"):
            w.add_tensor(f"{p}.{t}.weight", np.ones(n_embd, np.float32))
            w.add_tensor(f"{p}.{t}.bias", np.zeros(n_embd, np.float32))
        w.add_tensor(f"{p}.ffn_up.weight", rnd(n_ff, n_embd))     # ne [n_embd, n_ff]
        w.add_tensor(f"{p}.ffn_up.bias", np.zeros(n_ff, np.float32))
        w.add_tensor(f"{p}.ffn_down.weight", rnd(n_embd, n_ff))   # ne [n_ff, n_embd]
        w.add_tensor(f"{p}.ffn_down.bias", np.zeros(n_embd, np.float32))
    # LLaVA projector: mm.0 (n_embd -> proj_hidden), GELU, mm.2 (proj_hidden -> n_embd_text)
    # biases are REQUIRED for "mlp" (the graph does ggml_add(..., mm_0_b) unconditionally),
    # mm.2.weight is REQUIRED (clip_n_mmproj_embd reads mm_2_w->ne[1]).
    w.add_tensor("mm.0.weight", rnd(proj_hidden, n_embd, scale=1.0))      # ne [n_embd, proj_hidden]
    w.add_tensor("mm.0.bias", np.zeros(proj_hidden, np.float32))
    # ne [proj_hidden, n_embd_text]
    w.add_tensor("mm.2.weight", rnd(n_embd_text, proj_hidden, scale=0.2 / np.sqrt(proj_hidden)))
    w.add_tensor("mm.2.bias", np.zeros(n_embd_text, np.float32))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return str(path)
