"""Will a model fit? Memory and thread defaults for the machine chatapp runs on."""

from __future__ import annotations

import os
from typing import TYPE_CHECKING

import psutil

from chatapp.core.errors import QT_TRANSLATE_NOOP, ModelFileError

if TYPE_CHECKING:
    from chatapp.core.models.gguf_info import GGUFHeader

# Compute buffers, the tokenizer and the app itself, on top of weights and KV cache.
RUNTIME_OVERHEAD_BYTES = 300 * 1024**2
# A default, not a limit: bigger contexts cost RAM and prompt time most chats never use.
DEFAULT_MAX_CONTEXT = 8192
MIN_CONTEXT = 512


def available_memory_bytes() -> int:
    return int(psutil.virtual_memory().available)


def physical_cores() -> int:
    """llama.cpp decodes fastest with one thread per physical core (hyper-threads only add contention)."""
    return psutil.cpu_count(logical=False) or os.cpu_count() or 1


def required_bytes(header: GGUFHeader, n_ctx: int) -> int:
    return header.tensor_bytes + header.kv_cache_bytes(n_ctx) + RUNTIME_OVERHEAD_BYTES


def default_context(header: GGUFHeader, available: int | None = None, cap: int = DEFAULT_MAX_CONTEXT) -> int:
    """The model's trained context, capped at `cap` (DEFAULT_MAX_CONTEXT) and at what RAM can hold."""
    available = available_memory_bytes() if available is None else available
    n_ctx = min(header.context_length, cap)
    while n_ctx > MIN_CONTEXT and required_bytes(header, n_ctx) > available:
        n_ctx //= 2
    return n_ctx


def check_fits(header: GGUFHeader, n_ctx: int, gpu_offload: bool, available: int | None = None,
               extra: int = 0) -> None:
    """Refuse to load what would swap the machine to a halt; GPU loads are left to the driver to judge.
    `extra`: bytes loaded beside the model (a vision projector and its compute buffers)."""
    if gpu_offload:
        return
    available = available_memory_bytes() if available is None else available
    need = required_bytes(header, n_ctx) + extra
    if need <= available:
        return
    gib = 1024**3
    weights_fit = header.tensor_bytes + RUNTIME_OVERHEAD_BYTES + header.kv_cache_bytes(MIN_CONTEXT) <= available
    values = {"name": header.path.name, "ctx": n_ctx, "need": need / gib, "free": available / gib}
    if weights_fit:
        raise ModelFileError(
            QT_TRANSLATE_NOOP("core", "Not enough memory for {name} with a {ctx:,}-token context: it needs about "
                              "{need:.1f} GiB and {free:.1f} GiB is free. Choose a smaller context size (at most "
                              "{fits:,} tokens fits)."),
            fits=default_context(header, available), **values,
        )
    raise ModelFileError(
        QT_TRANSLATE_NOOP("core", "Not enough memory for {name} with a {ctx:,}-token context: it needs about "
                          "{need:.1f} GiB and {free:.1f} GiB is free. Close other programs or pick a smaller "
                          "quantization of this model."),
        **values,
    )


# Without a header, the KV cache is guessed from the file size: grouped-query models (most current
# ones) need roughly 5-10% of their weight size per 4k tokens of context.
REMOTE_KV_FRACTION_PER_4K = 0.08
FIT_HEADROOM = 0.75  # above this share of free memory, other programs start to feel it


def estimate_remote_bytes(file_size: int, n_ctx: int = 4096) -> int:
    return int(file_size * (1 + REMOTE_KV_FRACTION_PER_4K * n_ctx / 4096)) + RUNTIME_OVERHEAD_BYTES


def fit_status(required: int, available: int | None = None) -> str:
    """"fits", "tight" or "too large" against the memory free now."""
    available = available_memory_bytes() if available is None else available
    if required <= available * FIT_HEADROOM:
        return "fits"
    return "tight" if required <= available else "too large"
