"""Settings section for the local API server: on/off, port, optional key, where it answers, and whether
chatapp starts (serving, in the tray) when the user logs in."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QCheckBox, QFormLayout, QGroupBox, QLabel, QLineEdit, QSpinBox, QWidget


class ApiServerBox(QGroupBox):
    """Emits `switched(on, port, key)` when the user turns the server on or off, `atLogin(on)` when the
    user changes "Start when I log in"."""

    switched = Signal(bool, int, str)
    atLogin = Signal(bool)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Local API server"))
        form = QFormLayout(self)
        self.enabled = QCheckBox(self.tr("Serve my models to other programs"))
        self.enabled.setAccessibleName(self.tr("Local API server"))
        self.enabled.setToolTip(self.tr(
            "OpenAI-, Anthropic- and Ollama-compatible APIs on this computer (127.0.0.1) for editors, scripts and "
            "agents. A request may name any model in your library: it is loaded beside yours and unloaded when "
            "idle. Requests are not saved. Closing the window keeps serving from the tray."))
        form.addRow(self.enabled)
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(8080)
        self.port.setAccessibleName(self.tr("API server port"))
        form.addRow(self.tr("Port"), self.port)
        self.key = QLineEdit()
        self.key.setEchoMode(QLineEdit.EchoMode.Password)
        self.key.setPlaceholderText(self.tr("none (anyone on this computer)"))
        self.key.setAccessibleName(self.tr("API key"))
        self.key.setToolTip(self.tr("Clients must send 'Authorization: Bearer <key>'. Kept in the system keyring."))
        form.addRow(self.tr("API key"), self.key)
        self.status = QLabel(self.tr("Off"))
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(self.status.textInteractionFlags() | self.status.textInteractionFlags().
                                            TextSelectableByMouse)
        self.status.setAccessibleName(self.tr("API server status"))
        form.addRow(self.status)
        self.at_login = QCheckBox(self.tr("Start when I log in"))
        self.at_login.setToolTip(self.tr("chatapp starts in the tray when you log in, serving if the server is on."))
        form.addRow(self.at_login)
        self.enabled.toggled.connect(self._emit)
        self.at_login.toggled.connect(self.atLogin.emit)

    def _emit(self, on: bool) -> None:
        self.port.setEnabled(not on)
        self.key.setEnabled(not on)
        self.switched.emit(on, self.port.value(), self.key.text())

    def show_state(self, url: str | None, error: str = "") -> None:
        """Reflect the server: its URL when running, else off (with the reason it could not start)."""
        self.enabled.blockSignals(True)
        self.enabled.setChecked(url is not None)
        self.enabled.blockSignals(False)
        self.port.setEnabled(url is None)
        self.key.setEnabled(url is None)
        self.status.setText(self.tr("Answering at {url}").format(url=url) if url else (error or self.tr("Off")))
