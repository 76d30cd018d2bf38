"""Playing speech through the computer's speakers with sounddevice (PortAudio): each sentence is played
while the next is made. No sound device, or no PortAudio, is one sentence."""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Iterator
from typing import Any, Protocol

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError


def output_stream(sample_rate: int, device: int | str | None = None) -> Any:
    """An open PortAudio output stream for mono int16 samples, or a KnownError saying why there is none."""
    from chatapp.voice.devices import sound_library

    sounddevice = sound_library()  # no PortAudio: its own sentence, no other device could help
    try:
        stream = sounddevice.OutputStream(samplerate=sample_rate, channels=1, dtype="int16", device=device)
        stream.start()
    except (sounddevice.PortAudioError, ValueError) as exc:
        raise _no_output(str(exc)) from exc
    return stream


class NoOutput(KnownError):
    """No sound device to play through."""


def _no_output(reason: str) -> NoOutput:
    return NoOutput(QT_TRANSLATE_NOOP("core", "No sound output device can be used ({reason}); choose another in "
                                              "Settings → Voice."),
                    reason=reason.strip().rstrip(".")[:120] or "none found")


def play_sentences(sentences: Iterator[np.ndarray], sample_rate: int, device: int | str | None = None) -> None:
    """Play each sentence as it comes; the next one is made on another thread meanwhile."""
    stream = output_stream(sample_rate, device)
    ready: queue.Queue[np.ndarray | BaseException | None] = queue.Queue(maxsize=2)

    def make() -> None:
        try:
            for sentence in sentences:
                ready.put(sentence)
        except BaseException as exc:  # noqa: BLE001  (handed to the playing thread, which raises it)
            ready.put(exc)
        ready.put(None)

    threading.Thread(target=make, name="chatapp-speech", daemon=True).start()
    try:
        while (item := ready.get()) is not None:
            if isinstance(item, BaseException):
                raise item
            stream.write(item.reshape(-1, 1))
    finally:
        stream.stop()
        stream.close()


class AudioOutput(Protocol):
    def play(self, samples: np.ndarray, rate: int, cancel: threading.Event) -> None:
        """Play mono int16 samples; return when they have been played, or soon after `cancel` is set."""


class Speakers:
    """The computer's sound output (a device by index or name; None: the default), one stream per rate."""

    BLOCK_SECONDS = 0.1  # how soon a cancel is heard

    def __init__(self, device: int | str | None = None) -> None:
        self.device = device
        self._stream: Any = None
        self._rate = 0

    def play(self, samples: np.ndarray, rate: int, cancel: threading.Event) -> None:
        if self._stream is None or self._rate != rate:
            self.close()
            self._stream, self._rate = output_stream(rate, self.device), rate
        block = int(rate * self.BLOCK_SECONDS)
        for start in range(0, len(samples), block):
            if cancel.is_set():
                self._stream.abort()  # what is queued in the device goes too
                self._stream.start()
                return
            self._stream.write(samples[start:start + block].reshape(-1, 1))

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()
            self._stream = None


class TimedOutput:
    """An output that plays nothing but takes the time playing would (`pace` times faster) and keeps what
    it was given: the seam tests and benchmarks use in place of the speakers."""

    def __init__(self, pace: float = 1.0) -> None:
        self.pace = pace
        self.played: list[np.ndarray] = []
        self.started_at: list[float] = []  # when each piece began (time.perf_counter)

    def play(self, samples: np.ndarray, rate: int, cancel: threading.Event) -> None:
        self.started_at.append(time.perf_counter())
        self.played.append(samples)
        cancel.wait(len(samples) / rate / self.pace)
