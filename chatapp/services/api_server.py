"""The window's "Local API server": the loaded model served to other programs while the window runs.

The server shares the window's model host, so API requests queue behind (or ahead of) the user's own
replies on the one model, and never appear in the user's chat list: the API keeps no history. Request
counts arrive from the server's thread and are relayed to the GUI thread as a signal.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from chatapp.core.errors import KnownError
from chatapp.services.i18n import user_message

if TYPE_CHECKING:  # the server stack (Starlette, uvicorn) is imported when the switch is turned on,
    # not at startup: it would cost ~0.25 s before the window shows.
    from chatapp.core.runtime.router import ModelRouter
    from chatapp.server.runner import ApiServer

log = logging.getLogger(__name__)


class ApiServerService(QObject):
    started = Signal(str)  # the base URL
    stopped = Signal()
    failed = Signal(str)  # one sentence for the user
    requestsChanged = Signal(int)
    _counted = Signal()  # emitted on the server's thread, delivered on the GUI thread

    def __init__(self, router: ModelRouter, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.router = router
        self.server: ApiServer | None = None
        self.requests = 0
        self._counted.connect(self._on_counted)

    @property
    def running(self) -> bool:
        return self.server is not None

    def start(self, port: int, api_key: str = "", host: str = "127.0.0.1") -> bool:
        from chatapp.server.runner import ApiServer
        from chatapp.server.state import ServerState

        self.stop()
        try:
            self.server = ApiServer(ServerState(self.router, self._counted.emit), host, port,
                                    api_key or None).start()
        except KnownError as exc:
            self.server = None
            self.failed.emit(user_message(exc))
            return False
        self.requests = 0
        self.requestsChanged.emit(0)
        self.started.emit(self.server.url)
        return True

    def stop(self) -> None:
        if self.server is not None:
            self.server.stop()
            self.server = None
            self.stopped.emit()

    @Slot()
    def _on_counted(self) -> None:
        self.requests += 1
        self.requestsChanged.emit(self.requests)
