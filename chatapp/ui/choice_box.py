"""A settings section that is one labelled choice (theme, language…): a combo box of (value, label)
pairs that emits `changed(value)` when the user picks another."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QWidget


class ChoiceBox(QGroupBox):
    changed = Signal(str)

    def __init__(self, title: str, choices: Sequence[tuple[str, str]], current: str,
                 parent: QWidget | None = None) -> None:
        """`title` and the labels arrive translated (by the subclass, in its own context)."""
        super().__init__(parent)
        self.setTitle(title)
        self.form = QFormLayout(self)
        self.combo = QComboBox()
        self.combo.setAccessibleName(title)
        for value, label in choices:
            self.combo.addItem(label, value)
        index = self.combo.findData(current)
        self.combo.setCurrentIndex(index if index >= 0 else 0)
        self.form.addRow(self.combo)
        self.combo.currentIndexChanged.connect(lambda: self.changed.emit(str(self.combo.currentData())))
