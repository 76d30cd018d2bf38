"""The speech models a server (or the window) uses, loaded on first use and kept: one transcriber and
one voice at a time, picked by name, the demo's by default. Thread-safe; the work runs on the caller's
thread (the API server's worker threads, the window's voice thread)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from chatapp.voice import models
from chatapp.voice.audio import encode, read_audio
from chatapp.voice.speakable import speakable
from chatapp.voice.speaker import Speaker
from chatapp.voice.transcriber import Transcriber, Transcript


class VoiceEngines:
    def __init__(self, data_dir: Path, threads: int = 0) -> None:
        self.data_dir = data_dir
        self.threads = threads
        self._lock = threading.Lock()
        self._transcriber: tuple[Path, Transcriber] | None = None
        self._speaker: tuple[Path, Speaker] | None = None

    def transcriber(self, name: str = "") -> Transcriber:
        """The transcriber `name` names ("" or one not here: the default), loaded once."""
        path = self._pick(name, models.transcribers(self.data_dir), models.find_transcriber)
        with self._lock:
            if self._transcriber is None or self._transcriber[0] != path:
                self._transcriber = (path, Transcriber(path, self.threads))
            return self._transcriber[1]

    def speaker(self, name: str = "") -> Speaker:
        """The voice `name` names ("" or one not here — OpenAI's "alloy" — the default), loaded once."""
        path = self._pick(name, models.voices(self.data_dir), models.find_voice)
        with self._lock:
            if self._speaker is None or self._speaker[0] != path:
                self._speaker = (path, Speaker(path))
            return self._speaker[1]

    def _pick(self, name: str, known: list[models.VoiceModel], find: Callable[[Path, str], Path]) -> Path:
        return find(self.data_dir, name if any(m.name == name for m in known) else "")

    def transcribe(self, audio: bytes, filename: str, language: str | None = None, prompt: str | None = None,
                   model: str = "") -> Transcript:
        samples = read_audio(audio, filename or "The audio file")
        return self.transcriber(model).transcribe(samples, language, prompt)

    def speech(self, text: str, fmt: str, voice: str = "", speed: float = 1.0) -> bytes:
        """`text` (Markdown: its words) spoken, as a file in `fmt`."""
        speaker = self.speaker(voice)
        return encode(speaker.speak_all(speakable(text), speed), speaker.sample_rate, fmt)
