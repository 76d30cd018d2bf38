"""Text to speech with Piper (VITS voices run by onnxruntime; 0.1× real time on two cores): a sentence at
a time, so the first one plays while the rest are made."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.voice.libraries import require
from chatapp.voice.speakable import SentenceSplitter

MIN_SPEED, MAX_SPEED = 0.25, 4.0  # as OpenAI's speech API allows


class Speaker:
    """One Piper voice, loaded once; `speak` may be called from any thread, one call at a time."""

    def __init__(self, voice: Path) -> None:
        piper = require("piper")
        try:
            self._voice = piper.PiperVoice.load(str(voice))
        except (OSError, ValueError, KeyError, RuntimeError) as exc:  # no .onnx.json beside it, or damaged
            raise KnownError(QT_TRANSLATE_NOOP("core", "The voice {name} cannot be loaded ({reason})."),
                             name=voice.name, reason=str(exc).strip()[:160] or type(exc).__name__) from exc
        self._config_class = piper.SynthesisConfig
        self.name = voice.stem
        self.sample_rate = int(self._voice.config.sample_rate)
        self._lock = threading.Lock()

    def speak(self, text: str, speed: float = 1.0, cancel: threading.Event | None = None) -> Iterator[np.ndarray]:
        """Mono int16 samples at `sample_rate`, one sentence at a time; `cancel` stops between sentences."""
        if not MIN_SPEED <= speed <= MAX_SPEED:
            raise KnownError(QT_TRANSLATE_NOOP("core", "The speed must be between {low} and {high}."),
                             low=MIN_SPEED, high=MAX_SPEED)
        splitter = SentenceSplitter()
        config = self._config_class(length_scale=1.0 / speed)
        for sentence in [*splitter.feed(text), *splitter.flush()]:
            if cancel is not None and cancel.is_set():
                return
            with self._lock:
                chunks = [chunk.audio_int16_array for chunk in self._voice.synthesize(sentence, config)]
            if chunks:
                yield np.concatenate(chunks)

    def speak_all(self, text: str, speed: float = 1.0) -> np.ndarray:
        """The whole text's speech as one array (a short pause between sentences)."""
        pause = np.zeros(int(self.sample_rate * 0.15), dtype=np.int16)
        parts = [part for sentence in self.speak(text, speed) for part in (sentence, pause)]
        return np.concatenate(parts[:-1]) if parts else np.zeros(0, dtype=np.int16)
