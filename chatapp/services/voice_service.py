"""The window's voice: dictation into the message box, replies read aloud, and voice mode (speak, hear
the reply, speak again; speaking over a reply stops it). The work is chatapp/voice's, on its own threads
(listening, making speech, playing it); this adapter turns their callbacks into queued signals, so the
GUI thread never waits for a microphone, a transcription or a sound device.

Sources and outputs are seams: the microphone and the speakers in the app, a recording played in as if
spoken and an output that only takes the time in tests (tests/test_voice_gui.py)."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QObject, Signal, Slot

from chatapp.core.errors import KnownError
from chatapp.core.models.sources import ModelSource
from chatapp.core.storage.settings import AppSettings
from chatapp.services.i18n import user_message
from chatapp.voice import catalogue
from chatapp.voice.capture import AudioSource, Microphone
from chatapp.voice.catalogue import VoiceEntry
from chatapp.voice.engines import VoiceEngines
from chatapp.voice.listener import Listener
from chatapp.voice.playback import AudioOutput, Speakers
from chatapp.voice.speech_queue import SpeechQueue

log = logging.getLogger(__name__)
OFF, LISTENING, REPLYING = "off", "listening", "replying"  # voice mode's states


class VoiceService(QObject):
    partial = Signal(str)  # dictation: the words so far
    dictated = Signal(str)  # dictation: all the words, once it stopped
    heard = Signal(str)  # voice mode: an utterance, to send
    bargedIn = Signal()  # voice mode: the user spoke over the reply (stop it)
    speakingStarted = Signal(str)  # what is being read (a message id)
    speakingFinished = Signal(str)
    stateChanged = Signal(str)  # voice mode: off, listening, replying
    failed = Signal(str)  # one sentence
    downloadProgress = Signal(str, float)  # a speech model's name, how much is done (0..1)
    downloadFinished = Signal(str, str)  # its name, "" or one sentence (failed, or files unverified)
    _speech = Signal()  # from the listening thread: speech began...
    _final = Signal(str)  # ...and what was said

    def __init__(self, data_dir: Path, settings: Callable[[], AppSettings],
                 source: Callable[[], AudioSource] | None = None, output: AudioOutput | None = None,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.engines = VoiceEngines(data_dir)
        self._source = source or (lambda: Microphone(self.settings().voice_input_device or None))
        self.output = output or Speakers(settings().voice_output_device or None)
        self.speech = SpeechQueue(lambda name: self.engines.speaker(name or self.settings().voice_name), self.output,
                                  lambda: self.settings().voice_speed, self.speakingStarted.emit,
                                  self.speakingFinished.emit, self._failed)
        self.listener = Listener(lambda: self.engines.transcriber(self.settings().voice_transcriber),
                                 lambda: self.settings().voice_language or None, self.partial.emit, self._final.emit,
                                 self._speech.emit, self._failed)
        self.state = OFF
        self._replying = ""  # voice mode: the reply being spoken
        self._speech.connect(self._on_speech)
        self._final.connect(self._on_final)
        self.speakingFinished.connect(self._on_spoken)

    # ----- dictation -------------------------------------------------------------------------------------
    def start_dictation(self) -> bool:
        """Listen for words for the message box (False, and `failed` said why, when there is no microphone)."""
        self.stop_voice_mode()
        return self._listen("dictation")

    def stop_dictation(self) -> None:
        """The words are written down and come as `dictated`."""
        if self.listener.mode == "dictation":
            self.listener.stop()

    def cancel_dictation(self) -> None:
        if self.listener.mode == "dictation":
            self.listener.cancel()

    # ----- reading aloud ---------------------------------------------------------------------------------
    def read(self, tag: str, markdown: str, voice: str = "", speed: float = 0.0) -> None:
        """Read a message aloud (whatever was being read stops), with a chat's voice and speed if it has them."""
        self.speech.cancel()
        self.speech.say(tag, markdown, voice, speed)
        self.speech.finish(tag)

    def stop_reading(self) -> None:
        self.speech.cancel()

    # ----- voice mode ------------------------------------------------------------------------------------
    def start_voice_mode(self) -> bool:
        self.cancel_dictation()
        if not self._listen("conversation"):
            return False
        self._set_state(LISTENING)
        return True

    def stop_voice_mode(self) -> None:
        if self.state == OFF:
            return
        self.listener.cancel()
        self.speech.cancel()
        self._replying = ""
        self._set_state(OFF)

    def say_reply(self, message_id: str, text: str, voice: str = "", speed: float = 0.0) -> None:
        """Voice mode: more of the reply's answer (never its thinking), spoken as its sentences complete."""
        if self.state != OFF:
            self._replying = message_id
            self._set_state(REPLYING)
            self.speech.say(message_id, text, voice, speed)

    def finish_reply(self, message_id: str) -> None:
        """Voice mode: the reply is complete (or never came: ""); once it has been spoken, listening goes on."""
        if self.state != OFF:
            self._replying = message_id or "reply"
            self.speech.finish(self._replying)

    def _listen(self, mode: str) -> bool:
        try:
            self.listener.start(self._source(), mode)
        except KnownError as exc:
            self._failed(exc)
            return False
        return True

    @Slot(str)
    def _on_final(self, text: str) -> None:
        if self.state == OFF:
            self.dictated.emit(text)
            return
        self._set_state(REPLYING)  # the reply is about to start: speaking now stops it
        self.heard.emit(text)

    @Slot()
    def _on_speech(self) -> None:
        if self.state == REPLYING:  # barge-in: the voice stops, and so does the reply
            self.speech.cancel()
            self._replying = ""
            self._set_state(LISTENING)
            self.bargedIn.emit()

    @Slot(str)
    def _on_spoken(self, tag: str) -> None:
        if self.state == REPLYING and tag == self._replying:
            self._replying = ""
            self._set_state(LISTENING)

    def _failed(self, error: KnownError) -> None:
        """An error from any voice thread, as its sentence in the window's language."""
        self.failed.emit(user_message(error))

    def _set_state(self, state: str) -> None:
        if state != self.state:
            self.state = state
            self.stateChanged.emit(state)

    # ----- more speech models -----------------------------------------------------------------------------
    def download(self, entry: VoiceEntry, source: ModelSource) -> None:
        """Fetch a catalogue entry into the voice folder on a thread of its own (resumable, verified)."""
        def run() -> None:
            unverified: list[str] = []
            try:
                catalogue.download(entry, self.engines.data_dir, source,
                                   lambda p: self.downloadProgress.emit(entry.name, p.done / p.total if p.total else 1),
                                   on_unverified=unverified.append)
            except KnownError as exc:
                self.downloadFinished.emit(entry.name, user_message(exc))
                return
            self.downloadFinished.emit(entry.name, QCoreApplication.translate(
                "VoiceService", "{files}: {source} gives no checksum, so it could not be checked.").format(
                files=", ".join(unverified), source=source.name) if unverified else "")

        threading.Thread(target=run, name="chatapp-voice-download", daemon=True).start()

    def use_output_device(self, name: str) -> None:
        """Speech plays through this device from the next sentence on ("": the system's default)."""
        if isinstance(self.speech.output, Speakers):
            self.speech.output.close()
            self.speech.output = Speakers(name or None)

    def shutdown(self) -> None:
        self.listener.cancel()
        self.speech.close()
