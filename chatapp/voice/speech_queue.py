"""Speaking text as it arrives: sentences are made into speech on one thread and played on another, so
the first sentence plays while the reply is still being written and the next one is being made.
`cancel` stops at once (what is playing, and everything queued); a `tag` names what is being said
(a message id) so its start and end can be shown."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.voice.playback import AudioOutput
from chatapp.voice.speakable import SentenceSplitter, speakable
from chatapp.voice.speaker import Speaker

log = logging.getLogger(__name__)
SPEECH_FAILED = QT_TRANSLATE_NOOP("core", "The voice failed while making speech; the log has the details.")
PLAYBACK_FAILED = QT_TRANSLATE_NOOP("core", "The sound output stopped working (was it unplugged?); reading "
                                            "stopped.")


@dataclass(frozen=True)
class _Piece:
    epoch: int
    tag: str
    text: str = ""  # a sentence to speak ("" with `last`: the end of what `tag` says)
    voice: str = ""  # the voice to say it with ("": the default)
    speed: float = 0.0  # ...and how fast (0: the default)
    samples: np.ndarray | None = None
    rate: int = 0
    last: bool = False


class SpeechQueue:
    def __init__(self, speaker: Callable[[str], Speaker], output: AudioOutput, speed: Callable[[], float],
                 on_started: Callable[[str], None], on_finished: Callable[[str], None],
                 on_failed: Callable[[KnownError], None]) -> None:
        """`speaker`: a voice by name ("": the default; loaded on first use), `speed`: the default speed;
        `on_started`: a tag's first sound; `on_finished`: its
        end, once it was finished (even with nothing to say) or cancelled while playing; `on_failed`: the
        error, its sentence for the user."""
        self._speaker, self.output, self._speed = speaker, output, speed
        self._on_started, self._on_finished, self._on_failed = on_started, on_finished, on_failed
        self._epoch = 0
        self._cancel = threading.Event()
        self._splitters: dict[str, SentenceSplitter] = {}
        self._voices: dict[str, tuple[str, float]] = {}  # a tag's voice and speed
        self._sentences: queue.Queue[_Piece | None] = queue.Queue()
        self._sounds: queue.Queue[_Piece | None] = queue.Queue()
        self._threads = [threading.Thread(target=self._make, name="chatapp-speech-make", daemon=True),
                         threading.Thread(target=self._play, name="chatapp-speech-play", daemon=True)]
        for thread in self._threads:
            thread.start()

    def say(self, tag: str, markdown: str, voice: str = "", speed: float = 0.0) -> None:
        """More of what `tag` says (a reply's new text, in Markdown): each complete sentence is queued, to be
        said with `voice` at `speed` (a chat's own; "" and 0: the defaults), as given with its first words."""
        self._voices.setdefault(tag, (voice, speed))
        splitter = self._splitters.setdefault(tag, SentenceSplitter())
        for sentence in splitter.feed(markdown):
            self._queue_sentence(tag, sentence)

    def finish(self, tag: str) -> None:
        """`tag` says no more: its last words are queued, and its end after them."""
        splitter = self._splitters.pop(tag, None)
        for sentence in splitter.flush() if splitter is not None else []:
            self._queue_sentence(tag, sentence)
        self._voices.pop(tag, None)
        self._sentences.put(_Piece(self._epoch, tag, last=True))

    def _queue_sentence(self, tag: str, sentence: str) -> None:
        words = speakable(sentence)
        if words:
            voice, speed = self._voices.get(tag, ("", 0.0))
            self._sentences.put(_Piece(self._epoch, tag, words, voice, speed))

    def cancel(self) -> None:
        """Stop speaking now: what plays and all that is queued (each tag that was speaking is told it ended)."""
        self._epoch += 1
        self._splitters.clear()
        self._voices.clear()
        self._cancel.set()
        self._sentences.put(_Piece(self._epoch, "", last=True))  # wakes the threads into the new epoch

    def close(self) -> None:
        self.cancel()
        self._sentences.put(None)

    def _make(self) -> None:
        while (piece := self._sentences.get()) is not None:
            if piece.epoch != self._epoch:
                continue
            if piece.last:
                self._sounds.put(piece)
                continue
            try:
                speaker = self._speaker(piece.voice)
                for samples in speaker.speak(piece.text, piece.speed or self._speed()):
                    self._sounds.put(_Piece(piece.epoch, piece.tag, samples=samples, rate=speaker.sample_rate))
            except KnownError as exc:
                self._fail(exc)
            except Exception:  # the voice's runtime: this thread must live on, and say so
                log.exception("making speech failed")
                self._fail(KnownError(SPEECH_FAILED))
        self._sounds.put(None)

    def _play(self) -> None:
        playing: set[tuple[int, str]] = set()
        while (piece := self._sounds.get()) is not None:
            for epoch, tag in [p for p in playing if p[0] != self._epoch]:  # cancelled meanwhile
                playing.discard((epoch, tag))
                self._on_finished(tag)
            if piece.epoch != self._epoch:
                continue
            self._cancel.clear()
            key = (piece.epoch, piece.tag)
            if piece.last:
                playing.discard(key)
                if piece.tag:  # (not the marker a cancel sends)
                    self._on_finished(piece.tag)
                continue
            if key not in playing:
                playing.add(key)
                self._on_started(piece.tag)
            assert piece.samples is not None
            try:
                self.output.play(piece.samples, piece.rate, self._cancel)
            except KnownError as exc:
                self._fail(exc)
            except Exception:  # a device unplugged mid-sentence: PortAudio's own error
                log.exception("playing speech failed")
                self._fail(KnownError(PLAYBACK_FAILED))

    def _fail(self, error: KnownError) -> None:
        """One sentence for the user; what was queued is dropped, and the next `say` starts afresh."""
        self._on_failed(error)
        self.cancel()
