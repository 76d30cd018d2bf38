"""The composer's Documents button: which collections this chat answers from, one click away."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QMenu, QToolButton, QWidget

from chatapp.ui import icons


class DocumentsButton(QToolButton):
    selectionChanged = Signal(list)  # list[str]: the chosen collections
    manageRequested = Signal()
    aboutToOpen = Signal()  # the owner fills the menu with the current collections

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setIcon(icons.icon("documents"))
        self.setAccessibleName(self.tr("Documents for this chat"))
        self.setToolTip(self.tr("Answer from your documents: choose collections for this chat"))
        self.menu_ = QMenu(self)
        self.menu_.aboutToShow.connect(self.aboutToOpen.emit)
        self.setMenu(self.menu_)
        self._selected: list[str] = []
        self.set_collections([], [])

    def set_collections(self, names: list[str], selected: list[str]) -> None:
        self._selected = [n for n in selected if n in names]
        self.menu_.clear()
        if not names:
            empty = self.menu_.addAction(self.tr("No collections yet"))
            empty.setEnabled(False)
        for name in names:
            action = self.menu_.addAction(name)
            action.setCheckable(True)
            action.setChecked(name in self._selected)
            action.toggled.connect(lambda on, n=name: self._toggle(n, on))
        self.menu_.addSeparator()
        self.menu_.addAction(self.tr("Manage collections…"), self.manageRequested.emit)
        self._update_label()

    def selected(self) -> list[str]:
        return list(self._selected)

    def _toggle(self, name: str, on: bool) -> None:
        self._selected = [n for n in self._selected if n != name] + ([name] if on else [])
        self._update_label()
        self.selectionChanged.emit(list(self._selected))

    def _update_label(self) -> None:
        if not self._selected:
            self.setText(self.tr("Documents"))
        elif len(self._selected) == 1:
            self.setText(self.tr("Documents: {name}").format(name=self._selected[0]))
        else:
            self.setText(self.tr("Documents: %n collection(s)", "", len(self._selected)))
