""""Connect to a server…": pick a model on an OpenAI-compatible server (llama-server, vLLM, LM Studio,
Ollama, another chatapp) to chat with in this window."""

from __future__ import annotations

import threading
from collections.abc import Callable

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

ListModels = Callable[[str, str], list[str]]  # (url, key) -> model ids; raises KnownError


class ServerDialog(QDialog):
    """Asks for the address and key, lists the server's models (on a background thread), returns the choice."""

    _listed = Signal(list)
    _failed = Signal(str)

    def __init__(self, list_models: ListModels, url: str = "", key: str = "", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Connect to a server"))
        self._list_models = list_models
        form = QFormLayout(self)
        form.addRow(QLabel(self.tr("Chat with a model on another computer through its OpenAI-compatible API.")))
        self.url = QLineEdit(url)
        self.url.setPlaceholderText(self.tr("http://192.168.1.20:8080/v1"))
        self.url.setAccessibleName(self.tr("Server address"))
        form.addRow(self.tr("Address"), self.url)
        self.key = QLineEdit(key)
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(self.tr("if the server needs one"))
        self.key.setAccessibleName(self.tr("API key"))
        form.addRow(self.tr("API key"), self.key)
        row = QHBoxLayout()
        self.models = QComboBox()
        self.models.setAccessibleName(self.tr("Model on the server"))
        self.models.setMinimumWidth(260)
        self.list_button = QPushButton(self.tr("List models"))
        self.list_button.setAccessibleName(self.tr("List the server's models"))
        row.addWidget(self.models, 1)
        row.addWidget(self.list_button)
        form.addRow(self.tr("Model"), row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        form.addRow(self.status)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("Connect"))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)
        form.addRow(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.list_button.clicked.connect(self.list_models)
        self._listed.connect(self._show_models)
        self._failed.connect(self._show_failure)

    def list_models(self) -> None:
        """Ask the server for its models without freezing the window."""
        url, key = self.url.text().strip(), self.key.text()
        self.status.setText(self.tr("Asking {url} for its models…").format(url=url))
        self.list_button.setEnabled(False)

        def run() -> None:
            try:
                self._listed.emit(self._list_models(url, key))
            except Exception as exc:  # noqa: BLE001 - KnownError sentences, or anything unexpected: shown
                self._failed.emit(str(exc))

        threading.Thread(target=run, daemon=True).start()

    def _show_models(self, models: list[str]) -> None:
        self.list_button.setEnabled(True)
        self.models.clear()
        self.models.addItems(models)
        self.status.setText(self.tr("%n model(s) on this server.", "", len(models))
                            if models else self.tr("The server offers no models."))
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(models))

    def _show_failure(self, message: str) -> None:
        self.list_button.setEnabled(True)
        self.status.setText(message)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(False)

    def choice(self) -> tuple[str, str, str]:
        """(address, model, key)."""
        return self.url.text().strip(), self.models.currentText(), self.key.text()
