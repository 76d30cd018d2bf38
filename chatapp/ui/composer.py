"""Where the user writes: Enter sends, Shift+Enter adds a line, Esc stops a reply; Send becomes Stop."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFocusEvent, QKeyEvent, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget

from chatapp.ui import icons


class MessageEdit(QPlainTextEdit):
    submitted = Signal()
    escapePressed = Signal()
    focusChanged = Signal(bool)

    def focusInEvent(self, event: QFocusEvent) -> None:
        self.focusChanged.emit(True)
        super().focusInEvent(event)

    def focusOutEvent(self, event: QFocusEvent) -> None:
        self.focusChanged.emit(False)
        super().focusOutEvent(event)

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

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.editing_id: str | None = None
        self._busy = False
        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 4, 12, 10)
        self.edit_banner = QLabel()
        self.edit_banner.hide()
        layout.addWidget(self.edit_banner)
        # One rounded box holds the text, the tools (documents) and Send/Stop, as in the chat apps
        # people know; its border lights up while the text has the focus.
        self.box = QFrame()
        self.box.setObjectName("composerBox")
        box = QVBoxLayout(self.box)
        box.setContentsMargins(8, 6, 8, 6)
        box.setSpacing(4)
        self.input = MessageEdit()
        self.input.setObjectName("composerInput")
        self.input.setPlaceholderText(self.tr("Message the model — Enter to send, Shift+Enter for a new line"))
        self.input.setAccessibleName(self.tr("Message input"))
        self.input.setFixedHeight(64)
        self.input.setTabChangesFocus(True)  # keyboard users leave the box with Tab
        self.input.submitted.connect(self._on_send)
        self.input.escapePressed.connect(self._on_escape)
        self.input.focusChanged.connect(self._on_focus)
        box.addWidget(self.input)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
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

    def _on_button(self) -> None:
        if self._busy:
            self.stopRequested.emit()
        else:
            self._on_send()

    def _on_send(self) -> None:
        if not self._busy and self.text().strip():
            self.sendRequested.emit(self.text())

    def _on_escape(self) -> None:
        if self._busy:
            self.stopRequested.emit()
        elif self.editing_id is not None:
            self.end_edit()
            self.clear()
            self.editCancelled.emit()
