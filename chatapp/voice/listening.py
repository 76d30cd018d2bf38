"""Telling speech from silence in a live recording, with the Silero voice-activity model faster-whisper
ships: when someone starts speaking (barge-in: the reply being read stops) and when they have finished
(a pause after speech: the utterance is sent). Checked every 200 ms on the recording so far (15 ms for
six seconds of audio), not frame by frame: Silero looks at context, and a cough is not a sentence."""

from __future__ import annotations

import numpy as np

from chatapp.voice.audio import SAMPLE_RATE
from chatapp.voice.libraries import require

CHECK_EVERY = SAMPLE_RATE // 5  # samples between two looks
MAX_LISTEN_SECONDS = 60  # an utterance is ended here even without a pause


class UtteranceDetector:
    """Fed a recording in chunks; `feed` says "speech" once speech has begun and "end" once it was followed
    by `silence_ms` of silence (or went on for MAX_LISTEN_SECONDS)."""

    def __init__(self, silence_ms: int = 700, min_speech_ms: int = 250) -> None:
        vad = require("faster_whisper.vad")
        self._timestamps = vad.get_speech_timestamps
        self._options = vad.VadOptions(min_silence_duration_ms=silence_ms // 2, min_speech_duration_ms=min_speech_ms,
                                       speech_pad_ms=150)
        self.silence = silence_ms * SAMPLE_RATE // 1000
        self.reset()

    def reset(self) -> None:
        self._chunks: list[np.ndarray] = []
        self._length = 0
        self._checked = 0
        self.speaking = False  # speech has begun in this utterance
        self._spans: list[dict[str, int]] = []

    def feed(self, chunk: np.ndarray) -> str | None:
        self._chunks.append(chunk.astype(np.float32, copy=False))
        self._length += len(chunk)
        if self._length - self._checked < CHECK_EVERY:
            return None
        self._checked = self._length
        self._spans = self._timestamps(self.recording(), self._options)
        if not self._spans:
            if self._length > 10 * SAMPLE_RATE:  # a long silence is let go, not kept
                self._keep_last(2 * SAMPLE_RATE)
            return None
        if not self.speaking:
            self.speaking = True
            return "speech"
        if self._length - self._spans[-1]["end"] >= self.silence or self._length >= MAX_LISTEN_SECONDS * SAMPLE_RATE:
            return "end"
        return None

    def speech_end(self) -> int:
        """Where the last speech heard ends in the recording (0: none yet)."""
        return self._spans[-1]["end"] if self._spans else 0

    def speech_length(self) -> int:
        """Samples of speech heard so far."""
        return sum(span["end"] - span["start"] for span in self._spans)

    def recording(self) -> np.ndarray:
        if len(self._chunks) > 1:
            self._chunks = [np.concatenate(self._chunks)]
        return self._chunks[0] if self._chunks else np.zeros(0, dtype=np.float32)

    def utterance(self) -> np.ndarray:
        """The recording from just before the speech began."""
        recording = self.recording()
        start = max(self._spans[0]["start"] - SAMPLE_RATE // 10, 0) if self._spans else 0
        return recording[start:]

    def _keep_last(self, samples: int) -> None:
        recording = self.recording()[-samples:]
        self._chunks, self._length, self._checked = [recording], len(recording), len(recording)
