"""Process-wide llama.cpp plumbing: its log routed into ours, load progress, and what the build supports.

`llama_cpp` is imported lazily by these functions, so `import chatapp.core...` stays fast and the GUI can
show its window before the library (and its shared objects) are loaded.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any

log = logging.getLogger("chatapp.llama")

# ggml_log_level: NONE=0, DEBUG=1, INFO=2, WARN=3, ERROR=4, CONT=5 (continues the previous line).
_LEVELS = {0: logging.INFO, 1: logging.DEBUG, 2: logging.INFO, 3: logging.WARNING, 4: logging.ERROR}
# The ctypes callback must stay referenced for the life of the process: llama.cpp keeps the raw pointer
# and calls it from any thread, later; freeing it means a segfault on the next log line.
_LOG_CALLBACK: Any = None
_recent_lines: collections.deque[tuple[int, int, str]] = collections.deque(maxlen=200)  # (seq, level, line)
_line_seq = [0]
_partial: list[str] = []
_lock = threading.Lock()
_load_lock = threading.Lock()


def llama() -> Any:
    """The llama_cpp module, imported on first use with its log captured."""
    import llama_cpp

    install_log_capture()
    return llama_cpp


def install_log_capture() -> None:
    """Send llama.cpp's log lines to the `chatapp.llama` logger instead of the terminal."""
    global _LOG_CALLBACK
    if _LOG_CALLBACK is not None:
        return
    import llama_cpp

    last_level = [logging.INFO]

    def on_log(level: int, text: bytes, _user_data: ctypes.c_void_p) -> None:
        py_level = last_level[0] if level == 5 else _LEVELS.get(level, logging.INFO)
        last_level[0] = py_level
        chunk = text.decode("utf-8", errors="replace")
        with _lock:
            _partial.append(chunk)
            if not chunk.endswith("\n"):
                return
            line = "".join(_partial).rstrip()
            _partial.clear()
        if line:
            with _lock:
                _line_seq[0] += 1
                _recent_lines.append((_line_seq[0], py_level, line))
            log.log(py_level, "%s", line)

    _LOG_CALLBACK = llama_cpp.llama_log_callback(on_log)
    llama_cpp.llama_log_set(_LOG_CALLBACK, ctypes.c_void_p(0))


def log_callback() -> Any:
    """The callback object llama.cpp logs through (libmtmd is given it too)."""
    install_log_capture()
    return _LOG_CALLBACK


def mark_log() -> int:
    """A position in llama.cpp's log, so a failure can quote only what it said afterwards."""
    return _line_seq[0]


def last_error_since(mark: int) -> str | None:
    """The last error (or warning) llama.cpp logged after `mark`: the reason behind its generic failures."""
    with _lock:
        errors = [line for seq, level, line in _recent_lines if seq > mark and level >= logging.WARNING]
    return errors[-1] if errors else None


@contextlib.contextmanager
def model_params_hook(progress: Callable[[float], bool] | None, n_seq_max: int = 1) -> Iterator[None]:
    """Adjust llama.cpp's model and context params for the Llama() created inside this block.

    llama-cpp-python builds its params inside `Llama.__init__` from `llama_model_default_params()` and
    `llama_context_default_params()` and offers no progress hook nor a number of sequences, so those
    defaults functions are wrapped for the duration of one load (loads are serialised by a lock) to set
    `progress_callback` (load progress 0..1; the callback returns False to abort the load) and, for
    `n_seq_max` > 1, that many sequences sharing one unified KV cache (parallel requests: any of them
    may use the whole context). (The AMX guard is `drop_amx_buffer_type`, applied once.)
    """
    low = llama().llama_cpp
    c_callback = None
    if progress is not None:
        callback = progress

        def on_progress(value: float, _user_data: ctypes.c_void_p) -> bool:
            try:
                return bool(callback(float(value)))
            except Exception:
                log.exception("load progress callback failed")
                return True

        c_callback = low.llama_progress_callback(on_progress)
    original = _unpatched_default_params()

    original_context = _unpatched_context_params()

    def adjusted_params() -> Any:
        params = default_model_params()
        if c_callback is not None:
            params.progress_callback = c_callback
        return params

    def adjusted_context_params() -> Any:
        params = original_context()
        if n_seq_max > 1:
            params.n_seq_max = n_seq_max
            params.kv_unified = True
        return params

    with _load_lock:
        low.llama_model_default_params = adjusted_params
        low.llama_context_default_params = adjusted_context_params
        try:
            yield
        finally:
            low.llama_model_default_params = original
            low.llama_context_default_params = original_context


