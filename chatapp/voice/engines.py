"""The speech models a server (or the window) uses, loaded on first use and kept: one transcriber and
one voice at a time, picked by name, the demo's by default. Thread-safe; the work runs on the caller's
thread (the API server's worker threads, the window's voice thread)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

from chatapp.voice import models
from chatapp.voice.audio import encode, read_audio
from chatapp.voice.speaker import Speaker
from chatapp.voice.transcriber import Transcriber, Transcript

M = TypeVar("M")  # a loaded model: a Transcriber or a Speaker


class VoiceEngines:
    def __init__(self, data_dir: Path, threads: int = 0) -> None:
        self.data_dir = data_dir
        self.threads = threads
        self._lock = threading.Lock()
        # The name last asked for, the model it found and the model loaded from there.
        self._transcriber: tuple[str, Path, Transcriber] | None = None
        self._speaker: tuple[str, Path, Speaker] | None = None

    def transcriber(self, name: str = "") -> Transcriber:
        """The transcriber `name` names ("" or one not here: the default; never a path: names come from API
        requests), loaded once."""
        with self._lock:
            self._transcriber = self._kept(self._transcriber, name, models.find_transcriber,
                                           lambda path: Transcriber(path, self.threads))
            return self._transcriber[2]

    def speaker(self, name: str = "") -> Speaker:
        """The voice `name` names ("" or one not here — OpenAI's "alloy" — the default), loaded once."""
        with self._lock:
            self._speaker = self._kept(self._speaker, name, models.find_voice, Speaker)
            return self._speaker[2]

    def _kept(self, kept: tuple[str, Path, M] | None, name: str, find: Callable[..., Path],
              load: Callable[[Path], M]) -> tuple[str, Path, M]:
        """What `name` gives: the model kept when it was asked for last (a voice is asked for each sentence,
        so the voice folder is looked at only when the name changes), else the one found, loaded unless
        it is the one kept."""
        if kept is not None and kept[0] == name:
            return kept
        path = find(self.data_dir, name, or_default=True, by_path=False)
        return (name, path, kept[2] if kept is not None and kept[1] == path else load(path))

    def transcribe(self, audio: bytes, filename: str, language: str | None = None, prompt: str | None = None,
                   model: str = "") -> Transcript:
        samples = read_audio(audio, filename or "The audio file")
        return self.transcriber(model).transcribe(samples, language, prompt)

    def speech(self, words: str, fmt: str, voice: str = "", speed: float = 1.0) -> bytes:
        """`words` (what `speakable` leaves of a text) spoken, as a file in `fmt`."""
        speaker = self.speaker(voice)
        return encode(speaker.speak_all(words, speed), speaker.sample_rate, fmt)
