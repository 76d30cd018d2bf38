"""Process-wide llama.cpp plumbing: its log routed into ours, load progress, and what the build supports.

`llama_cpp` is imported lazily by these functions, so `import chatapp.core...` stays fast and the GUI can
show its window before the library (and its shared objects) are loaded.
"""

from __future__ import annotations

import collections
import contextlib
import ctypes
import logging
import threading
from collections.abc import Callable, Iterator
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


def mark_log() -> int:
    """A position in llama.cpp's log, so a failure can quote only what it said afterwards."""
    return _line_seq[0]


def last_error_since(mark: int) -> str | None:
    """The last error (or warning) llama.cpp logged after `mark`: the reason behind its generic failures."""
    with _lock:
        errors = [line for seq, level, line in _recent_lines if seq > mark and level >= logging.WARNING]
    return errors[-1] if errors else None


@contextlib.contextmanager
def model_params_hook(progress: Callable[[float], bool] | None) -> Iterator[None]:
    """Adjust llama.cpp's model params for the Llama() created inside this block.

    llama-cpp-python builds its model params inside `Llama.__init__` from `llama_model_default_params()`
    and offers neither a progress hook nor `use_extra_bufts`, so that defaults function is wrapped for
    the duration of one load (loads are serialised by a lock). Two changes:
    - `progress_callback`: load progress 0..1; the callback returns False to abort the load;
    - `use_extra_bufts = False` on builds with AMX: ggml's AMX weight repacking segfaults on the first
      decode on this Sapphire-Rapids-class machine (llama.cpp issue 20824; seen here with 0.3.36).
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

    def adjusted_params() -> Any:
        params = default_model_params()
        if c_callback is not None:
            params.progress_callback = c_callback
        return params

    with _load_lock:
        low.llama_model_default_params = adjusted_params
        try:
            yield
        finally:
            low.llama_model_default_params = original


_original_default_params: Any = None


def _unpatched_default_params() -> Any:
    """llama_model_default_params as the library defines it, captured before any wrapping."""
    global _original_default_params
    if _original_default_params is None:
        _original_default_params = llama().llama_cpp.llama_model_default_params
    return _original_default_params


def default_model_params() -> Any:
    """llama.cpp's default model params, minus the AMX repacking that crashes (see model_params_hook)."""
    params = _unpatched_default_params()()
    if build_has_amx():
        params.use_extra_bufts = False
    return params


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
    """Lets a cancel stop llama.cpp in the middle of reading a long prompt.

    ggml asks the abort callback between graph nodes; a Python callback there costs ~1 ms per decoded
    token, so it is installed only while the prompt is evaluated and removed at the first token.
    Aborted, `llama_decode` returns 2 and llama-cpp-python raises RuntimeError.
    """

    def __init__(self, llm: Any, cancel: threading.Event) -> None:
        lib = llama()
        self._lib = lib
        self._ctx = llm._ctx.ctx
        self._callback = lib.ggml_abort_callback(lambda _data: bool(cancel.is_set()))
        lib.llama_set_abort_callback(self._ctx, self._callback, None)

    def release(self) -> None:
        if self._callback is not None:
            self._lib.llama_set_abort_callback(self._ctx, self._lib.ggml_abort_callback(), None)
            self._callback = None
