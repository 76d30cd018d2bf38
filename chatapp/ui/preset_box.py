"""The side panel's preset picker: choose a preset for this chat (its settings become the chat's), save
the chat's settings as one, import one (chatapp's or LM Studio's .preset.json), export or delete one."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QGroupBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QMenu,
    QPushButton,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.errors import KnownError
from chatapp.core.presets import Preset, PresetStore, export_preset, import_preset
from chatapp.services.i18n import user_message


class PresetBox(QGroupBox):
    """`chosen(Preset)` when the user picks one; `as_preset(name)` gives the chat's settings as a preset."""

    chosen = Signal(object)

    def __init__(self, builtin: list[Preset], store: PresetStore, as_preset: Callable[[str], Preset],
                 parent: QWidget | None = None) -> None:
        super().__init__(self.tr("Preset"), parent)
        self.builtin = builtin
        self.store = store
        self.as_preset = as_preset
        layout = QVBoxLayout(self)
        row = QHBoxLayout()
        self.combo = QComboBox()
        self.combo.setAccessibleName(self.tr("Preset"))
        # Long names must not widen the side panel: the list opens as wide as it needs.
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(10)
        self.combo.activated.connect(self._picked)
        row.addWidget(self.combo, 1)
        self.save_button = QPushButton(self.tr("Save…"))
        self.save_button.setToolTip(self.tr("Save this chat's settings as a preset"))
        self.save_button.clicked.connect(self.save_current)
        row.addWidget(self.save_button)
        self.more = QToolButton()
        self.more.setText("⋯")
        self.more.setAccessibleName(self.tr("More preset actions"))
        self.more.setPopupMode(QToolButton.ToolButtonPopupMode.InstantPopup)
        menu = QMenu(self.more)
        self.import_action = menu.addAction(self.tr("Import… (chatapp or LM Studio .preset.json)"))
        self.import_action.triggered.connect(lambda: self._import_from_dialog())
        self.export_action = menu.addAction(self.tr("Export the chosen preset…"))
        self.export_action.triggered.connect(self._export)
        self.delete_action = menu.addAction(self.tr("Delete the chosen preset"))
        self.delete_action.triggered.connect(self._delete)
        self.more.setMenu(menu)
        row.addWidget(self.more)
        layout.addLayout(row)
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.hide()
        layout.addWidget(self.note)
        self.refresh()

    def presets(self) -> list[Preset]:
        return [*self.builtin, *self.store.load()]

    def refresh(self, select: str = "") -> None:
        self.combo.clear()
        self.combo.addItem(self.tr("Choose a preset…"), None)
        for preset in self.presets():
            label = preset.name if not preset.builtin else self.tr("{name} (built-in)").format(name=preset.name)
            self.combo.addItem(label, preset)
        if select:
            index = next((i for i in range(1, self.combo.count()) if self.combo.itemData(i).name == select), 0)
            self.combo.setCurrentIndex(index)

    def current(self) -> Preset | None:
        data = self.combo.currentData()
        return data if isinstance(data, Preset) else None

    def say(self, text: str, error: bool = False) -> None:
        self.note.setText(f"<span style='color:#c0392b'>{text}</span>" if error else text)
        self.note.setVisible(bool(text))

    def _picked(self, index: int) -> None:
        preset = self.combo.itemData(index)
        if isinstance(preset, Preset):
            self.say("")
            self.chosen.emit(preset)

    def save_current(self, name: str = "") -> None:
        if not name:
            name, ok = QInputDialog.getText(self, self.tr("Save as a preset"), self.tr("Name of the preset:"))
            if not ok or not name.strip():
                return
        preset = self.as_preset(name)
        try:
            self.store.save(preset)
        except OSError as exc:
            self.say(self.tr("The preset could not be saved ({reason}).").format(reason=exc.strerror), error=True)
            return
        self.refresh(select=preset.name)
        self.say(self.tr("Saved “{name}”.").format(name=preset.name))

    def _import_from_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Import a preset"), "",
                                              self.tr("Presets (*.json);;All files (*)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        """Keep a preset file; a damaged one is one sentence and changes nothing."""
        try:
            preset, unused = import_preset(path)
            self.store.save(preset)
        except KnownError as exc:
            self.say(user_message(exc), error=True)
            return
        except OSError as exc:
            self.say(self.tr("The preset could not be saved ({reason}).").format(reason=exc.strerror), error=True)
            return
        self.refresh(select=preset.name)
        text = self.tr("Imported “{name}”.").format(name=preset.name)
        if unused:
            text += " " + self.tr("Not imported (chatapp has no such setting): {fields}.").format(
                fields=", ".join(unused))
        self.say(text)

    def _export(self) -> None:
        preset = self.current()
        if preset is None:
            self.say(self.tr("Choose a preset to export first."), error=True)
            return
        path, _ = QFileDialog.getSaveFileName(self, self.tr("Export a preset"), f"{preset.name}.preset.json",
                                              self.tr("Presets (*.json)"))
        if path:
            try:
                export_preset(preset, Path(path))
            except OSError as exc:
                self.say(self.tr("The preset could not be saved ({reason}).").format(reason=exc.strerror), error=True)

    def _delete(self) -> None:
        preset = self.current()
        if preset is None or preset.builtin:
            self.say(self.tr("Built-in presets cannot be deleted."), error=preset is not None)
            return
        self.store.remove(preset.name)
        self.refresh()
        self.say(self.tr("Deleted “{name}”.").format(name=preset.name))
