"""A settings section that is one labelled choice (theme, language…): a combo box of (value, label)
pairs that emits `changed(value)` when the user picks another. And `choose`: a combo box's saved choice
selected, kept even when it is no longer offered."""

from __future__ import annotations

from collections.abc import Sequence

from PySide6.QtCore import QCoreApplication, Signal
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


def choose(box: QComboBox, value: str, label: str = "") -> None:
    """Select the item holding `value` ("": the first). One no longer offered (a preset removed, a model or
    voice deleted) is added, marked missing, and selected: looking at a choice never changes it."""
    if value and box.findData(value) < 0:
        box.addItem(QCoreApplication.translate("ChoiceBox", "{name} (missing)").format(name=label or value), value)
    box.setCurrentIndex(max(box.findData(value), 0))
