"""Settings section for the theme: follow the system, light or dark (applies at once)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget

from chatapp.core.errors import QT_TRANSLATE_NOOP
from chatapp.ui.choice_box import ChoiceBox

CHOICES = (
    ("system", QT_TRANSLATE_NOOP("ThemeBox", "Follow the system")),
    ("light", QT_TRANSLATE_NOOP("ThemeBox", "Light")),
    ("dark", QT_TRANSLATE_NOOP("ThemeBox", "Dark")),
)


class ThemeBox(ChoiceBox):
    """Emits `changed(choice)` ("system", "light", "dark")."""

    def __init__(self, current: str, parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Theme"), [(code, self.tr(label)) for code, label in CHOICES], current, parent)
