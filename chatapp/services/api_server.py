"""The window's "Local API server": the model library served to other programs while the window runs.

The server shares the window's model router: a request for the window's model queues behind (or
beside) the user's own replies on its host; a request for another library model loads that one on a
host of its own, unloaded again when idle (the window's own model never is). API requests never appear
in the user's chat list: the API keeps no history. Request counts arrive from the server's thread and
are relayed to the GUI thread as a signal.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal, Slot

from chatapp.core.errors import KnownError
from chatapp.core.types import LoadedModel
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

    def __init__(self, router: ModelRouter, parent: QObject | None = None, data_dir: Path | None = None) -> None:
        """`data_dir`: where the speech models are (the API's audio endpoints; None: not served)."""
        super().__init__(parent)
        self.router = router
        self.data_dir = data_dir
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
            from chatapp.voice.engines import VoiceEngines

            voice = VoiceEngines(self.data_dir) if self.data_dir is not None else None
            self.server = ApiServer(ServerState(self.router, self._counted.emit, voice=voice), host, port,
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

    def loaded(self) -> list[LoadedModel]:
        """The models in memory: the window's, and those loaded for API requests."""
        return self.router.loaded()

    def unload(self, model: str) -> None:
        """Unload a model the API loaded (once its requests end)."""
        self.router.unload(model)

    def set_policy(self, max_models: int, idle_minutes: int) -> None:
        """At most `max_models` loaded for the API (0: as memory holds), each unloaded after `idle_minutes`
        unused (0: never)."""
        self.router.set_policy(max_models or None, idle_minutes * 60.0 or None)

    @Slot()
    def _on_counted(self) -> None:
        self.requests += 1
        self.requestsChanged.emit(self.requests)
