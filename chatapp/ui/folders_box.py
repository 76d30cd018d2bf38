"""Settings sections about folders: where models are found (add and remove folders), and where
chatapp keeps its data (each with a button that opens it)."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QDesktopServices
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)


def open_folder(path: Path) -> bool:
    """Show `path` in the system's file manager (made first if missing)."""
    path.mkdir(parents=True, exist_ok=True)
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ModelFoldersBox(QGroupBox):
    """The library folder (always searched) and extra folders; emits `changed(folders)` on add/remove."""

    changed = Signal(tuple)  # tuple[str, ...]

    def __init__(self, library: Path, extra: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Model folders"))
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("Models are found in the library folder ({path}) and in these folders:").format(
            path=library))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Extra model folders"))
        self.list.addItems(list(extra))
        self.list.setMaximumHeight(120)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add a folder…"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setAccessibleName(self.tr("Remove the selected model folder"))
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.add_button.clicked.connect(self._pick)
        self.remove_button.clicked.connect(self._remove_selected)

    def folders(self) -> tuple[str, ...]:
        return tuple(self.list.item(i).text() for i in range(self.list.count()))

    def add_folder(self, folder: str) -> None:
        resolved = str(Path(folder).expanduser().resolve())
        if resolved not in self.folders():
            self.list.addItem(resolved)
            self.changed.emit(self.folders())

    def _pick(self) -> None:
        folder = QFileDialog.getExistingDirectory(self, self.tr("A folder with GGUF models"))
        if folder:
            self.add_folder(folder)

    def _remove_selected(self) -> None:
        row = self.list.currentRow()
        if row >= 0:
            self.list.takeItem(row)
            self.changed.emit(self.folders())


class DataFoldersBox(QGroupBox):
    """Where chats, models, settings and logs live, each with "Open folder"."""

    def __init__(self, places: list[tuple[str, Path]], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Where your data lives"))
        form = QFormLayout(self)
        self.buttons: dict[str, QPushButton] = {}
        for label, path in places:
            row = QHBoxLayout()
            shown = QLabel(str(path))
            shown.setWordWrap(True)
            shown.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            button = QPushButton(self.tr("Open folder"))
            button.setAccessibleName(self.tr("Open the folder of {what}").format(what=label))
            folder = path if path.suffix == "" else path.parent
            button.clicked.connect(lambda _checked=False, f=folder: open_folder(f))
            row.addWidget(shown, 1)
            row.addWidget(button)
            form.addRow(label, row)
            self.buttons[label] = button
