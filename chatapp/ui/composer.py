"""Where the user writes: Enter sends, Shift+Enter adds a line, Esc stops a reply; Send becomes Stop.
Images are attached with the image button, by dropping files or pictures, or by pasting."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QEvent, QMimeData, Qt, Signal
from PySide6.QtGui import QDragEnterEvent, QDropEvent, QFocusEvent, QImage, QKeyEvent, QPalette
from PySide6.QtWidgets import (
    QFileDialog,
    QFrame,
    QHBoxLayout,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.errors import KnownError
from chatapp.core.images import MAX_IMAGES_PER_MESSAGE
from chatapp.core.types import Attachment
from chatapp.services.i18n import user_message
from chatapp.ui import icons, images

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".bmp")


def has_images(mime: QMimeData) -> bool:
    """Pictures, or image or recording files: what the composer attaches rather than inserts."""
    return mime.hasImage() or any(Path(u.toLocalFile()).suffix.lower() in IMAGE_SUFFIXES + images.AUDIO_SUFFIXES
                                  for u in mime.urls() if u.isLocalFile())


class MessageEdit(QPlainTextEdit):
    submitted = Signal()
    escapePressed = Signal()
    focusChanged = Signal(bool)
    imagesGiven = Signal(object)  # QMimeData holding pictures or image files (pasted or dropped)

    def canInsertFromMimeData(self, source: QMimeData) -> bool:
        return has_images(source) or super().canInsertFromMimeData(source)

    def insertFromMimeData(self, source: QMimeData) -> None:
        """A pasted or dropped picture is attached, not inserted as a file path."""
        if has_images(source):
            self.imagesGiven.emit(source)
        else:
            super().insertFromMimeData(source)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.focusChanged.emit(True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.focusChanged.emit(False)
        super().focusOutEvent(event)

    def event(self, event: QEvent) -> bool:
        """Esc is the box's own (cancel dictation or an edit, stop a reply), read-only or not: a read-only
        text box would let the window's Esc shortcut take it."""
        if event.type() == QEvent.Type.ShortcutOverride and isinstance(event, QKeyEvent) \
                and event.key() == Qt.Key.Key_Escape:
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not (
            event.modifiers() & Qt.KeyboardModifier.ShiftModifier
        ):
            self.submitted.emit()
            return
        if event.key() == Qt.Key.Key_Escape:
            self.escapePressed.emit()
            return
        super().keyPressEvent(event)


