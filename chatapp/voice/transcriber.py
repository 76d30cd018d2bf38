"""Speech to text with faster-whisper (CTranslate2, int8 on the CPU): multilingual, real time on two cores
with whisper-base, and its Silero voice-activity filter, so silence is skipped rather than transcribed
(whisper writes words into silence otherwise)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.voice.audio import SAMPLE_RATE
from chatapp.voice.libraries import require


@dataclass(frozen=True)
class Segment:
    start: float  # seconds
    end: float
    text: str


@dataclass(frozen=True)
class Transcript:
    text: str
    language: str  # whisper's code ("en", "zh"), given or detected
    duration: float  # seconds of audio
    segments: tuple[Segment, ...]


class UnknownLanguage(KnownError):
    """A language code the model does not know."""


class Transcriber:
    """One whisper model, loaded once; `transcribe` may be called from any thread, one call at a time."""

    def __init__(self, model_dir: Path, threads: int = 0) -> None:
        faster_whisper = require("faster_whisper")
        try:
            self._model = faster_whisper.WhisperModel(str(model_dir), device="cpu", compute_type="int8",
                                                      cpu_threads=threads)
        except (RuntimeError, ValueError, OSError) as exc:  # not a CTranslate2 whisper model, or damaged
            raise KnownError(QT_TRANSLATE_NOOP("core", "The speech model in {folder} cannot be loaded ({reason})."),
                             folder=str(model_dir), reason=str(exc).strip()[:160]) from exc
        self.name = model_dir.name
        self._lock = threading.Lock()

    def transcribe(self, samples: np.ndarray, language: str | None = None, prompt: str | None = None,
                   on_segment: Callable[[Segment], None] | None = None,
                   cancel: threading.Event | None = None, timestamps: bool = True) -> Transcript:
        """16 kHz mono float32 samples to text; `language` None detects it (an encoder pass of its own:
        ~0.5 s of whisper-base on two cores). `on_segment` hears each piece as it is decoded; `cancel` stops
        between pieces (what was heard so far is returned); `timestamps` False: one segment, decoded faster
        (what is spoken to the window needs no timings)."""
        if language is not None and language not in self.languages():
            raise UnknownLanguage(QT_TRANSLATE_NOOP("core", "'{language}' is not a language the speech model knows "
                                                        "(give a code such as en or zh)."), language=language)
        with self._lock:
            pieces, info = self._model.transcribe(samples, language=language, initial_prompt=prompt, beam_size=1,
                                                  vad_filter=True, condition_on_previous_text=False,
                                                  without_timestamps=not timestamps)
            segments = []
            for piece in pieces:  # a generator: decoding happens as it is read
                segment = Segment(round(piece.start, 3), round(piece.end, 3), piece.text.strip())
                segments.append(segment)
                if on_segment is not None:
                    on_segment(segment)
                if cancel is not None and cancel.is_set():
                    break
        return Transcript(_joined(segments, info.language), info.language, len(samples) / SAMPLE_RATE,
                          tuple(segments))

    def detect_language(self, samples: np.ndarray) -> str:
        """The language spoken in the samples (whisper's code)."""
        with self._lock:
            language, _probability, _all = self._model.detect_language(samples)
        return str(language)

    def languages(self) -> list[str]:
        return list(self._model.supported_languages)


def _joined(segments: list[Segment], language: str) -> str:
    """The segments' text as one passage: Chinese and Japanese are written without spaces between them."""
    separator = "" if language in ("zh", "ja", "yue") else " "
    return separator.join(s.text for s in segments if s.text).strip()
