"""Where the user writes: Enter sends, Shift+Enter adds a line, Esc stops a reply; Send becomes Stop."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPlainTextEdit, QPushButton, QVBoxLayout, QWidget


class MessageEdit(QPlainTextEdit):
    submitted = Signal()
    escapePressed = Signal()

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
        row = QHBoxLayout()
        self.input = MessageEdit()
        self.input.setPlaceholderText(self.tr("Message the model — Enter to send, Shift+Enter for a new line"))
        self.input.setAccessibleName(self.tr("Message input"))
        self.input.setFixedHeight(76)
        self.input.submitted.connect(self._on_send)
        self.input.escapePressed.connect(self._on_escape)
        row.addWidget(self.input, 1)
        self.tools = QVBoxLayout()  # small controls beside the text box (documents for this chat)
        self.tools.addStretch(1)
        row.addLayout(self.tools)
        self.button = QPushButton(self.tr("Send"))
        self.button.setObjectName("sendButton")
        self.button.setAccessibleName(self.tr("Send"))
        self.button.setMinimumWidth(80)
        self.button.clicked.connect(self._on_button)
        row.addWidget(self.button)
        layout.addLayout(row)

    def add_tool(self, widget: QWidget) -> None:
        self.tools.insertWidget(self.tools.count() - 1, widget)

    def set_busy(self, busy: bool) -> None:
        self._busy = busy
        self.button.setText(self.tr("Stop") if busy else self.tr("Send"))
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