class Composer(QWidget):
    """Text box plus Send/Stop. The text is cleared only once the message was accepted."""

    sendRequested = Signal(str)
    stopRequested = Signal()
    editCancelled = Signal()
    imageRefused = Signal(str)  # one sentence: not an image, broken, too many
    dictationToggled = Signal(bool)  # the microphone button: listen (True) or write down what was said
    dictationCancelled = Signal()  # Esc while listening: nothing is written
    voiceModeToggled = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editing_id: str | None = None
        self._busy = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 10)
        self.edit_banner = QLabel()
        self.edit_banner.hide()
        layout.addWidget(self.edit_banner)
        self.setAcceptDrops(True)
        # One rounded box holds the text, the tools (documents) and Send/Stop, as in the chat apps
        # people know; its border lights up while the text has the focus.
        self.box = QFrame()
        self.box.setObjectName("composerBox")
        box = QVBoxLayout(self.box)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(4)
        self.attachments = images.ImageStrip(removable=True)
        self.attachments.setAccessibleName(self.tr("Attached images"))
        box.addWidget(self.attachments)
        self.input = MessageEdit()
        self.input.setObjectName("composerInput")
        self.input.setPlaceholderText(self.tr("Message the model — Enter to send, Shift+Enter for a new line"))
        self.input.setAccessibleName(self.tr("Message input"))
        self.input.setFixedHeight(64)
        self.input.setTabChangesFocus(True)  # keyboard users leave the box with Tab
        self.input.submitted.connect(self._on_send)
        self.input.escapePressed.connect(self._on_escape)
        self.input.focusChanged.connect(self._on_focus)
        self.input.imagesGiven.connect(self.attach_from)
        box.addWidget(self.input)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        self.image_button = QToolButton()
        self.image_button.setToolTip(self.tr("Attach images or recordings (or drop or paste them here)"))
        self.image_button.setAccessibleName(self.tr("Attach images or recordings"))
        self.image_button.setAutoRaise(True)
        self.image_button.clicked.connect(self._choose_images)
        row.addWidget(self.image_button)
        # Red while it listens; voice mode in the accent colour while on (ui/theme.py, by object name).
        self.mic_button = self._switch("micButton", self.tr("Dictate"), self.tr(
            "Dictate: speak, and the words appear here to edit before sending (click again to finish, Esc to "
            "cancel)"))
        self.mic_button.toggled.connect(self._on_mic)
        row.addWidget(self.mic_button)
        self.voice_button = self._switch("voiceButton", self.tr("Voice mode"), self.tr(
            "Voice mode: speak, hear the reply, speak again (speaking over a reply stops it)"))
        self.voice_button.toggled.connect(self.voiceModeToggled)
        row.addWidget(self.voice_button)
        self.voice_state = QLabel()
        self.voice_state.setAccessibleName(self.tr("Voice"))
        self.voice_state.setStyleSheet("color: palette(mid);")
        row.addWidget(self.voice_state)
        self._before_dictation = ""  # the text in the box when dictation began (the words go after it)
        self.tools = QHBoxLayout()  # small controls under the text (documents for this chat)
        row.addLayout(self.tools)
        row.addStretch(1)
        self.button = QPushButton(self.tr("Send"))
        self.button.setObjectName("sendButton")
        self.button.setAccessibleName(self.tr("Send"))
        self.button.setMinimumWidth(80)
        self.button.clicked.connect(self._on_button)
        row.addWidget(self.button)
        self.refresh_icons()
        box.addLayout(row)
        layout.addWidget(self.box)

    def refresh_icons(self) -> None:
        """Send/Stop's icon, in the colour of text on the accent (called again when the theme changes)."""
        self.button.setIcon(icons.icon("stop" if self._busy else "send", QPalette.ColorRole.HighlightedText))
        self.image_button.setIcon(icons.icon("image"))
        for button, name in ((self.mic_button, "mic"), (self.voice_button, "voice")):
            role = QPalette.ColorRole.HighlightedText if button.isChecked() else QPalette.ColorRole.ButtonText
            button.setIcon(icons.icon(name, role))  # white on the checked button's colour

    def _switch(self, object_name: str, name: str, tip: str) -> QToolButton:
        """A voice button that stays pressed while it is on (its icon redrawn for the pressed colour)."""
        button = QToolButton()
        button.setObjectName(object_name)
        button.setCheckable(True)
        button.setAutoRaise(True)
        button.setToolTip(tip)
        button.setAccessibleName(name)
        button.toggled.connect(lambda _on: self.refresh_icons())
        return button

    # ----- dictation -----------------------------------------------------------------------------------
    def _on_mic(self, on: bool) -> None:
        if on:
            self._before_dictation = self.input.toPlainText()
            self.input.setReadOnly(True)  # the words so far are rewritten as they are heard
            self.voice_state.setText(self.tr("Listening…"))
        else:
            self.voice_state.setText(self.tr("Writing down…"))
        self.dictationToggled.emit(on)

    def show_dictation(self, words: str) -> None:
        """The words so far (or all of them), after what the box held before."""
        joined = " ".join(part for part in (self._before_dictation.rstrip(), words.strip()) if part)
        self.input.setPlainText(joined)
        self.input.moveCursor(self.input.textCursor().MoveOperation.End)

    def end_dictation(self, words: str | None) -> None:
        """Dictation is over: its words (None: cancelled, the box as it was) stay in the box, to edit."""
        if words is None:
            self.input.setPlainText(self._before_dictation)
        else:
            self.show_dictation(words)
        self.input.setReadOnly(False)
        self.voice_state.clear()
        self.mic_button.blockSignals(True)
        self.mic_button.setChecked(False)
        self.mic_button.blockSignals(False)
        self.input.setFocus()

    def add_tool(self, widget: QWidget) -> None:
        self.tools.addWidget(widget)

    def _on_focus(self, focused: bool) -> None:
        self.box.setProperty("focused", focused)
        self.box.style().unpolish(self.box)
        self.box.style().polish(self.box)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.button.setText(self.tr("Stop") if busy else self.tr("Send"))
        self.refresh_icons()
        self.button.setAccessibleName(self.button.text())

    def begin_edit(self, message_id: str, text: str) -> None:
        self.editing_id = message_id
        self.edit_banner.setText(self.tr("Editing an earlier message: Enter resends it as a new branch, Esc cancels."))
        self.edit_banner.show()
        self.input.setPlainText(text)
        self.input.setFocus()

    def end_edit(self) -> None:
        self.editing_id = None
        self.edit_banner.hide()

    def text(self) -> str:
        return self.input.toPlainText()

    def clear(self) -> None:
        self.input.clear()
        self.attachments.set_images([])

    # ----- images -------------------------------------------------------------------------------------
    def images(self) -> tuple[Attachment, ...]:
        return tuple(self.attachments.images)

    def attach(self, new: list[Attachment]) -> None:
        room = MAX_IMAGES_PER_MESSAGE - len(self.attachments.images)
        for image in new[:max(room, 0)]:
            self.attachments.add(image)
        if len(new) > room:
            self.imageRefused.emit(self.tr("A message takes at most {n} images.").format(n=MAX_IMAGES_PER_MESSAGE))

    def attach_files(self, paths: list[Path]) -> None:
        ready = []
        for path in paths:
            try:
                ready.append(images.read_file(path))
            except KnownError as exc:
                self.imageRefused.emit(user_message(exc))
        self.attach(ready)

    def attach_from(self, mime: QMimeData) -> None:
        """Pictures from a paste or a drop: image files by their path, or the pixels themselves."""
        files = [Path(u.toLocalFile()) for u in mime.urls() if u.isLocalFile()]
        if files:
            self.attach_files(files)
        elif mime.hasImage():
            picture = QImage(mime.imageData())
            try:
                self.attach([images.from_qimage(picture, self.tr("The pasted picture"))])
            except KnownError as exc:
                self.imageRefused.emit(user_message(exc))

    def _choose_images(self) -> None:
        names, _ = QFileDialog.getOpenFileNames(
            self, self.tr("Attach images or recordings"), "",
            ";;".join((self.tr("Images and recordings (*.png *.jpg *.jpeg *.gif *.bmp *.wav *.mp3 *.flac)"),
                       self.tr("Images (*.png *.jpg *.jpeg *.gif *.bmp)"),
                       self.tr("Recordings (*.wav *.mp3 *.flac)"))))
        self.attach_files([Path(n) for n in names])

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if has_images(event.mimeData()):
            event.acceptProposedAction()

    def dropEvent(self, event: QDropEvent) -> None:
        self.attach_from(event.mimeData())
        event.acceptProposedAction()

    def _on_button(self) -> None:
        if self._busy:
            self.stopRequested.emit()
        else:
            self._on_send()

    def _on_send(self) -> None:
        if not self._busy and (self.text().strip() or self.attachments.images):
            self.sendRequested.emit(self.text())

    def _on_escape(self) -> None:
        if self.mic_button.isChecked():  # dictation: nothing is written
            self.end_dictation(None)
            self.dictationCancelled.emit()
        elif self._busy:
            self.stopRequested.emit()
        elif self.editing_id is not None:
            self.end_edit()
            self.clear()
            self.editCancelled.emit()
