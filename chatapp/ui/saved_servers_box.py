"""Settings section: the OpenAI-compatible servers chatapp has connected to (their models appear in
the model picker under the server's name); removing one also forgets its key."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QGroupBox, QHBoxLayout, QLabel, QListWidget, QPushButton, QVBoxLayout, QWidget


class SavedServersBox(QGroupBox):
    removed = Signal(str)  # the server's address
    addRequested = Signal()

    def __init__(self, servers: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Saved servers"))
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("Their models are listed in the model picker. Keys are kept in the system keyring."))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("Saved servers"))
        self.list.setMaximumHeight(140)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Connect to a server…"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setAccessibleName(self.tr("Remove the selected server"))
        row.addWidget(self.add_button)
        row.addWidget(self.remove_button)
        row.addStretch(1)
        layout.addLayout(row)
        self.add_button.clicked.connect(self.addRequested)
        self.remove_button.clicked.connect(self._remove_selected)
        self.show_servers(servers)

    def show_servers(self, servers: tuple[str, ...]) -> None:
        self.list.clear()
        self.list.addItems(list(servers))

    def _remove_selected(self) -> None:
        item = self.list.currentItem()
        if item is not None:
            url = item.text()
            self.list.takeItem(self.list.row(item))
            self.removed.emit(url)
