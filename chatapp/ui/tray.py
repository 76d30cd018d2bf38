"""The tray icon that keeps chatapp serving with its window closed, as Ollama and LM Studio do: Open,
Pause server (or Resume), Quit. Shown when the window closes while the API server is on, or when
chatapp starts minimized at login."""

from __future__ import annotations

from PySide6.QtCore import QObject, Signal
from PySide6.QtGui import QAction, QIcon
from PySide6.QtWidgets import QMenu, QSystemTrayIcon


class Tray(QObject):
    openRequested = Signal()
    pauseToggled = Signal(bool)  # True: pause the server; False: resume it
    quitRequested = Signal()

    def __init__(self, icon: QIcon, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._serving = False
        self.menu = QMenu()
        self.open_action = QAction(self.tr("Open chatapp"), self.menu)
        self.pause_action = QAction(self.tr("Pause server"), self.menu)
        self.quit_action = QAction(self.tr("Quit chatapp"), self.menu)
        self.status_action = QAction("", self.menu)
        self.status_action.setEnabled(False)
        self.menu.addAction(self.status_action)
        self.menu.addSeparator()
        for action in (self.open_action, self.pause_action):
            self.menu.addAction(action)
        self.menu.addSeparator()
        self.menu.addAction(self.quit_action)
        self.icon = QSystemTrayIcon(icon)
        self.icon.setContextMenu(self.menu)
        self.icon.activated.connect(self._activated)
        self.open_action.triggered.connect(self.openRequested.emit)
        self.pause_action.triggered.connect(lambda: self.pauseToggled.emit(self._serving))
        self.quit_action.triggered.connect(self.quitRequested.emit)
        self.show_server(None)

    @staticmethod
    def available() -> bool:
        """Whether this desktop shows tray icons (without one, closing the window quits)."""
        return QSystemTrayIcon.isSystemTrayAvailable()

    def show(self) -> None:
        self.icon.show()

    def hide(self) -> None:
        self.icon.hide()

    @property
    def visible(self) -> bool:
        return self.icon.isVisible()

    def show_server(self, url: str | None, requests: int = 0) -> None:
        """The server's state in the menu and the tooltip."""
        self._serving = url is not None
        if url is None:
            status = self.tr("Server paused")
        elif requests:
            status = self.tr("Serving at {url} · {n} requests").format(url=url, n=requests)
        else:
            status = self.tr("Serving at {url}").format(url=url)
        self.status_action.setText(status)
        self.pause_action.setText(self.tr("Pause server") if self._serving else self.tr("Resume server"))
        self.icon.setToolTip(f"chatapp — {status}")

    def tell(self, title: str, message: str) -> None:
        """A one-off balloon (the first time the window closes to the tray)."""
        if self.icon.supportsMessages():
            self.icon.showMessage(title, message, QSystemTrayIcon.MessageIcon.Information, 5000)

    def _activated(self, reason: QSystemTrayIcon.ActivationReason) -> None:
        if reason in (QSystemTrayIcon.ActivationReason.Trigger, QSystemTrayIcon.ActivationReason.DoubleClick):
            self.openRequested.emit()
