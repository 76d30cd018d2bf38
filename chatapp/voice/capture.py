"""Where the window's audio comes from: the microphone (sounddevice, 16 kHz mono, 100 ms chunks), or a
recording played in as if spoken (the same seam: tests, and a voice note dropped on the window). A
missing microphone or a refused permission is one sentence."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any, Protocol

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.voice.audio import SAMPLE_RATE

CHUNK = SAMPLE_RATE // 10
Chunks = Callable[[np.ndarray], None]


class AudioSource(Protocol):
    def start(self, on_chunk: Chunks) -> None:
        """Call `on_chunk` with float32 16 kHz mono chunks, from another thread, until `stop`."""

    def stop(self) -> None: ...


class Microphone:
    def __init__(self, device: int | str | None = None) -> None:
        self.device = device
        self._stream: Any = None

    def start(self, on_chunk: Chunks) -> None:
        from chatapp.voice.devices import sound_library

        sounddevice = sound_library()  # no PortAudio: its own sentence, no microphone could help

        def callback(indata: np.ndarray, _frames: int, _time: Any, _status: Any) -> None:
            on_chunk(indata[:, 0].copy())

        try:
            self._stream = sounddevice.InputStream(samplerate=SAMPLE_RATE, channels=1, dtype="float32",
                                                   blocksize=CHUNK, device=self.device, callback=callback)
            self._stream.start()
        except (sounddevice.PortAudioError, ValueError) as exc:
            self._stream = None
            raise _no_microphone(str(exc)) from exc

    def stop(self) -> None:
        if self._stream is not None:
            self._stream.stop()
            self._stream.close()
            self._stream = None


def _no_microphone(reason: str) -> KnownError:
    return KnownError(QT_TRANSLATE_NOOP("core", "No microphone can be used ({reason}); check that one is "
                                                "connected and that chatapp may use it."),
                      reason=reason.strip().rstrip(".")[:120] or "none found")


class RecordingSource:
    """Recordings given as if they were being spoken: in 100 ms chunks at the pace of speech (`pace` times
    faster), silence between them and after, as a microphone in a quiet room would go on. `say` queues
    another recording (the next thing "said"), so a test can hold a conversation."""

    def __init__(self, *recordings: np.ndarray, pace: float = 1.0, lead_in: float = 0.3) -> None:
        self.pace = pace
        self.lead_in = lead_in
        self._pending: list[np.ndarray] = []
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.said = 0  # recordings given in full so far
        for recording in recordings:
            self.say(recording)

    def say(self, samples: np.ndarray) -> None:
        silence = np.zeros(int(self.lead_in * SAMPLE_RATE), dtype=np.float32)
        with self._lock:
            self._pending.append(np.concatenate([silence, samples.astype(np.float32)]))

    def start(self, on_chunk: Chunks) -> None:
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, args=(on_chunk,), name="chatapp-recording", daemon=True)
        self._thread.start()

    def _run(self, on_chunk: Chunks) -> None:
        current = np.zeros(0, dtype=np.float32)
        position = 0
        quiet = np.zeros(CHUNK, dtype=np.float32)
        while not self._stop.wait(CHUNK / SAMPLE_RATE / self.pace):
            if position >= len(current):
                with self._lock:
                    if self._pending:
                        current, position = self._pending.pop(0), 0
            if position < len(current):
                on_chunk(current[position:position + CHUNK])
                position += CHUNK
                if position >= len(current):
                    self.said += 1
            else:
                on_chunk(quiet)

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
