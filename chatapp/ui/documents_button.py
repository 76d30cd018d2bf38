"""The composer's Documents button: which collections this chat answers from, one click away."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QWidget

from chatapp.ui import icons
from chatapp.ui.checklist_button import ChecklistButton


class DocumentsButton(ChecklistButton):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self._describe, self.tr("No collections yet"), self.tr("Manage collections…"), parent)
        self.setIcon(icons.icon("documents"))
        self.setAccessibleName(self.tr("Documents for this chat"))
        self.setToolTip(self.tr("Answer from your documents: choose collections for this chat"))
        self.set_collections([], [])

    def set_collections(self, names: list[str], selected: list[str]) -> None:
        self.set_names(names, selected)

    def _describe(self, selected: list[str]) -> str:
        if not selected:
            return self.tr("Documents")
        if len(selected) == 1:
            return self.tr("Documents: {name}").format(name=selected[0])
        return self.tr("Documents: %n collection(s)", "", len(selected))


class ToolsButton(ChecklistButton):
    """Which MCP servers' tools this chat may call, and whether each reply must start with a call (for
    small models that would rather answer from memory)."""

    requiredChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(self._describe, self.tr("No MCP servers yet"), self.tr("Manage tools…"), parent)
        self.required: QAction | None = None
        self.setIcon(icons.icon("tools"))
        self.setAccessibleName(self.tr("Tools for this chat"))
        self.setToolTip(self.tr("Let the model call tools from MCP servers in this chat (each call asks first)"))
        self.set_names([], [])

    def set_servers(self, names: list[str], selected: list[str], required: bool) -> None:
        self.set_names(names, selected)
        manage = self.menu_.actions()[-1]
        self.required = QAction(self.tr("Make the model call a tool before it answers"), self.menu_)
        self.required.setCheckable(True)
        self.required.setChecked(required)
        self.required.setEnabled(bool(names))
        self.required.toggled.connect(self.requiredChanged.emit)
        self.menu_.insertAction(manage, self.required)
        self.menu_.insertSeparator(manage)

    def _describe(self, selected: list[str]) -> str:
        if not selected:
            return self.tr("Tools")
        if len(selected) == 1:
            return self.tr("Tools: {name}").format(name=selected[0])
        return self.tr("Tools: %n server(s)", "", len(selected))
