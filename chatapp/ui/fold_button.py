"""A ▸/▾ button that shows or hides one widget: the folds of the settings panel and of a reply's thinking."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QToolButton, QWidget


class FoldButton(QToolButton):
    """Checked: `target` shown and the arrow points down; unchecked: `target` hidden (the start)."""

    def __init__(self, text: str, accessible_name: str, target: QWidget, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.target = target
        self.setText(text)
        self.setCheckable(True)
        self.setAutoRaise(True)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setArrowType(Qt.ArrowType.RightArrow)
        self.setAccessibleName(accessible_name)
        target.hide()
        self.toggled.connect(self._fold)

    def _fold(self, shown: bool) -> None:
        self.setArrowType(Qt.ArrowType.DownArrow if shown else Qt.ArrowType.RightArrow)
        self.target.setVisible(shown)
