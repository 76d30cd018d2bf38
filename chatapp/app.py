"""The composition root of the desktop app: paths, settings, store, controllers, window.

Kept light at import time: PySide6 and the core's plain-Python modules only. llama_cpp is imported
by the worker thread when the first model loads, after the window is on screen.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QCoreApplication, QSettings, Qt, QTimer
from PySide6.QtGui import QFontDatabase, QIcon
from PySide6.QtWidgets import QApplication

from chatapp import __version__
from chatapp.core.errors import KnownError
from chatapp.core.models.catalogue import load_catalogue
from chatapp.core.models.library import resolve_model
from chatapp.core.models.sources import HUGGING_FACE, SOURCE_ENV, ModelSource, configured_source
from chatapp.core.presets import PresetStore, builtin_presets
from chatapp.core.runtime.router import RouterPolicy
from chatapp.core.storage import secrets
from chatapp.core.storage.aside import move_aside
from chatapp.core.storage.history import HistoryStore
from chatapp.core.storage.logs import setup_logging
from chatapp.core.storage.paths import AppPaths, resource_path
from chatapp.core.storage.settings import AppSettings, read_settings
from chatapp.server.library import library_catalog
from chatapp.services import autostart, i18n
from chatapp.services.api_server import ApiServerService
from chatapp.services.chat_session import ChatSession
from chatapp.services.documents_service import DocumentsService
from chatapp.services.history_service import HistoryService
from chatapp.services.inference import InferenceController
from chatapp.services.models import ModelService
from chatapp.services.single_instance import InstanceServer, hand_over
from chatapp.services.tools_service import ToolsService, WindowPermission
from chatapp.services.turns import TurnService
from chatapp.ui.main_window import MainWindow
from chatapp.ui.tray import Tray

if TYPE_CHECKING:
    from chatapp.services.voice_service import VoiceService
    from chatapp.voice.capture import AudioSource
    from chatapp.voice.playback import AudioOutput

log = logging.getLogger(__name__)
LOCAL_API_KEY = "local-api-server"  # its name in the system keyring
START_AT_THE_LATEST_MS = 1000  # App.start when the window has not been exposed by then
STARTUP_RESCAN_DELAY_MS = 3000  # after the model has started loading: the first reply comes first
API_PARALLEL = 2  # requests a model loaded for the API answers at once (the window's own: its settings)
CJK_FONTS = ("Noto Sans CJK SC", "Source Han Sans SC", "Microsoft YaHei", "PingFang SC", "WenQuanYi Micro Hei")


def _window_settings(path: Path) -> QSettings:
    """window.ini (size, splitter, last chat). Qt reads what it can of a damaged file; one it cannot
    parse at all is set aside, so the next save does not overwrite it, and the window starts at its
    defaults. The values themselves are checked where they are used."""
    settings = QSettings(str(path), QSettings.Format.IniFormat)
    if settings.status() == QSettings.Status.NoError:
        return settings
    log.warning("window settings %s unreadable (%s); moved to %s", path, settings.status(),
                move_aside(path).name if path.exists() else "nowhere")
    return QSettings(str(path), QSettings.Format.IniFormat)


class App:
    """Owns the long-lived objects so tests can build the real app and drive it."""

    def __init__(self, paths: AppPaths) -> None:
        paths.ensure()
        setup_logging(paths.log_file)
        self.paths = paths
        self.documents: DocumentsService | None = None  # created in start(), after the window shows
        self.voice: VoiceService | None = None  # likewise
        self._deferred = ""  # the model to load when a window started in the tray is first opened
        loaded = read_settings(paths.settings_file)
        self.settings = loaded.settings
        self.store = HistoryStore(paths.database)
        self.language = i18n.resolve(self.settings.language)
        qt_app = QCoreApplication.instance()
        assert qt_app is not None, "App needs a QApplication"
        self._qt_app = qt_app
        self.translators = i18n.install(qt_app, self.language, resource_path("i18n"))
        if self.language == "zh_CN":
            _prefer_cjk_font()
        # The API server may load any library model beside the window's (docs/ARCHITECTURE.md, "Model server").
        self.inference = InferenceController(catalog=library_catalog(paths), policy=RouterPolicy(
            max_models=self.settings.api_max_models or None, idle_unload=self.settings.api_idle_unload or None,
            options=replace(self.settings.load, parallel=API_PARALLEL)))
        # Turns and the window's other history work (the chat list, search, branch counters, pin, rename,
        # export) each run on a thread with a connection of its own (WAL).
        self.turns = TurnService(HistoryStore(paths.database))
        self.history = HistoryService(HistoryStore(paths.database))
        self.session = ChatSession(self.store, self.inference, self.turns, self.settings, paths.settings_file)
        self.qsettings = _window_settings(paths.config_dir / "window.ini")
        self.models = ModelService(paths.models_dir, tuple(Path(d) for d in self.settings.extra_model_dirs),
                                   *_model_source(self.settings))
        # Where huggingface.co is likely out of reach, the model manager offers a mirror or ModelScope first.
        self.models.suggest_on_first_use = i18n.resolve("system") == "zh_CN"
        catalogue = load_catalogue(resource_path("catalogue.json"), self.language)
        self.window = MainWindow(self.session, self.inference, self.history, self.qsettings, self.models, catalogue)
        self.api_server = ApiServerService(self.inference.router, data_dir=paths.data_dir)
        # The key is read from the keyring in start(), after the window shows: finding the keyring
        # backend costs ~0.3 s.
        window = self.window
        window.servers.attach_api_server(
            self.api_server, self.settings.api_port, "", self._keep_api_choice,
            (self.settings.api_max_models, self.settings.api_idle_unload // 60),
            lambda n, minutes: self.session.keep_app_settings(api_max_models=n, api_idle_unload=minutes * 60))
        self._attach_tray()
        keep = self.session.keep_app_settings
        window.sections.attach_speculation(self.settings.speculative, self.settings.draft_model,
                                           lambda mode, draft: keep(speculative=mode, draft_model=draft))
        window.sections.attach_theme(self.settings.theme, lambda choice: keep(theme=choice))
        window.sections.attach_language(self.settings.language, lambda language: keep(language=language))
        window.sections.attach_model_folders(self.settings.extra_model_dirs,
                                             lambda folders: keep(extra_model_dirs=folders))
        window.sections.attach_model_source(self.settings.model_mirror)
        window.attach_presets(builtin_presets(resource_path("presets.json"), self.language),
                              PresetStore(paths.config_dir / "presets.json"))
        self.models.sourceChanged.connect(self._keep_model_source)
        window.servers.attach_saved(self.settings.servers, lambda servers: keep(servers=servers))
        self.tools = ToolsService(paths.config_dir / "mcp.json", paths.log_file.with_name("mcp-servers.log"))
        window.chat_tools.attach(self.tools, WindowPermission())
        window.sections.attach_data_folders([
            (QCoreApplication.translate("App", "Chats"), paths.database), (QCoreApplication.translate("App", "Models"),
                                                                            paths.models_dir),
            (QCoreApplication.translate("App", "Settings"), paths.settings_file),
            (QCoreApplication.translate("App", "Logs"), paths.log_file),
        ])
        self.instance = InstanceServer(paths.data_dir)
        self.instance.activated.connect(self.activate)
        self.instance.listen()
        if self.store.notice or loaded.notice:
            self.window.show_error(" ".join(i18n.user_message(n) for n in (self.store.notice, loaded.notice) if n))
        elif self.store.interrupted:
            self.window.show_error(QCoreApplication.translate(
                "App", "A reply was cut off when chatapp last closed unexpectedly; it is marked “interrupted”. "
                "Open the chat to continue or regenerate it."
            ))

    def _attach_tray(self) -> None:
        """Closing the window while the API server is on keeps chatapp serving from the tray; "Start when
        I log in" starts it there."""
        self.tray = Tray(QIcon(str(resource_path("icons/chatapp.svg"))))
        self._quitting = False
        self._told_about_tray = False
        self.window.keep_running = self._hide_to_tray
        self.tray.openRequested.connect(lambda: self.activate(""))
        self.tray.quitRequested.connect(self.quit)
        self.tray.pauseToggled.connect(self._pause_server)
        self.api_server.started.connect(self._serving)
        self.api_server.stopped.connect(self._not_serving)
        self.api_server.requestsChanged.connect(
            lambda n: self.tray.show_server(self.api_server.server.url if self.api_server.server else None, n))
        box = self.window.servers.api_box
        box.at_login.setChecked(autostart.is_enabled())
        box.atLogin.connect(self._start_at_login)

    def _serving(self, url: str) -> None:
        """While the server is on, its icon is in the tray (as Ollama's and LM Studio's are)."""
        self.tray.show_server(url)
        if Tray.available():
            self.tray.show()

    def _not_serving(self) -> None:
        self.tray.show_server(None)
        if self.window.isVisible():  # (hidden, the icon is the way back: Resume, Open, Quit)
            self.tray.hide()

    def _hide_to_tray(self) -> bool:
        if self._quitting or not self.api_server.running or not Tray.available():
            QApplication.setQuitOnLastWindowClosed(True)  # this close ends chatapp, even after a stay in the tray
            self.tray.hide()
            return False
        QApplication.setQuitOnLastWindowClosed(False)
        self.tray.show()
        if not self._told_about_tray:
            self._told_about_tray = True
            self.tray.tell("chatapp", QCoreApplication.translate(
                "App", "chatapp is still serving your models. Open it or quit from this icon."))
        return True

    def _pause_server(self, pause: bool) -> None:
        if pause:
            self.api_server.stop()
        else:
            self.api_server.start(self.settings.api_port, self.window.servers.api_box.key.text())

    def _start_at_login(self, on: bool) -> None:
        try:
            autostart.set_enabled(on)
        except KnownError as exc:
            self.window.show_error(i18n.user_message(exc))
        self.session.keep_app_settings(start_at_login=on)

    def start_minimized(self) -> bool:
        """Started at login: in the tray, serving, the window closed until opened (no tray: minimized).
        False when there is no tray to start in."""
        if not Tray.available():
            return False
        QApplication.setQuitOnLastWindowClosed(False)
        self.tray.show_server(self.api_server.server.url if self.api_server.server else None)
        self.tray.show()
        return True

    def quit(self) -> None:
        """Close for good: the window (saving the reply in flight), the server, the models."""
        self._quitting = True
        self.tray.hide()
        self.window.close()
        QCoreApplication.quit()

    def _keep_model_source(self, source: ModelSource) -> None:
        """Settings → Downloads, or the model manager's suggestion: remembered for the next start."""
        changes = {"model_source": source.kind}
        if source.kind == "mirror":
            changes["model_mirror"] = source.endpoint
        self.session.keep_app_settings(**changes)

    def _keep_api_choice(self, on: bool, port: int, key: str) -> None:
        """The API server's switch, port (settings.json) and key (keyring) survive a restart."""
        self.session.keep_app_settings(api_server=on, api_port=port)
        if on and not secrets.set_key(LOCAL_API_KEY, key) and key:
            self.window.show_error(QCoreApplication.translate(
                "App", "There is no system keyring here, so the API key is kept only until chatapp closes."))

    def start(self, model: str | None, load: bool = True) -> None:
        """Open the last conversation and the given (or last used) model, and the API server if it was on.
        `load` False (started in the tray): the model loads when the window is first opened."""
        key = secrets.get_key(LOCAL_API_KEY).value
        self.window.servers.api_box.key.setText(key)
        self.documents = DocumentsService(self.paths)
        self.window.chat_documents.attach(self.documents)
        self.documents.start(STARTUP_RESCAN_DELAY_MS)
        self.window.chat.warm_up()
        self.window.sidebar.warm_up()
        self.attach_voice()
        if self.settings.api_server:
            self.api_server.start(self.settings.api_port, key)
        last = self.qsettings.value("window/last_conversation", "")
        if isinstance(last, str) and last:
            with contextlib.suppress(KnownError):
                self.session.open_conversation(last)
        spec = model or self.settings.last_model
        if not load:
            self._deferred = spec or ""
            return
        if not spec:
            self.window.show_first_run()
            return
        try:
            extra = [Path(d) for d in self.settings.extra_model_dirs]
            self.window.load_model(resolve_model(spec, self.paths.models_dir, extra))
        except KnownError as exc:
            self.window.show_first_run()
            self.window.show_error(str(exc))

    def attach_voice(self, source: Callable[[], AudioSource] | None = None,
                     output: AudioOutput | None = None) -> VoiceService:
        """Voice in the window (after it shows: it lists the sound devices); tests give a recording as the
        microphone and an output that only takes the time."""
        from chatapp.services.voice_service import VoiceService

        self.voice = VoiceService(self.paths.data_dir, lambda: self.session.app_settings, source, output)
        self.window.attach_voice(self.voice)
        return self.voice

    def activate(self, model: str) -> None:
        """Another `chatapp` was started on our data folder (or the tray's Open): come forward, and load its
        model if it named one (or the last one, if the window starts from the tray with none)."""
        window = self.window
        if not model and self.inference.summary is None and not self.inference.loading and self._deferred:
            model, self._deferred = self._deferred, ""
        window.setWindowState(window.windowState() & ~Qt.WindowState.WindowMinimized)
        window.show()
        window.raise_()
        window.activateWindow()
        if not model:
            return
        try:
            extra = [Path(d) for d in self.settings.extra_model_dirs]
            window.load_model(resolve_model(model, self.paths.models_dir, extra))
        except KnownError as exc:
            window.show_error(str(exc))

    def close(self) -> None:
        if self.documents is not None:
            self.documents.shutdown()
        if self.voice is not None:
            self.voice.shutdown()
        self.instance.close()
        self.tools.shutdown()
        self.history.shutdown()
        self.turns.shutdown()
        self.turns.store.close()
        self.store.close()
        i18n.uninstall(self._qt_app, self.translators)


