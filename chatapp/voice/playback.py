"""Playing speech through the computer's speakers with sounddevice (PortAudio): each sentence is played
while the next is made. No sound device, or no PortAudio, is one sentence."""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterator
from typing import Any

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError


def output_stream(sample_rate: int, device: int | str | None = None) -> Any:
    """An open PortAudio output stream for mono int16 samples, or a KnownError saying why there is none."""
    try:
        import sounddevice
    except (ImportError, OSError) as exc:  # OSError: the PortAudio library itself is missing
        raise _no_output() from exc
    try:
        stream = sounddevice.OutputStream(samplerate=sample_rate, channels=1, dtype="int16", device=device)
        stream.start()
    except (sounddevice.PortAudioError, ValueError) as exc:
        raise _no_output() from exc
    return stream


def _no_output() -> KnownError:
    return KnownError(QT_TRANSLATE_NOOP("core", "No sound output device can be used here; write the speech to a "
                                                 "file instead (chatapp say TEXT --out speech.wav)."))


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
