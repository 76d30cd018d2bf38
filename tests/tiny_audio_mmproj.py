"""A tiny Ultravox-style audio projector with random weights, written with gguf-py, that llama.cpp's
clip loader (libmtmd) accepts: it proves the recording path end to end without a real audio model.
Random weights hear nothing, but different sounds give different embeddings and the same sound the same.

What clip.cpp runs for "ultravox" is whisper's encoder (clip_graph_whisper_enc): log-mel [frames, 128]
-> conv1d(k=3) + GELU -> conv1d(k=3, stride 2) + GELU -> + learned positions -> transformer layers ->
stack `stack_factor` frames -> norm -> SwiGLU MLP into the text model's embedding space.

How many embeddings ("tokens") a recording becomes: libmtmd's whisper preprocessing appends 30 s of
silence and keeps whole 30 s windows of 3,000 mel frames; each window is its own audio chunk of
3000 / 2 (stride-2 conv) / stack_factor tokens. So anything shorter than 30 s is one chunk, 30–60 s two:
`audio_tokens` says how many. Real Ultravox stacks 8 frames (187 tokens a window); 100 keeps a test's
prompt at 15 tokens a window, read in a tenth of a second.

What clip.cpp insists on (each a process abort or crash otherwise, found by probing): q and v biases
and no k bias in every layer; the conv biases 2-D ([n_embd, 1]); positions for at least 1,500 frames.
"""
from __future__ import annotations

import gguf
import numpy as np

FRAMES_PER_WINDOW = 3000  # mel frames in one 30 s window (10 ms hop), fixed by libmtmd for whisper encoders


def audio_tokens(seconds: float, stack_factor: int = 100) -> int:
    """The embeddings libmtmd makes of a recording of `seconds`, all its chunks together."""
    n_samples = round(seconds * 16000)
    n_frames = (n_samples + 16000 * 30) // 160 + 1  # reflected padding + 30 s of zeros, 160-sample hop
    return (n_frames // FRAMES_PER_WINDOW) * (FRAMES_PER_WINDOW // 2 // stack_factor)


def write_tiny_audio_mmproj(
    path,
    n_embd_text: int = 576,  # must equal llama_model_n_embd_inp() of the text model (SmolLM2: 576)
    seed: int = 0,
    stack_factor: int = 100,  # must divide 1,500 (the frames after the stride-2 conv)
    n_mel_bins: int = 128,
    n_embd: int = 32,  # encoder hidden size
    n_head: int = 2,
    n_ff: int = 64,
    block_count: int = 1,
    proj_hidden: int = 64,  # the SwiGLU MLP's width (its first matrix is twice this: gate and up)
) -> str:
    assert n_embd % n_head == 0 and (FRAMES_PER_WINDOW // 2) % stack_factor == 0
    rng = np.random.default_rng(seed)

    def rnd(*shape, scale=None):
        # numpy shape is the REVERSE of the ggml ne[] order that clip.cpp talks about
        s = scale if scale is not None else 1.0 / np.sqrt(int(np.prod(shape[1:])))
        return (rng.standard_normal(shape) * s).astype(np.float32)

    w = gguf.GGUFWriter(str(path), arch="clip")
    w.add_name("tiny-random-audio-mmproj")
    w.add_description("random Ultravox projector for tests")
    w.add_file_type(0)  # ALL_F32 (informational)

    # --- KV metadata read by clip_model_loader::load_hparams ---
    w.add_bool("clip.has_vision_encoder", False)
    w.add_bool("clip.has_audio_encoder", True)
    w.add_string("clip.projector_type", "ultravox")
    w.add_uint32("clip.audio.projector.stack_factor", stack_factor)  # required for ultravox
    w.add_uint32("clip.audio.num_mel_bins", n_mel_bins)
    w.add_uint32("clip.audio.embedding_length", n_embd)
    w.add_uint32("clip.audio.feed_forward_length", n_ff)
    w.add_uint32("clip.audio.block_count", block_count)
    w.add_uint32("clip.audio.attention.head_count", n_head)
    w.add_float32("clip.audio.attention.layer_norm_epsilon", 1e-5)
    w.add_uint32("clip.audio.projection_dim", n_embd_text)

    # --- whisper's encoder ---
    w.add_tensor("a.conv1d.1.weight", rnd(n_embd, n_mel_bins, 3))  # ne [3, n_mel, n_embd]
    w.add_tensor("a.conv1d.1.bias", np.zeros((n_embd, 1), np.float32))
    w.add_tensor("a.conv1d.2.weight", rnd(n_embd, n_embd, 3))
    w.add_tensor("a.conv1d.2.bias", np.zeros((n_embd, 1), np.float32))
    w.add_tensor("a.position_embd.weight", rnd(FRAMES_PER_WINDOW // 2, n_embd, scale=0.02))
    for il in range(block_count):
        p = f"a.blk.{il}"
        for t in ("attn_q", "attn_k", "attn_v", "attn_out"):
            w.add_tensor(f"{p}.{t}.weight", rnd(n_embd, n_embd))
        for t in ("attn_q", "attn_v", "attn_out"):  # whisper's k projection has no bias
            w.add_tensor(f"{p}.{t}.bias", np.zeros(n_embd, np.float32))
        for t in ("ln1", "ln2"):
            w.add_tensor(f"{p}.{t}.weight", np.ones(n_embd, np.float32))
            w.add_tensor(f"{p}.{t}.bias", np.zeros(n_embd, np.float32))
        w.add_tensor(f"{p}.ffn_up.weight", rnd(n_ff, n_embd))
        w.add_tensor(f"{p}.ffn_up.bias", np.zeros(n_ff, np.float32))
        w.add_tensor(f"{p}.ffn_down.weight", rnd(n_embd, n_ff))
        w.add_tensor(f"{p}.ffn_down.bias", np.zeros(n_embd, np.float32))
    w.add_tensor("a.post_ln.weight", np.ones(n_embd, np.float32))
    w.add_tensor("a.post_ln.bias", np.zeros(n_embd, np.float32))

    # --- Ultravox's projector: stacked frames -> RMS norm -> SwiGLU -> norm -> into the text model ---
    stacked = n_embd * stack_factor
    w.add_tensor("mm.a.norm_pre.weight", np.ones(stacked, np.float32))
    w.add_tensor("mm.a.mlp.1.weight", rnd(2 * proj_hidden, stacked))
    w.add_tensor("mm.a.norm_mid.weight", np.ones(proj_hidden, np.float32))
    # small outputs (std ~0.05), about the size of the text model's own token embeddings
    w.add_tensor("mm.a.mlp.2.weight", rnd(n_embd_text, proj_hidden, scale=0.05 / np.sqrt(proj_hidden)))

    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    return str(path)
