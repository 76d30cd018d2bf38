"""A project's name and instructions (its chats' system prompt, unless a chat has its own), its default
preset and model, and the document collections and tool servers all its chats use."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QWidget,
)

from chatapp.core.storage.history import Project
from chatapp.ui.choice_box import choose


class ProjectDialog(QDialog):
    def __init__(self, project: Project, presets: list[str], models: list[tuple[str, Path]],
                 collections: Sequence[str] = (), servers: Sequence[str] = (),
                 parent: QWidget | None = None) -> None:
        """`presets`: the names a project may take as its preset; `models`: the library's (label, file);
        `collections`, `servers`: the document collections and tool servers there are to choose from."""
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
        self.documents = self._checklist(collections, project.settings.get("documents"),
                                         self.tr("The project's document collections"))
        self.documents.setToolTip(self.tr("Its chats answer from these collections (a chat can still choose "
                                          "its own)"))
        form.addRow(self.tr("Documents:"), self.documents)
        self.tools = self._checklist(servers, project.settings.get("tool_servers"),
                                     self.tr("The project's tool servers"))
        self.tools.setToolTip(self.tr("Its chats may call these servers' tools (each call is asked first)"))
        form.addRow(self.tr("Tools:"), self.tools)
        self._initial = (self._ticked(self.documents), self._ticked(self.tools))
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.resize(520, 520)

    def _checklist(self, names: Sequence[str], chosen: object, label: str) -> QListWidget:
        """`names` to tick, those in `chosen` ticked; a chosen one no longer there stays, marked missing."""
        ticked = [str(n) for n in chosen] if isinstance(chosen, list) else []
        box = QListWidget()
        box.setAccessibleName(label)
        box.setMaximumHeight(96)
        for name in [*names, *(n for n in ticked if n not in names)]:
            item = QListWidgetItem(name if name in names else self.tr("{name} (missing)").format(name=name))
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if name in ticked else Qt.CheckState.Unchecked)
            box.addItem(item)
        if not box.count():
            box.addItem(self.tr("None here yet"))
            box.setEnabled(False)
        return box

    @staticmethod
    def _ticked(box: QListWidget) -> list[str]:
        return [str(item.data(Qt.ItemDataRole.UserRole)) for i in range(box.count())
                if (item := box.item(i)) is not None and item.checkState() == Qt.CheckState.Checked]

    def chosen_documents(self) -> list[str] | None:
        """The collections ticked; None when they are as they were (an untouched project keeps none set)."""
        ticked = self._ticked(self.documents)
        return ticked if ticked != self._initial[0] else None

    def chosen_tools(self) -> list[str] | None:
        """The tool servers ticked; None when they are as they were."""
        ticked = self._ticked(self.tools)
        return ticked if ticked != self._initial[1] else None

    def chosen_preset(self) -> str:
        return str(self.preset.currentData())

    def chosen_model(self) -> str:
        return str(self.model.currentData())

