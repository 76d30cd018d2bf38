"""Settings section for the window's language (applies at the next start: widgets take their text
when they are built, and rebuilding every open view mid-conversation is not worth its bugs)."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QFormLayout, QGroupBox, QLabel, QWidget

from chatapp.services.i18n import LANGUAGES


class LanguageBox(QGroupBox):
    """Emits `changed(code)` ("system", "en", "zh_CN") when the user picks a language."""

    changed = Signal(str)

    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Language"))
        form = QFormLayout(self)
        self.combo = QComboBox()
        self.combo.setAccessibleName(self.tr("Language"))
        for code, name in LANGUAGES:
            # Each language is named in its own language; "System language" in the current one.
            self.combo.addItem(self.tr(name) if code == "system" else name, code)
        index = self.combo.findData(current)
        self.combo.setCurrentIndex(index if index >= 0 else 0)
        form.addRow(self.combo)
        self.note = QLabel(self.tr("Takes effect when chatapp starts again."))
        self.note.setWordWrap(True)
        self.note.hide()
        form.addRow(self.note)
        self.combo.currentIndexChanged.connect(self._changed)

    def _changed(self) -> None:
        self.note.show()
        self.changed.emit(str(self.combo.currentData()))
