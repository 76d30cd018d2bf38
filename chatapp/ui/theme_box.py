"""Settings section for the theme: follow the system, light or dark (applies at once)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QWidget

from chatapp.core.errors import QT_TRANSLATE_NOOP

CHOICES = (
    ("system", QT_TRANSLATE_NOOP("ThemeBox", "Follow the system")),
    ("light", QT_TRANSLATE_NOOP("ThemeBox", "Light")),
    ("dark", QT_TRANSLATE_NOOP("ThemeBox", "Dark")),
)


class ThemeBox(QGroupBox):
    """Emits `changed(choice)` ("system", "light", "dark")."""

    changed = Signal(str)

    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Theme"))
        form = QFormLayout(self)
        self.combo = QComboBox()
        self.combo.setAccessibleName(self.tr("Theme"))
        for code, label in CHOICES:
            self.combo.addItem(self.tr(label), code)
        index = self.combo.findData(current)
        self.combo.setCurrentIndex(index if index >= 0 else 0)
        form.addRow(self.combo)
        self.combo.currentIndexChanged.connect(lambda: self.changed.emit(str(self.combo.currentData())))
