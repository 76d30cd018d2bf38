"""Images and recordings into the model's context through llama.cpp's libmtmd and a projector
(mmproj-*.gguf): a vision encoder, an audio encoder (Ultravox, Qwen2-Audio, Voxtral: whisper's encoder
on the recording's 16 kHz samples), or both.

The prompt is rendered with a marker where each image goes; libmtmd splits it there into text chunks
and image chunks, and wraps each image in the model's own begin/end tokens (Gemma 3's <start_of_image>,
Qwen-VL's <|vision_start|>…), as llama-server does. The marker is random for each process, so text
that a user (or a web page in a pasted message) writes can never stand for an image.

In the engine's list of evaluated tokens an image is a run of one placeholder value (negative, from
the image's SHA-256), as long as the image's tokens: the KV cache's prefix matching then keeps an image
it has already read when the next prompt has the same image at the same place (a follow-up question
about it encodes nothing), and a different image differs at its first position.
"""

from __future__ import annotations

import ctypes
import logging
import secrets
import threading
import time
import weakref
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, ModelFileError
from chatapp.core.images import MAX_RECORDING_SECONDS, ImageError, recording_seconds
from chatapp.core.runtime import llama_runtime
from chatapp.core.types import Attachment

log = logging.getLogger(__name__)

MIN_RECORDING_SECONDS = 0.1
# A length told by the header (core/images.recording_seconds) refuses a recording before decoding only
# this far past the limit: an MP3 without a frame count is estimated from its first frame's bitrate.
HEADER_MARGIN = 1.5


@dataclass(frozen=True)
class MediaSpan:
    """One image or recording in a tokenized prompt: where it starts, the KV cells it fills, the positions it
    advances (fewer than its tokens for M-RoPE models), and libmtmd's chunk that evaluates it."""

    start: int
    n_tokens: int
    n_pos: int
    chunk: Any
    projector: Projector

    def evaluate(self, ctx: Any, n_past: int, n_batch: int, seq_id: int = 0) -> None:
        self.projector.evaluate(self, ctx, n_past, n_batch, seq_id)


class VisionPrompt:
    """A prompt tokenized around its images: `tokens` with placeholders, `spans` by start index. Owns
    libmtmd's chunks (freed with it)."""

    def __init__(self, tokens: list[int], spans: dict[int, MediaSpan], chunks: Any) -> None:
        self.tokens = tokens
        self.spans = spans
        self._free = weakref.finalize(self, _free_chunks, chunks)

    def close(self) -> None:
        self._free()


def _free_chunks(chunks: Any) -> None:
    from llama_cpp import mtmd_cpp

    mtmd_cpp.mtmd_input_chunks_free(chunks)


def placeholder(sha256: str) -> int:
    """The value standing for each of an image's positions: negative, so never a real token."""
    return -1 - int(sha256[:7], 16)