def _model_source(settings: AppSettings) -> tuple[ModelSource, bool]:
    """The source the window starts with, and whether it was chosen (CHATAPP_MODEL_SOURCE counts)."""
    try:
        return configured_source(settings.model_source, settings.model_mirror), bool(
            settings.model_source or os.environ.get(SOURCE_ENV))
    except KnownError as exc:  # a mirror address damaged by hand in settings.json
        log.warning("model source not usable (%s); using Hugging Face", exc)
        return HUGGING_FACE, False


def _prefer_cjk_font() -> None:
    """Chinese text in a Chinese font the system has (Qt's own fallback may pick a Japanese one, with
    other shapes for some characters); the Latin font stays first."""
    families = set(QFontDatabase.families())
    for cjk in CJK_FONTS:
        if cjk in families:
            font = QApplication.font()
            font.setFamilies([font.family(), cjk])
            QApplication.setFont(font)
            return


def _close_on_termination_signals(chat_app: App) -> None:
    """SIGTERM (logout, shutdown, `kill`) and Ctrl+C close the window like the user would: the reply
    in flight is saved, the worker thread joined. Python runs signal handlers only between bytecodes,
    so a light timer wakes the interpreter while Qt's event loop waits."""
    def close(*_: object) -> None:
        QTimer.singleShot(0, chat_app.quit)

    signal.signal(signal.SIGTERM, close)
    signal.signal(signal.SIGINT, close)
    waker = QTimer(chat_app.window)
    waker.timeout.connect(lambda: None)
    waker.start(250)


