"""A project's name and instructions (its chats' system prompt, unless a chat has its own), and whether
the open chat's document collections and tools become the whole project's."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from chatapp.core.storage.history import Project


class ProjectDialog(QDialog):
    def __init__(self, project: Project, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Project"))
        form = QFormLayout(self)
        self.name = QLineEdit(project.name)
        self.name.setAccessibleName(self.tr("Project name"))
        form.addRow(self.tr("Name:"), self.name)
        self.instructions = QPlainTextEdit(project.instructions)
        self.instructions.setPlaceholderText(self.tr("What every chat in this project is told first, e.g. "
                                                     "“You help me write my thesis on coastal erosion.”"))
        self.instructions.setAccessibleName(self.tr("Instructions"))
        form.addRow(self.tr("Instructions:"), self.instructions)
        self.take_resources = QCheckBox(self.tr("Use this chat's documents and tools in all the project's chats"))
        form.addRow(self.take_resources)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(520, 320)