class Projector:
    """libmtmd's context for one loaded model. Used by the engine's owner thread only; closed before
    the model (libmtmd keeps the model's vocabulary)."""

    def __init__(self, path: Path, llm: Any, n_threads: int) -> None:
        from llama_cpp import mtmd_cpp

        self.path = path
        self.marker = f"<__media_{secrets.token_hex(8)}__>"
        # A recording's own marker in the rendered prompt, so a preview can say [audio]; libmtmd is given
        # the one media marker for both (it tells them apart by the files).
        self.audio_marker = f"<__audio_{secrets.token_hex(8)}__>"
        self.encoded = 0  # images and recordings encoded and read into the context (not what the KV cache saved)
        self.encode_s = 0.0  # time spent in the projector's encoder, and reading its embeddings, in all
        self.read_s = 0.0
        self._tokenizing = threading.Lock()
        _route_logs()
        params = mtmd_cpp.mtmd_context_params_default()
        params.use_gpu = llama_runtime.supports_gpu_offload()
        params.n_threads = n_threads
        params.print_timings = False
        params.warmup = True
        self._marker_bytes = self.marker.encode()  # kept alive: the struct holds a pointer to it
        params.media_marker = self._marker_bytes
        mark = llama_runtime.mark_log()
        self._ctx = mtmd_cpp.mtmd_init_from_file(str(path).encode(), llm._model.model, params)
        if not self._ctx:
            reason = llama_runtime.last_error_since(mark) or "it is not a vision projector for this model"
            raise ModelFileError(QT_TRANSLATE_NOOP("core", "The vision projector {name} could not be loaded: {reason}"),
                                 name=path.name, reason=reason.strip())
        self.vision = bool(mtmd_cpp.mtmd_support_vision(self._ctx))
        self.audio = bool(mtmd_cpp.mtmd_support_audio(self._ctx))

    def close(self) -> None:
        from llama_cpp import mtmd_cpp

        if self._ctx:
            mtmd_cpp.mtmd_free(self._ctx)
            self._ctx = None

    def marker_for(self, attachment: Attachment) -> str:
        return self.audio_marker if attachment.kind == "audio" else self.marker

    def readable(self, prompt: str) -> str:
        """`prompt` with each image's marker shown as [image] and each recording's as [audio]."""
        return prompt.replace(self.marker, "[image]").replace(self.audio_marker, "[audio]")

    def tokenize(self, text: str, media: Sequence[Attachment]) -> VisionPrompt:
        """`text` with its images' and recordings' markers, tokenized around them (one prompt at a time:
        libmtmd's context keeps state while tokenizing, and parallel requests prepare theirs on their own
        threads)."""
        with self._tokenizing:
            return self._tokenize(text, media)

    def _tokenize(self, text: str, media: Sequence[Attachment]) -> VisionPrompt:
        """`text` holds one marker per attachment, in order. Raises ImageError for a file libmtmd cannot
        decode, or a recording longer than a model is given at once."""
        from llama_cpp import mtmd_cpp

        bitmaps = []
        try:
            for number, item in enumerate(media, start=1):
                bitmaps.append(self._bitmap(item, number))
            raw = text.replace(self.audio_marker, self.marker).encode("utf-8")
            part = mtmd_cpp.mtmd_input_text()
            # No special tokens added: the rendered template already starts with the model's BOS.
            part.text, part.text_len, part.add_special, part.parse_special = raw, len(raw), False, True
            chunks = mtmd_cpp.mtmd_input_chunks_init()
            array = (mtmd_cpp.mtmd_bitmap_p_ctypes * len(bitmaps))(*bitmaps)
            status = mtmd_cpp.mtmd_tokenize(self._ctx, chunks, ctypes.byref(part), array, len(bitmaps))
            if status != 0:
                mtmd_cpp.mtmd_input_chunks_free(chunks)
                raise ImageError(QT_TRANSLATE_NOOP("core", "The images could not be prepared for the model (libmtmd "
                                                   "returned {status})."), status=status)
        finally:
            for bitmap in bitmaps:
                mtmd_cpp.mtmd_bitmap_free(bitmap)
        tokens: list[int] = []
        spans: dict[int, MediaSpan] = {}
        by_sha = {item.sha256: item for item in media}
        for i in range(mtmd_cpp.mtmd_input_chunks_size(chunks)):
            chunk = mtmd_cpp.mtmd_input_chunks_get(chunks, i)
            if mtmd_cpp.mtmd_input_chunk_get_type(chunk) == mtmd_cpp.MTMD_INPUT_CHUNK_TYPE_TEXT:
                count = ctypes.c_size_t()
                ids = mtmd_cpp.mtmd_input_chunk_get_tokens_text(chunk, ctypes.byref(count))
                tokens.extend(ids[j] for j in range(count.value))
                continue
            sha = (mtmd_cpp.mtmd_input_chunk_get_id(chunk) or b"").decode()
            assert sha in by_sha, "libmtmd names an image or recording by the SHA-256 of its file"
            n_tokens = int(mtmd_cpp.mtmd_input_chunk_get_n_tokens(chunk))
            spans[len(tokens)] = MediaSpan(len(tokens), n_tokens, int(mtmd_cpp.mtmd_input_chunk_get_n_pos(chunk)),
                                           chunk, self)
            tokens.extend([placeholder(sha)] * n_tokens)
        return VisionPrompt(tokens, spans, chunks)

    def _bitmap(self, item: Attachment, number: int) -> Any:
        """libmtmd's decoded image or recording (16 kHz samples), or the sentence why not."""
        from llama_cpp import mtmd_cpp

        told = recording_seconds(item.data) if item.kind == "audio" else None
        if told is not None and told > HEADER_MARGIN * MAX_RECORDING_SECONDS:  # not even decoded (an MP3 of
            raise _too_long(number, told)  # hours fits in 20 MB, and libmtmd decodes it all to floats)
        buffer = (ctypes.c_ubyte * len(item.data)).from_buffer_copy(item.data)
        bitmap = mtmd_cpp.mtmd_helper_bitmap_init_from_buf(self._ctx, buffer, len(item.data), False)
        if item.kind == "image":
            if not bitmap:
                raise ImageError(QT_TRANSLATE_NOOP("core", "Image {n} ({kind}) could not be decoded: the file is "
                                                   "damaged or not really an image."), n=number, kind=item.mime)
            return bitmap
        if not bitmap or not mtmd_cpp.mtmd_bitmap_is_audio(bitmap):
            if bitmap:
                mtmd_cpp.mtmd_bitmap_free(bitmap)
            raise ImageError(QT_TRANSLATE_NOOP("core", "Recording {n} ({kind}) could not be decoded: the file is "
                                               "damaged or not really a WAV, MP3 or FLAC recording."),
                             n=number, kind=item.mime)
        seconds = mtmd_cpp.mtmd_bitmap_get_nx(bitmap) / max(1, mtmd_cpp.mtmd_get_audio_sample_rate(self._ctx))
        if seconds > MAX_RECORDING_SECONDS:  # refused before libmtmd computes its spectrogram
            mtmd_cpp.mtmd_bitmap_free(bitmap)
            raise _too_long(number, seconds)
        if seconds < MIN_RECORDING_SECONDS:  # libmtmd aborts the process on a clip of one sample
            mtmd_cpp.mtmd_bitmap_free(bitmap)
            raise ImageError(QT_TRANSLATE_NOOP("core", "Recording {n} is too short to hear: under a tenth of a "
                                               "second."), n=number)
        return bitmap

    def evaluate(self, span: MediaSpan, ctx: Any, n_past: int, n_batch: int, seq_id: int = 0) -> None:
        """Encode the image and read its embeddings into the context at position `n_past` (the two
        steps of libmtmd's eval helper, apart so each is timed)."""
        from llama_cpp import mtmd_cpp

        started = time.perf_counter()
        if mtmd_cpp.mtmd_encode_chunk(self._ctx, span.chunk) != 0:
            raise RuntimeError("the projector could not encode the image or recording")
        encoded = time.perf_counter()
        embeddings = mtmd_cpp.mtmd_get_output_embd(self._ctx)
        new_n_past = llama_runtime.llama().llama_pos(n_past)
        status = mtmd_cpp.mtmd_helper_decode_image_chunk(self._ctx, ctx, span.chunk, embeddings, n_past, seq_id,
                                                         n_batch, ctypes.byref(new_n_past),
                                                         mtmd_cpp.mtmd_helper_post_decode_callback(), None)
        if status != 0:
            raise RuntimeError(f"reading an image or recording into the context failed (libmtmd returned {status})")
        self.encode_s += encoded - started
        self.read_s += time.perf_counter() - encoded
        self.encoded += 1


def _too_long(number: int, seconds: float) -> ImageError:
    return ImageError(QT_TRANSLATE_NOOP("core", "Recording {n} is {minutes} minutes long; a model is given at most "
                                        "20 minutes at once (chatapp transcribe writes out longer ones)."),
                      n=number, minutes=round(seconds / 60))


_logs_routed = False


def _route_logs() -> None:
    """libmtmd writes every step to stderr; send it where llama.cpp's own lines go (the `chatapp.llama`
    logger, and the recent lines a load failure quotes)."""
    global _logs_routed
    if _logs_routed:
        return
    from llama_cpp import mtmd_cpp

    llama_runtime.install_log_capture()
    mtmd_cpp.mtmd_helper_log_set(llama_runtime.log_callback(), None)
    _logs_routed = True
