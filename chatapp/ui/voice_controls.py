"""The window's voice, wired: the composer's microphone (dictation) and voice-mode buttons, each reply's
Read aloud button, and voice mode's turns — what was heard is sent as the user's message, the reply is
spoken as it is written, and speaking over it stops both (services/voice_service.py does the work)."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from chatapp.services.chat_session import ChatSession
from chatapp.services.voice_service import LISTENING, OFF, REPLYING, VoiceService
from chatapp.ui.chat_view import ChatView, MessageWidget
from chatapp.ui.composer import Composer


class VoiceControls(QObject):
    def __init__(self, window: QWidget, voice: VoiceService, session: ChatSession, composer: Composer,
                 chat: ChatView, show_error: Callable[[str], None]) -> None:
        super().__init__(window)
        self.voice, self.session, self.composer, self.chat = voice, session, composer, chat
        self.show_error = show_error
        self._reply = ""  # voice mode: the reply being written, its voice and speed...
        self._reply_voice: tuple[str, float] = ("", 0.0)
        self._speak_reply = False  # ...and whether it is spoken (not once it was spoken over)
        self._reading_id = ""  # the message being read now (its button shows Stop, even once redrawn)
        self._asked_to_read = ""  # the message last asked to be read
        composer.dictationToggled.connect(self._on_dictation)
        composer.dictationCancelled.connect(voice.cancel_dictation)
        composer.voiceModeToggled.connect(self._on_voice_mode)
        voice.partial.connect(composer.show_dictation)
        voice.dictated.connect(composer.end_dictation)
        voice.heard.connect(self._on_heard)
        voice.bargedIn.connect(self._on_barge_in)
        voice.stateChanged.connect(self._on_state)
        voice.speakingStarted.connect(lambda tag: self._reading(tag, True))
        voice.speakingFinished.connect(lambda tag: self._reading(tag, False))
        voice.failed.connect(self._on_failed)
        chat.readRequested.connect(self._on_read)
        session.replyDelta.connect(self._on_reply_delta)
        session.busyChanged.connect(self._on_busy)
        session.replyFinished.connect(lambda _reply: self._reading(self._reading_id, True))  # (a redrawn reply)
        session.pathChanged.connect(lambda _path: self._reading(self._reading_id, True))

    # ----- dictation ---------------------------------------------------------------------------------------
    def _on_dictation(self, on: bool) -> None:
        if on:
            self.composer.voice_button.setChecked(False)
            if not self.voice.start_dictation():
                self.composer.end_dictation(None)
        else:
            self.voice.stop_dictation()

    # ----- reading a reply aloud ------------------------------------------------------------------------
    def _on_read(self, message_id: str, on: bool) -> None:
        widget = self.chat.widgets.get(message_id)
        for other in {self._asked_to_read, self._reading_id} - {"", message_id}:
            self._reading(other, False)  # one message is read at a time (one not yet begun never says it ended)
        self._asked_to_read = message_id if on else ""
        if on and isinstance(widget, MessageWidget):
            chat = self.session.settings()
            self.voice.read(message_id, widget.text, chat.voice, chat.voice_speed)
        else:
            self.voice.stop_reading()

    def _reading(self, message_id: str, reading: bool) -> None:
        if reading:
            self._reading_id = message_id
        elif message_id == self._reading_id:
            self._reading_id = ""
        widget = self.chat.widgets.get(message_id)
        if isinstance(widget, MessageWidget):
            widget.set_reading(reading)

    # ----- voice mode ------------------------------------------------------------------------------------
    def _on_voice_mode(self, on: bool) -> None:
        if on:
            if self.composer.mic_button.isChecked():
                self.composer.end_dictation(None)
                self.voice.cancel_dictation()
            if not self.voice.start_voice_mode():
                self._uncheck_voice_mode()
        else:
            self.voice.stop_voice_mode()

    @Slot(str)
    def _on_heard(self, text: str) -> None:
        """What was said goes as the user's message (shown in the box if it could not be sent)."""
        self._reply = ""
        self._speak_reply = True
        if not self.session.send(text):
            self.composer.input.setPlainText(text)
            self.voice.finish_reply("")

    @Slot(str, str, str)
    def _on_reply_delta(self, message_id: str, _thinking: str, text: str) -> None:
        if self.voice.state != OFF and text and self._speak_reply:
            if message_id != self._reply:  # its first words: the chat's voice, resolved once for the reply
                chat = self.session.settings()
                self._reply, self._reply_voice = message_id, (chat.voice, chat.voice_speed)
            self.voice.say_reply(message_id, text, *self._reply_voice)

    def _on_busy(self) -> None:
        if not self.session.busy and self.voice.state == REPLYING:
            self.voice.finish_reply(self._reply)  # spoken to its end, then listening again

    def _on_barge_in(self) -> None:
        self._speak_reply = False  # what the stopped reply still writes is not spoken
        if self.session.busy:
            self.session.stop()

    def _on_state(self, state: str) -> None:
        text = {LISTENING: self.tr("Listening…"), REPLYING: self.tr("Replying…")}.get(state, "")
        self.composer.voice_state.setText(text)
        if state == OFF:
            self._uncheck_voice_mode()

    def _uncheck_voice_mode(self) -> None:
        button = self.composer.voice_button
        button.blockSignals(True)
        button.setChecked(False)
        button.blockSignals(False)
        self.composer.voice_state.clear()

    def _on_failed(self, message: str) -> None:
        if self.composer.mic_button.isChecked():
            self.composer.end_dictation(None)
        self.voice.stop_voice_mode()
        self.show_error(message)
