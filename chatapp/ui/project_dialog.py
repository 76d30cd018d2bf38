"""A project's name and instructions (its chats' system prompt, unless a chat has its own), its default
preset and model, and whether the open chat's document collections and tools become the whole project's."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QPlainTextEdit,
    QWidget,
)

from chatapp.core.storage.history import Project
from chatapp.ui.choice_box import choose


class ProjectDialog(QDialog):
    def __init__(self, project: Project, presets: list[str], models: list[tuple[str, Path]],
                 parent: QWidget | None = None) -> None:
        """`presets`: the names a project may take as its preset; `models`: the library's (label, file)."""
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
        self.preset = QComboBox()
        self.preset.setAccessibleName(self.tr("The project's preset"))
        self.preset.setToolTip(self.tr("Its chats start from this preset's settings; the instructions above "
                                       "win over its system prompt"))
        self.preset.addItem(self.tr("None"), "")
        for name in presets:
            self.preset.addItem(name, name)
        choose(self.preset, project.preset)
        form.addRow(self.tr("Preset:"), self.preset)
        self.model = QComboBox()
        self.model.setAccessibleName(self.tr("The project's model"))
        self.model.setToolTip(self.tr("Opening one of its chats, or starting one, loads this model"))
        self.model.addItem(self.tr("Whichever is loaded"), "")
        for label, path in models:
            self.model.addItem(label, str(path))
        choose(self.model, project.model, Path(project.model).name)
        form.addRow(self.tr("Model:"), self.model)
        self.take_resources = QCheckBox(self.tr("Use this chat's documents and tools in all the project's chats"))
        form.addRow(self.take_resources)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(520, 360)

    def chosen_preset(self) -> str:
        return str(self.preset.currentData())

    def chosen_model(self) -> str:
        return str(self.model.currentData())

