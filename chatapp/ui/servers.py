"""Servers: models on other computers and this computer's own API server.

The saved servers (Settings → Servers), the dialog that connects to one, their models in the model
picker (listed on short-lived threads: a server may be slow or down), the choice of one of them; and
the local API server's switch in Settings, with its address and request count in the status bar.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

from PySide6.QtCore import QObject, QSettings, Signal
from PySide6.QtWidgets import QWidget

from chatapp.core.errors import KnownError
from chatapp.core.storage import secrets
from chatapp.services.api_server import ApiServerService
from chatapp.services.inference import InferenceController
from chatapp.ui.api_server_box import ApiServerBox
from chatapp.ui.app_settings_dialog import AppSettingsDialog
from chatapp.ui.loaded_models_box import LoadedModelsBox
from chatapp.ui.model_bar import ModelBar, ServerModel
from chatapp.ui.saved_servers_box import SavedServersBox
from chatapp.ui.server_dialog import ServerDialog
from chatapp.ui.status_bar import StatusBar

log = logging.getLogger(__name__)


class Servers(QObject):
    _modelsListed = Signal(str, list)  # a saved server's models, from a background thread

    def __init__(self, window: QWidget, qsettings: QSettings, inference: InferenceController,
                 settings_dialog: AppSettingsDialog, model_bar: ModelBar, status: StatusBar,
                 show_chat: Callable[[], None], show_error: Callable[[str], None]) -> None:
        super().__init__(window)
        self.window = window
        self.qsettings = qsettings
        self.inference = inference
        self.settings_dialog = settings_dialog
        self.model_bar = model_bar
        self.status = status
        self.show_chat = show_chat  # the chat page, instead of the first-run one
        self.show_error = show_error
        self.saved: tuple[str, ...] = ()
        self._keep_saved: Callable[[tuple[str, ...]], None] = lambda _servers: None
        self.dialog: ServerDialog | None = None
        self.api_server: ApiServerService | None = None
        self._modelsListed.connect(model_bar.set_server_models)
        model_bar.serverRequested.connect(self.open_dialog)
        model_bar.serverModelChosen.connect(self.choose)

    # ----- saved servers -----------------------------------------------------------------------------------
    def attach_saved(self, servers: tuple[str, ...], on_change: Callable[[tuple[str, ...]], None]) -> None:
        """Settings → Servers, and their models in the model picker; `on_change(servers)` keeps the list."""
        self.saved = servers
        self._keep_saved = on_change
        self.servers_box = SavedServersBox(servers)
        self.settings_dialog.add_to("servers", self.servers_box)
        self.servers_box.addRequested.connect(self.open_dialog)

        def removed(url: str) -> None:
            secrets.set_key(f"server:{url}", "")
            self._set_saved(tuple(u for u in self.saved if u != url))

        self.servers_box.removed.connect(removed)

    def _set_saved(self, servers: tuple[str, ...]) -> None:
        self.saved = servers
        self._keep_saved(servers)
        self.servers_box.show_servers(servers)

    def list_models(self) -> None:
        """Each saved server's models, asked for on a short-lived thread (a server that is slow or down
        simply lists nothing), shown in the model picker as they come."""
        from chatapp.core.backends.remote import RemoteChat

        for url in self.saved:
            key = self.key(url)

            def run(url: str = url, key: str = key) -> None:
                try:
                    models = RemoteChat(url, "", key or None).models()
                except KnownError as exc:
                    log.info("saved server %s: %s", url, exc)
                    models = []
                self._modelsListed.emit(url, models)

            threading.Thread(target=run, name="server-models", daemon=True).start()

    def choose(self, choice: ServerModel) -> None:
        self.show_chat()
        self.inference.connect_remote(choice.url, choice.model, self.key(choice.url))

    def open_dialog(self) -> ServerDialog:
        """Let the user pick a model on an OpenAI-compatible server; connecting happens on accept."""
        from chatapp.core.backends.remote import RemoteChat

        url = str(self.qsettings.value("server/last_url", "") or "")
        dialog = ServerDialog(lambda u, k: RemoteChat(u, "", k or None).models(), url,
                              self.key(url) if url else "", self.window)

        def connect() -> None:
            address, model, key = dialog.choice()
            self.qsettings.setValue("server/last_url", address)
            secrets.set_key(f"server:{address}", key)  # the keyring, never settings files
            if address not in self.saved:
                self._set_saved((*self.saved, address))
            self.show_chat()
            self.inference.connect_remote(address, model, key)

        dialog.accepted.connect(connect)
        dialog.open()
        self.dialog = dialog
        return dialog

    @staticmethod
    def key(url: str) -> str:
        return secrets.get_key(f"server:{url}").value

    # ----- the local API server ------------------------------------------------------------------------------
    def attach_api_server(self, service: ApiServerService, port: int, key: str,
                          on_switch: Callable[[bool, int, str], None], policy: tuple[int, int] = (0, 15),
                          on_policy: Callable[[int, int], None] = lambda _n, _minutes: None) -> None:
        """The server's switch in the settings and its address and request count in the status bar; the
        models in memory and how long they stay. `on_switch(on, port, key)` and `on_policy(max_models,
        idle_minutes)` keep the choices (settings, keyring) for the next start."""
        self.api_server = service
        self.api_box = ApiServerBox()
        self.api_box.port.setValue(port)
        self.api_box.key.setText(key)
        self.settings_dialog.add_to("api", self.api_box)
        self.loaded_box = LoadedModelsBox(service.loaded, *policy)
        self.settings_dialog.add_to("api", self.loaded_box)
        self.loaded_box.unloadRequested.connect(service.unload)
        self.model_bar.in_memory = lambda: {m.path for m in service.loaded() if m.owner == "api"}

        def policy_changed(max_models: int, idle_minutes: int) -> None:
            service.set_policy(max_models, idle_minutes)
            on_policy(max_models, idle_minutes)

        self.loaded_box.policyChanged.connect(policy_changed)

        def switched(on: bool, port: int, key: str) -> None:
            on_switch(on, port, key)
            if on:
                service.start(port, key)
            else:
                service.stop()

        def started(url: str) -> None:
            self.api_box.show_state(url)
            self.status.show_api_server(url)

        def stopped() -> None:
            self.api_box.show_state(None)
            self.status.show_api_server(None)

        def failed(message: str) -> None:
            self.api_box.show_state(None, message)
            self.show_error(message)

        def counted(n: int) -> None:
            if service.server is not None:
                self.status.show_api_server(service.server.url, n)

        self.api_box.switched.connect(switched)
        service.started.connect(started)
        service.stopped.connect(stopped)
        service.failed.connect(failed)
        service.requestsChanged.connect(counted)

    def close(self) -> None:
        if self.api_server is not None:
            self.api_server.stop()
