"""Listening through an audio source, on a thread of its own: dictation (the words so far about every
second, all of them when it stops) or conversation (each utterance once its speaker pauses, and the
moment speech begins, which stops a reply being spoken: barge-in)."""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable

import numpy as np

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.voice.audio import SAMPLE_RATE
from chatapp.voice.capture import AudioSource
from chatapp.voice.listening import UtteranceDetector
from chatapp.voice.transcriber import Transcriber

log = logging.getLogger(__name__)
PARTIAL_EVERY = SAMPLE_RATE  # dictation: new audio between two looks at the words so far
EARLY_PAUSE = SAMPLE_RATE // 5  # conversation: a pause this long is used to write down what was said
_STOP, _CANCEL = "stop", "cancel"
LISTENING_FAILED = QT_TRANSLATE_NOOP("core", "Listening stopped: the speech model failed; the log has the details.")


class _Session:
    """One stretch of listening: its chunks, and whether its results are still wanted."""

    def __init__(self, source: AudioSource, mode: str) -> None:
        self.source, self.mode = source, mode
        self.chunks: queue.Queue[np.ndarray | str] = queue.Queue()
        self.wanted = True


class Listener:
    """Never blocks its caller: stopping dictation hands the last transcription to the listening thread,
    which reports it when done; a cancelled session's results are dropped."""

    def __init__(self, transcriber: Callable[[], Transcriber], language: Callable[[], str | None],
                 on_partial: Callable[[str], None], on_final: Callable[[str], None],
                 on_speech: Callable[[], None], on_failed: Callable[[KnownError], None]) -> None:
        self._transcriber, self._language = transcriber, language
        self._on_partial, self._on_final, self._on_speech, self._on_failed = on_partial, on_final, on_speech, on_failed
        self._session: _Session | None = None

    @property
    def mode(self) -> str:
        """"dictation" or "conversation" while listening; "" otherwise."""
        return self._session.mode if self._session is not None else ""

    def start(self, source: AudioSource, mode: str) -> None:
        """Listen through `source` (raises KnownError when it cannot start: no microphone)."""
        self.cancel()
        session = _Session(source, mode)
        source.start(session.chunks.put)
        self._session = session
        threading.Thread(target=self._listen, args=(session,), name="chatapp-listen", daemon=True).start()

    def stop(self) -> None:
        """Stop listening; dictation's words are written down and given to `on_final` (from the thread)."""
        self._end(_STOP)

    def cancel(self) -> None:
        """Stop listening and forget what was heard."""
        self._end(_CANCEL)

    def _end(self, how: str) -> None:
        session, self._session = self._session, None
        if session is None:
            return
        session.source.stop()
        session.wanted = how == _STOP
        session.chunks.put(how)

    def _listen(self, session: _Session) -> None:
        try:
            self._run(session)
        except KnownError as exc:
            if session.wanted:
                self._on_failed(exc)
        except Exception:  # the speech model's runtime: never a silent, dead listener
            log.exception("listening failed")
            if session.wanted:
                self._on_failed(KnownError(LISTENING_FAILED))

    def _run(self, session: _Session) -> None:
        detector = UtteranceDetector()
        partial_at = 0
        ahead = _Ahead()
        while True:
            item = session.chunks.get()
            if isinstance(item, str):  # stopped or cancelled
                if item == _STOP and session.mode == "dictation":
                    words = self._words(detector.utterance()) if detector.speaking else ""
                    if session.wanted:
                        self._on_final(words)
                return
            heard = detector.feed(item)
            if heard == "speech" and session.wanted:
                self._on_speech()
            if session.mode == "dictation":
                recording = detector.recording()
                if detector.speaking and len(recording) - partial_at >= PARTIAL_EVERY and session.chunks.empty():
                    partial_at = len(recording)
                    words = self._words(detector.utterance())
                    if session.wanted and self._session is session:
                        self._on_partial(words)
            elif heard == "end":
                words = ahead.text if ahead.covers(detector) else self._words(detector.utterance(), ahead.language)
                detector.reset()
                ahead = _Ahead()
                if words and session.wanted and self._session is session:
                    self._on_final(words)
            elif detector.speaking and session.chunks.empty():
                ahead.work(detector, self._transcriber(), self._language())

    def _words(self, samples: np.ndarray, detected: str | None = None) -> str:
        """What was said, in the language set (or the one already detected; None: detected now)."""
        return self._transcriber().transcribe(samples, self._language() or detected, timestamps=False).text


class _Ahead:
    """Conversation: work done while the speaker may still be speaking, so less is left once they have
    finished — the language, found once a second of speech is in (its own encoder pass, ~0.5 s, off
    the critical path), and the words, written down at the first short pause (200 ms; used if the pause turns
    out to be the end: nothing was said after it)."""

    def __init__(self) -> None:
        self.language: str | None = None
        self.text = ""
        self._upto = -1  # the recording's length when `text` was written

    def covers(self, detector: UtteranceDetector) -> bool:
        return self._upto >= 0 and detector.speech_end() <= self._upto

    def work(self, detector: UtteranceDetector, transcriber: Transcriber, language: str | None) -> None:
        if language is None and self.language is None and detector.speech_length() >= SAMPLE_RATE:
            self.language = transcriber.detect_language(detector.utterance())
            return
        recording = len(detector.recording())
        paused = recording - detector.speech_end() >= EARLY_PAUSE
        if paused and not self.covers(detector):
            self.text = transcriber.transcribe(detector.utterance(), language or self.language, timestamps=False).text
            self._upto = recording