def run(model: str | None, paths: AppPaths, minimized: bool = False) -> int:
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv[:1])
    app.setApplicationName("chatapp")
    app.setApplicationVersion(__version__)
    icon = resource_path("icons/chatapp.svg")
    if icon.exists():
        app.setWindowIcon(QIcon(str(icon)))
    if hand_over(paths.data_dir, model):
        print("chatapp is already running; its window was brought forward"
              + (f" to load {model}." if model else "."), file=sys.stderr)
        return 0
    chat_app = App(paths)
    in_tray = minimized and chat_app.start_minimized()
    if not in_tray:
        chat_app.window.show()
        if minimized:  # no tray on this desktop: minimized in the task bar instead
            chat_app.window.showMinimized()
        log.info("window shown")
    _close_on_termination_signals(chat_app)
    # Start (the model's load, the keyring, documents) once the window is on screen, so it appears before
    # llama.cpp is even imported; at the latest after a second (a window minimized at start is never exposed).
    started = False

    def start() -> None:
        nonlocal started
        if not started:
            started = True
            chat_app.start(model, load=not in_tray)

    chat_app.window.exposed.connect(start)
    QTimer.singleShot(0 if in_tray else START_AT_THE_LATEST_MS, start)
    code = app.exec()
    chat_app.close()
    return int(code)
