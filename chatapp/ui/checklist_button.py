"""A composer button with a menu of checkable names (this chat's document collections, its tool
servers) and a "Manage…" entry; it says how many are on."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMenu, QToolButton, QWidget


class ChecklistButton(QToolButton):
    selectionChanged = Signal(list)  # list[str]: the names checked
    manageRequested = Signal()
    aboutToOpen = Signal()  # the owner fills the menu with `set_names`

    def __init__(self, label: Callable[[list[str]], str], empty_text: str, manage_text: str,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._label, self._empty_text, self._manage_text = label, empty_text, manage_text
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self.aboutToOpen.emit)
        self.setMenu(self.menu_)
        self._selected: list[str] = []

    def set_names(self, names: list[str], selected: list[str]) -> None:
        self._selected = [n for n in selected if n in names]
        self.menu_.clear()
        if not names:
            empty = self.menu_.addAction(self._empty_text)
            empty.setEnabled(False)
        for name in names:
            action = self.menu_.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in self._selected)
            action.toggled.connect(lambda on, n=name: self._toggle(n, on))
        self.menu_.addSeparator()
        self.menu_.addAction(self._manage_text, self.manageRequested.emit)
        self._update_label()

    def selected(self) -> list[str]:
        return list(self._selected)

    def _toggle(self, name: str, on: bool) -> None:
        self._selected = [n for n in self._selected if n != name] + ([name] if on else [])
        self._update_label()
        self.selectionChanged.emit(list(self._selected))

    def _update_label(self) -> None:
        self.setText(self._label(self._selected))
