"""Settings section for the window's language (applies at the next start: widgets take their text
when they are built, and rebuilding every open view mid-conversation is not worth its bugs)."""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QWidget

from chatapp.services.i18n import LANGUAGES
from chatapp.ui.choice_box import ChoiceBox


class LanguageBox(ChoiceBox):
    """Emits `changed(code)` ("system", "en", "zh_CN") when the user picks a language."""

    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        # Each language is named in its own language; "System language" in the current one.
        choices = [(code, self.tr(name) if code == "system" else name) for code, name in LANGUAGES]
        super().__init__(self.tr("Language"), choices, current, parent)
        self.note = QLabel(self.tr("Takes effect when chatapp starts again."))
        self.note.setWordWrap(True)
        self.note.hide()
        self.form.addRow(self.note)
        self.changed.connect(self.note.show)
