"""Audio files in and out: any format FFmpeg reads (through PyAV, which faster-whisper brings) decoded to
16 kHz mono for transcription, with limits so a damaged, empty, huge or hour-long file is one sentence;
synthesized speech encoded as WAV, MP3, Opus, AAC, FLAC or raw PCM (the OpenAI speech API's formats)."""

from __future__ import annotations

import io
import wave
from pathlib import Path
from typing import Any, BinaryIO

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.voice.libraries import require

SAMPLE_RATE = 16_000  # what whisper listens at
MAX_SECONDS = 20 * 60  # longer recordings are refused before they are decoded whole
SPEECH_FORMATS = ("wav", "mp3", "opus", "aac", "flac", "pcm")
_CONTENT_TYPES = {"wav": "audio/wav", "mp3": "audio/mpeg", "opus": "audio/ogg", "aac": "audio/aac",
                  "flac": "audio/flac", "pcm": "audio/L16"}
# PyAV's container and codec for each encoded format.
_ENCODERS = {"mp3": ("mp3", "libmp3lame"), "opus": ("ogg", "libopus"), "aac": ("adts", "aac"),
             "flac": ("flac", "flac")}


class AudioError(KnownError):
    """An audio file that cannot be used, in one sentence."""


def content_type(fmt: str) -> str:
    return _CONTENT_TYPES[fmt]


def read_audio(source: Path | bytes | BinaryIO, name: str = "", max_seconds: float = MAX_SECONDS) -> np.ndarray:
    """The recording as 16 kHz mono float32 samples in [-1, 1]; AudioError for a file with no sound in it,
    one FFmpeg cannot read, or one longer than `max_seconds`."""
    av = require("av")
    shown = name or (source.name if isinstance(source, Path) else "The audio file")
    if isinstance(source, bytes):
        if not source:
            raise AudioError(QT_TRANSLATE_NOOP("core", "{name} is empty."), name=shown)
        source = io.BytesIO(source)
    chunks: list[np.ndarray] = []
    total = 0
    try:
        with av.open(source, mode="r", metadata_errors="ignore") as container:
            if not container.streams.audio:
                raise AudioError(QT_TRANSLATE_NOOP("core", "{name} has no sound in it."), name=shown)
            stream = container.streams.audio[0]
            if stream.duration is not None and stream.time_base is not None and \
                    float(stream.duration * stream.time_base) > max_seconds:
                raise _too_long(shown, max_seconds)
            resampler = av.AudioResampler(format="s16", layout="mono", rate=SAMPLE_RATE)
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    chunks.append(out.to_ndarray().reshape(-1))
                    total += chunks[-1].size
                if total > max_seconds * SAMPLE_RATE:
                    raise _too_long(shown, max_seconds)
            for out in resampler.resample(None):
                chunks.append(out.to_ndarray().reshape(-1))
    except AudioError:
        raise
    except (av.error.FFmpegError, ValueError, OSError) as exc:  # damaged, or not audio at all
        raise AudioError(QT_TRANSLATE_NOOP("core", "{name} cannot be read as audio ({reason})."),
                         name=shown, reason=_reason(exc)) from exc
    samples = np.concatenate(chunks) if chunks else np.zeros(0, dtype=np.int16)
    if samples.size == 0:
        raise AudioError(QT_TRANSLATE_NOOP("core", "{name} has no sound in it."), name=shown)
    return samples.astype(np.float32) / 32768.0


def _reason(exc: Exception) -> str:
    """FFmpeg's own words without its error number and file name."""
    text = getattr(exc, "strerror", None) or str(exc)
    return text.strip().rstrip(".")[:120] or type(exc).__name__


def _too_long(name: str, max_seconds: float) -> AudioError:
    return AudioError(QT_TRANSLATE_NOOP("core", "{name} is longer than {minutes} minutes; cut it into shorter "
                                                 "parts."), name=name, minutes=int(max_seconds // 60))


def encode(samples: np.ndarray, rate: int, fmt: str) -> bytes:
    """Mono int16 samples at `rate` as a file in `fmt` (one of SPEECH_FORMATS)."""
    samples = np.ascontiguousarray(samples, dtype=np.int16)
    if fmt == "pcm":  # raw 16-bit little-endian, as OpenAI's "pcm" (their rate is 24 kHz; ours is the voice's)
        return samples.astype("<i2").tobytes()
    if fmt == "wav":
        out = io.BytesIO()
        with wave.open(out, "wb") as file:
            file.setnchannels(1)
            file.setsampwidth(2)
            file.setframerate(rate)
            file.writeframes(samples.astype("<i2").tobytes())
        return out.getvalue()
    return _encode_with_ffmpeg(samples, rate, fmt)


def write_audio_file(path: Path, data: bytes) -> None:
    """`data` at `path`, all or nothing (a temporary file beside it, then renamed)."""
    import os
    import tempfile

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}-", suffix=path.suffix)
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(temporary, path)
        except BaseException:
            Path(temporary).unlink(missing_ok=True)
            raise
    except OSError as exc:
        raise KnownError(QT_TRANSLATE_NOOP("core", "The speech could not be written to {path} ({reason})."),
                         path=str(path), reason=exc.strerror or str(exc)) from exc


def _encode_with_ffmpeg(samples: np.ndarray, rate: int, fmt: str) -> bytes:
    av = require("av")
    container_format, codec = _ENCODERS[fmt]
    out = io.BytesIO()
    target = 48_000 if fmt == "opus" else rate  # Opus encodes at 48 kHz only
    with av.open(out, mode="w", format=container_format) as container:
        stream: Any = container.add_stream(codec, rate=target)
        stream.layout = "mono"
        resampler = av.AudioResampler(format=stream.format.name if stream.format else "s16", layout="mono",
                                      rate=target)
        frame = av.AudioFrame.from_ndarray(samples.reshape(1, -1), format="s16", layout="mono")
        frame.sample_rate = rate
        for resampled in [*resampler.resample(frame), *resampler.resample(None)]:
            for packet in stream.encode(resampled):
                container.mux(packet)
        for packet in stream.encode(None):
            container.mux(packet)
    return out.getvalue()
