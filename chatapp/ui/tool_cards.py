"""Tool calls in the conversation: a folded card per call (what was called, on which server, how long it
took, and — unfolded — its arguments and result or error), and the card that asks before one runs."""

from __future__ import annotations

import html
import json

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget

from chatapp.core.storage.history import Branch, StoredMessage
from chatapp.ui.fold_button import FoldButton


def _pretty(arguments: str) -> str:
    try:
        return json.dumps(json.loads(arguments or "{}"), indent=2, ensure_ascii=False)
    except ValueError:
        return arguments


def _mono(text: str) -> QLabel:
    label = QLabel(text)
    label.setTextFormat(Qt.TextFormat.PlainText)
    label.setWordWrap(True)
    label.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    label.setStyleSheet("padding-left: 12px;")
    return label


class ToolCard(QFrame):
    """A tool's result (a `tool` message), folded to one line: name, server, time, and how it went."""

    def __init__(self, message: StoredMessage, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = message
        self.setObjectName("toolCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        tool = message.tool
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 4, 10, 4)
        name, server = str(tool.get("name", "tool")), str(tool.get("server", ""))
        if tool.get("denied"):
            state = self.tr("not allowed")
        elif tool.get("cancelled"):
            state = self.tr("stopped")
        elif tool.get("is_error"):
            state = self.tr("failed")
        else:
            state = self.tr("{seconds:.2f} s").format(seconds=float(tool.get("seconds", 0.0)))
        where = self.tr(" on {server}").format(server=server) if server else ""
        self.details = QWidget()
        details = QVBoxLayout(self.details)
        details.setContentsMargins(0, 0, 0, 0)
        details.addWidget(QLabel(self.tr("Arguments")))
        self.arguments = _mono(_pretty(str(tool.get("arguments", "{}"))))
        details.addWidget(self.arguments)
        details.addWidget(QLabel(self.tr("Error") if tool.get("is_error") else self.tr("Result")))
        self.result = _mono(message.content)
        if tool.get("is_error"):
            self.result.setStyleSheet("padding-left: 12px; color: #c0392b;")
        details.addWidget(self.result)
        self.title = self.tr("Tool {name}{where} · {state}").format(name=name, where=where, state=state)
        self.toggle = FoldButton(self.title, self.tr("Show or hide the call's arguments and result"), self.details)
        layout.addWidget(self.toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.details)
        self.toggle.setChecked(False)

    @property
    def text(self) -> str:
        return self.message.content

    def shows(self, message: StoredMessage, branch: Branch | None, is_last: bool) -> bool:
        return self.message == message


class PermissionCard(QFrame):
    """Asks before a tool runs: Allow once, Always allow this tool, or Deny."""

    answered = Signal(int, str)  # request id, "allow" | "always" | "deny"

    def __init__(self, request_id: int, name: str, server: str, arguments: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.request_id = request_id
        self.setObjectName("permissionCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        where = self.tr(" from {server}").format(server=html.escape(server)) if server else ""
        question = QLabel(self.tr("The model wants to run <b>{name}</b>{where}. Allow it?").format(
            name=html.escape(name), where=where))
        question.setWordWrap(True)
        layout.addWidget(question)
        layout.addWidget(_mono(_pretty(arguments)))
        buttons = QHBoxLayout()
        self.allow = QPushButton(self.tr("Allow once"))
        self.always = QPushButton(self.tr("Always allow this tool"))
        self.deny = QPushButton(self.tr("Deny"))
        for button, decision in ((self.allow, "allow"), (self.always, "always"), (self.deny, "deny")):
            button.clicked.connect(lambda _c=False, d=decision: self._answer(d))
            buttons.addWidget(button)
        buttons.addStretch(1)
        layout.addLayout(buttons)

    def _answer(self, decision: str) -> None:
        for button in (self.allow, self.always, self.deny):
            button.setEnabled(False)
        self.answered.emit(self.request_id, decision)