_original_default_params: Any = None
_original_context_params: Any = None


def _unpatched_context_params() -> Any:
    global _original_context_params
    if _original_context_params is None:
        _original_context_params = llama().llama_cpp.llama_context_default_params
    return _original_context_params


def _unpatched_default_params() -> Any:
    """llama_model_default_params as the library defines it, captured before any wrapping."""
    global _original_default_params
    if _original_default_params is None:
        _original_default_params = llama().llama_cpp.llama_model_default_params
    return _original_default_params


def default_model_params() -> Any:
    """llama.cpp's default model params, on a build whose AMX buffer type cannot crash us.

    ggml's AMX weight buffer segfaults on the first decode on Sapphire-Rapids-class CPUs (llama.cpp
    issue 20824; seen with 0.3.36). Only that buffer type is taken out (`drop_amx_buffer_type`), so the
    CPU weight repacking that makes Q4_K/Q4_0 decode fast on AVX2/AVX-512 stays on. Should that fail,
    all extra buffer types are turned off, which is safe but slower.
    """
    params = _unpatched_default_params()()
    if not cpu_repack_enabled() or (build_has_amx() and not _amx_dropped()):
        params.use_extra_bufts = False
    return params


def cpu_repack_enabled() -> bool:
    """False when `CHATAPP_CPU_REPACK=0`: weights stay as stored and llama.cpp takes its plain CPU
    kernels instead of the repacked ones (slower). For a CPU whose repacked kernels misbehave, and for
    CI, which runs the generation tests a second time on this other kernel path (.ci/run)."""
    return os.environ.get("CHATAPP_CPU_REPACK", "1").strip() not in ("0", "off", "false", "no")


_AMX_STATE: list[bool] = []  # [dropped?] once decided


def _amx_dropped() -> bool:
    if not _AMX_STATE:
        try:
            drop_amx_buffer_type()
            _AMX_STATE.append("AMX" not in extra_buffer_types())
        except (OSError, AttributeError, ValueError):
            log.exception("could not remove ggml's AMX buffer type; turning off all extra buffer types")
            _AMX_STATE.append(False)
    return _AMX_STATE[0]


def _cpu_extra_bufts() -> tuple[Any, Any]:
    """(ggml library, the CPU device's NULL-terminated array of extra weight buffer types)."""
    from llama_cpp import _ggml

    g = _ggml.libggml
    g.ggml_backend_dev_by_type.restype, g.ggml_backend_dev_by_type.argtypes = ctypes.c_void_p, [ctypes.c_int]
    g.ggml_backend_dev_backend_reg.restype = ctypes.c_void_p
    g.ggml_backend_dev_backend_reg.argtypes = [ctypes.c_void_p]
    g.ggml_backend_reg_get_proc_address.restype = ctypes.c_void_p
    g.ggml_backend_reg_get_proc_address.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    g.ggml_backend_buft_name.restype, g.ggml_backend_buft_name.argtypes = ctypes.c_char_p, [ctypes.c_void_p]
    cpu = g.ggml_backend_dev_by_type(0)  # GGML_BACKEND_DEVICE_TYPE_CPU
    if not cpu:
        raise ValueError("no CPU backend")
    address = g.ggml_backend_reg_get_proc_address(g.ggml_backend_dev_backend_reg(cpu),
                                                  b"ggml_backend_dev_get_extra_bufts")
    if not address:
        return g, None
    get_extra = ctypes.CFUNCTYPE(ctypes.POINTER(ctypes.c_void_p), ctypes.c_void_p)(address)
    return g, get_extra(cpu)


def extra_buffer_types() -> list[str]:
    """Names of the extra weight buffer types llama.cpp will consider for the CPU (e.g. CPU_REPACK, AMX)."""
    llama()
    g, bufts = _cpu_extra_bufts()
    names = []
    i = 0
    while bufts and bufts[i]:
        names.append(g.ggml_backend_buft_name(bufts[i]).decode())
        i += 1
    return names


def drop_amx_buffer_type() -> None:
    """Take "AMX" out of the CPU's extra buffer types, in place, keeping the others in order.

    llama.cpp reads that list (a static array inside ggml-cpu) each time it places a model's weights;
    use_extra_bufts=False would drop CPU_REPACK with it (measured: a third of the decode speed).
    """
    llama()
    g, bufts = _cpu_extra_bufts()
    entries = []
    i = 0
    while bufts and bufts[i]:
        entries.append(bufts[i])
        i += 1
    keep = [b for b in entries if g.ggml_backend_buft_name(b) != b"AMX"]
    for j in range(len(entries)):
        bufts[j] = keep[j] if j < len(keep) else None


