"""The Settings dialog's sections for choices that apply at once: speculative decoding, the theme, the
language, the folders searched for models, where models are downloaded from, and where data lives.
Each `attach_*` puts its section on its page; its callback keeps the choice for the next start."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from chatapp.services.inference import InferenceController
from chatapp.services.models import ModelService
from chatapp.ui import theme
from chatapp.ui.app_settings_dialog import AppSettingsDialog
from chatapp.ui.folders_box import DataFoldersBox, ModelFoldersBox
from chatapp.ui.language_box import LanguageBox
from chatapp.ui.model_source_box import ModelSourceBox
from chatapp.ui.speculation_box import SpeculationBox
from chatapp.ui.theme_box import ThemeBox


class SettingsSections:
    def __init__(self, dialog: AppSettingsDialog, inference: InferenceController, models: ModelService,
                 on_theme: Callable[[bool], None]) -> None:
        self.dialog = dialog
        self.inference = inference
        self.models = models
        self.on_theme = on_theme  # called with whether the theme applied is dark

    def attach_speculation(self, mode: str, draft_model: str, on_change: Callable[[str, str], None]) -> None:
        """Speculative decoding; `on_change(mode, draft)` keeps it for next time."""
        self.speculation_box = SpeculationBox()
        self.speculation_box.set_choice(mode, draft_model)
        self.dialog.add_to("speed", self.speculation_box)

        def changed(mode: str, draft: str) -> None:
            on_change(mode, draft)
            self.inference.set_speculation(mode, draft)

        self.speculation_box.changed.connect(changed)
        self.inference.speculationApplied.connect(self.speculation_box.show_applied)
        self.inference.set_speculation(mode, draft_model)

    def attach_theme(self, choice: str, on_change: Callable[[str], None]) -> None:
        """The theme, applied at once; follows the system when asked to."""
        self.theme_box = ThemeBox(choice)
        self.dialog.add_to("appearance", self.theme_box)

        def apply_theme() -> None:
            app = QApplication.instance()
            assert isinstance(app, QApplication)
            self.on_theme(theme.apply(app, self.theme_box.combo.currentData()))

        def changed(new_choice: str) -> None:
            on_change(new_choice)
            apply_theme()

        self.theme_box.changed.connect(changed)
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            lambda _scheme: apply_theme() if self.theme_box.combo.currentData() == "system" else None)
        apply_theme()

    def attach_language(self, language: str, on_change: Callable[[str], None]) -> None:
        """The language; `on_change(code)` keeps it for the next start (when it applies)."""
        self.language_box = LanguageBox(language)
        self.dialog.add_to("appearance", self.language_box)
        self.language_box.changed.connect(on_change)

    def attach_model_folders(self, extra: tuple[str, ...], on_change: Callable[[tuple[str, ...]], None]) -> None:
        """Settings → Models: the folders searched for models besides the library."""
        self.folders_box = ModelFoldersBox(self.models.models_dir, extra)
        self.dialog.add_to("models", self.folders_box)

        def changed(folders: tuple[str, ...]) -> None:
            on_change(folders)
            self.models.extra_dirs = tuple(Path(f) for f in folders)

        self.folders_box.changed.connect(changed)

    def attach_model_source(self, mirror_url: str) -> None:
        """Settings → Downloads: the model source, which the model service owns (and reports changes of,
        from here or from the model manager's suggestion)."""
        self.source_box = ModelSourceBox(self.models.source, mirror_url)
        self.dialog.add_to("downloads", self.source_box)
        self.source_box.changed.connect(self.models.set_source)
        self.models.sourceChanged.connect(self.source_box.show_source)

    def attach_data_folders(self, places: list[tuple[str, Path]]) -> None:
        """Settings → Data: where chats, models, settings and logs live."""
        self.data_box = DataFoldersBox(places)
        self.dialog.add_to("data", self.data_box)