def system_info() -> str:
    return str(llama().llama_print_system_info().decode("utf-8", errors="replace"))


def build_has_amx() -> bool:
    return "AMX_INT8 = 1" in system_info()


def supports_gpu_offload() -> bool:
    return bool(llama().llama_supports_gpu_offload())


def backend_name(n_gpu_layers: int) -> str:
    """"CPU", or the GPU backend compiled into this llama.cpp build when layers are offloaded."""
    if n_gpu_layers == 0 or not supports_gpu_offload():
        return "CPU"
    info = system_info().upper()
    for marker, name in (("CUDA", "CUDA"), ("METAL", "Metal"), ("VULKAN", "Vulkan"), ("HIP", "ROCm")):
        if marker in info:
            return name
    return "GPU"


class PromptAbort:
    """Lets a cancel stop llama.cpp in the middle of reading a long prompt (or a scheduler's batch).

    ggml asks the abort callback between graph nodes: thousands of times a prompt. A Python callback
    there takes the GIL on every call, which in a process with other threads (the API server's) made
    reading a prompt 12-22% slower (issue 32; docs/ARCHITECTURE.md has the figures). So the callback
    ggml calls is C that never touches Python —
    libc's `strlen` on a two-byte flag, which is 0 (go on) until a watcher thread, looking at
    `should_stop` every ABORT_POLL_S, writes 1 (stop) — and it is installed only while the prompt is
    read. Where libc cannot be found, a Python callback does the same job, slower.
    Aborted, `llama_decode` returns 2 and llama-cpp-python raises RuntimeError.
    """

    def __init__(self, ctx: Any, should_stop: Callable[[], bool]) -> None:
        lib = llama()
        self._lib = lib
        self._ctx = ctx
        self._flag = ctypes.create_string_buffer(b"\x01" if should_stop() else b"", 2)  # strlen 0: go on, 1: stop
        self._released = threading.Event()
        address = _strlen_address()
        if address is not None:
            self._callback = lib.ggml_abort_callback(address)
            data = ctypes.cast(self._flag, ctypes.c_void_p)
            threading.Thread(target=self._watch, args=(should_stop,), name="prompt-abort", daemon=True).start()
        else:
            self._callback = lib.ggml_abort_callback(lambda _data: bool(should_stop()))
            data = None
        lib.llama_set_abort_callback(self._ctx, self._callback, data)

    def _watch(self, should_stop: Callable[[], bool]) -> None:
        while not should_stop():
            if self._released.wait(ABORT_POLL_S):
                return
        self._flag[0] = b"\x01"

    def release(self) -> None:
        if self._callback is not None:
            self._lib.llama_set_abort_callback(self._ctx, self._lib.ggml_abort_callback(), None)
            self._callback = None
            self._released.set()


# How often a long prompt's watcher looks at its cancel: the most a cancel waits to be seen.
ABORT_POLL_S = 0.05
_STRLEN: list[int | None] = []


def _strlen_address() -> int | None:
    """The address of the C library's strlen (a function of a pointer returning 0 for an empty string:
    read as ggml's `bool (*)(void *)`, the flag's first byte), found once; None where it cannot be."""
    if not _STRLEN:
        try:
            libc = ctypes.cdll.msvcrt if os.name == "nt" else ctypes.CDLL(None)
            _STRLEN.append(ctypes.cast(libc.strlen, ctypes.c_void_p).value)
        except (OSError, AttributeError):
            log.warning("no C strlen found: a long prompt's cancel check runs in Python (slower)")
            _STRLEN.append(None)
    return _STRLEN[0]


def detokenize(vocab: Any, tokens: Sequence[int], special: bool = False) -> bytes:
    """The bytes of `tokens`, whatever their length. llama-cpp-python's own `detokenize` reads each
    piece into a 32-byte buffer and silently drops a longer one (runs of spaces in code, long words:
    SmolLM2 has tokens of 162 bytes), so replies lost text; this asks llama.cpp for the size it needs."""
    lib = llama()
    out = bytearray()
    buffer = ctypes.create_string_buffer(256)
    for token in tokens:
        n = lib.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, special)
        if n < 0:  # too small: -n is the size the piece needs
            buffer = ctypes.create_string_buffer(-n)
            n = lib.llama_token_to_piece(vocab, token, buffer, len(buffer), 0, special)
        out += buffer.raw[:max(n, 0)]
    return bytes(out)
