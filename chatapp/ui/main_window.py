"""The main window: sidebar | chat | settings, a status bar that says what the model is doing, and
a first-run view when there is no model yet."""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QByteArray, QSettings, Qt, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMainWindow,
    QProgressBar,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.errors import KnownError
from chatapp.core.models.hub import CatalogueEntry
from chatapp.core.storage import secrets
from chatapp.core.storage.history import Conversation, StoredMessage
from chatapp.core.types import LoadOptions, ModelSummary
from chatapp.services.api_server import ApiServerService
from chatapp.services.chat_session import ChatSession, ChatSettings
from chatapp.services.history_service import HistoryService
from chatapp.services.i18n import user_message
from chatapp.services.inference import InferenceController, Preview
from chatapp.services.models import ModelService
from chatapp.ui import icons, theme
from chatapp.ui.api_server_box import ApiServerBox
from chatapp.ui.app_settings_dialog import AppSettingsDialog
from chatapp.ui.chat_view import ChatView, copy_to_clipboard
from chatapp.ui.composer import Composer
from chatapp.ui.conversation_actions import ConversationActions
from chatapp.ui.documents_button import DocumentsButton, ToolsButton
from chatapp.ui.folders_box import DataFoldersBox, ModelFoldersBox
from chatapp.ui.language_box import LanguageBox
from chatapp.ui.model_bar import ModelBar, ServerModel
from chatapp.ui.model_manager import ModelManager
from chatapp.ui.saved_servers_box import SavedServersBox
from chatapp.ui.server_dialog import ServerDialog
from chatapp.ui.settings_panel import SettingsPanel
from chatapp.ui.sidebar import Sidebar
from chatapp.ui.speculation_box import SpeculationBox
from chatapp.ui.theme_box import ThemeBox
from chatapp.ui.tools_box import ToolsBox

if TYPE_CHECKING:
    from chatapp.services.documents_service import DocumentsService
    from chatapp.services.tools_service import PermissionRequest, ToolsService, WindowPermission
    from chatapp.ui.documents_dialog import CollectionsDialog


log = logging.getLogger(__name__)

class FirstRunView(QWidget):
    demoRequested = Signal()
    openRequested = Signal()
    modelsRequested = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(self.tr("<h2>Welcome to chatapp</h2>"
                       "<p>Chat with a language model that runs entirely on this computer.<br>"
                       "Nothing you type leaves it.</p>"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        for text, tip, signal in (
            (self.tr("Try the demo model"),
             self.tr("SmolLM2 135M Instruct (98 MB): a small, fast chat model to try chatapp with"),
             self.demoRequested),
            (self.tr("Find and download a model…"),
             self.tr("Recommended chat models and all of Hugging Face's GGUF models"), self.modelsRequested),
            (self.tr("Open a GGUF model file…"), self.tr("Any GGUF model, e.g. one downloaded from Hugging Face"),
             self.openRequested),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setAccessibleName(text)
            button.setMinimumWidth(280)
            button.clicked.connect(signal)
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        layout.addStretch(2)


class ErrorBanner(QWidget):
    def __init__(self) -> None:
        super().__init__()
        self.setObjectName("errorBanner")
        self.setStyleSheet("#errorBanner { background: #fdecea; border: 1px solid #e6b0aa; border-radius: 4px; }"
                           " QLabel { color: #922b21; }")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 6, 6, 6)
        self.label = QLabel()
        self.label.setWordWrap(True)
        self.label.setAccessibleName(self.tr("Error message"))
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.label, 1)
        close = QToolButton()
        close.setText(self.tr("✕"))
        close.setAccessibleName(self.tr("Dismiss error"))
        close.setAutoRaise(True)
        close.clicked.connect(self.hide)
        layout.addWidget(close)
        self.hide()

    def show_message(self, message: str) -> None:
        self.label.setText(message)
        self.show()


class MainWindow(QMainWindow):
    _serverModelsListed = Signal(str, list)  # a saved server's models, from a background thread
    def __init__(self, session: ChatSession, inference: InferenceController, history: HistoryService,
                 qsettings: QSettings, models: ModelService, catalogue: list[CatalogueEntry]) -> None:
        super().__init__()
        self.session = session
        self.inference = inference
        self.history = history  # the conversations' reads and changes, answered from the storage thread
        self._servers: tuple[str, ...] = ()  # saved servers (attach_saved_servers)
        self._keep_servers: Callable[[tuple[str, ...]], None] = lambda _servers: None
        self.qsettings = qsettings
        self.models = models
        self.catalogue = catalogue
        self.models_dir = models.models_dir
        self.model_manager: ModelManager | None = None
        self.api_server: ApiServerService | None = None
        self.server_dialog: ServerDialog | None = None
        self.documents: DocumentsService | None = None
        self.collections_dialog: CollectionsDialog | None = None
        self._reply_started_at = 0.0
        self.setWindowTitle(self.tr("chatapp"))
        self.resize(1200, 800)

        self.sidebar = Sidebar()
        self.chat = ChatView()
        self.chat.image_loader = session.store.images.load
        self.composer = Composer()
        self.model_bar = ModelBar()
        self.error_banner = ErrorBanner()
        self.settings_panel = SettingsPanel()
        self.app_settings_dialog = AppSettingsDialog(self)
        self.first_run = FirstRunView()

        chat_page = QWidget()
        chat_layout = QVBoxLayout(chat_page)
        chat_layout.setContentsMargins(0, 0, 0, 0)
        chat_layout.setSpacing(0)
        chat_layout.addWidget(self.model_bar)
        chat_layout.addWidget(self.chat, 1)
        chat_layout.addWidget(self.composer)
        self.center = QStackedWidget()
        self.center.addWidget(self.first_run)
        self.center.addWidget(chat_page)
        self.chat_page = chat_page
        # The error banner sits above both pages: a sentence said at start-up (a damaged settings file or
        # history) must stay visible when the first-run page is what shows.
        middle = QWidget()
        middle_layout = QVBoxLayout(middle)
        middle_layout.setContentsMargins(0, 0, 0, 0)
        middle_layout.setSpacing(0)
        middle_layout.addWidget(self.error_banner)
        middle_layout.addWidget(self.center, 1)

        self.splitter = QSplitter()
        self.splitter.addWidget(self.sidebar)
        self.splitter.addWidget(middle)
        self.splitter.addWidget(self.settings_panel)
        self.splitter.setStretchFactor(1, 1)
        self.splitter.setSizes([240, 660, 320])
        self.setCentralWidget(self.splitter)
        self.conversations = ConversationActions(self, session, history, self.sidebar, self.chat)
        self._build_menu()
        self._build_status_bar()
        self._connect()
        self._shortcuts()
        self._tab_order()
        self._restore_geometry()
        self.conversations.refresh()
        self.settings_panel.show_settings(session.settings(), session.app_settings.load)

    # ----- building ------------------------------------------------------------------------------------
    def _build_menu(self) -> None:
        """File and View menus (on macOS, Settings and Quit go to the application menu, as is the rule there)."""
        file_menu = self.menuBar().addMenu(self.tr("&File"))
        for text, keys, slot, role in (
            (self.tr("&New chat"), "Ctrl+N", self.session.new_conversation, None),
            (self.tr("&Open a model file…"), "Ctrl+O", self.open_model_dialog, None),
            (self.tr("&Models…"), "Ctrl+M", self.open_model_manager, None),
            (self.tr("&Connect to a server…"), "", self.open_server_dialog, None),
            (self.tr("&Settings…"), "Ctrl+,", self.open_app_settings, QAction.MenuRole.PreferencesRole),
            (self.tr("&Quit"), "Ctrl+Q", self.close, QAction.MenuRole.QuitRole),
        ):
            if role is QAction.MenuRole.QuitRole:
                file_menu.addSeparator()
            action = file_menu.addAction(text)
            if keys:
                action.setShortcut(QKeySequence(keys))
            if role is not None:
                action.setMenuRole(role)
            action.triggered.connect(slot)
        self.settings_action = file_menu.actions()[4]
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.panel_action = view_menu.addAction(self.tr("&Chat settings panel"))
        self.panel_action.setShortcut(QKeySequence("Ctrl+Shift+,"))
        self.panel_action.triggered.connect(self.toggle_settings)

    def open_app_settings(self, page: str = "") -> AppSettingsDialog:
        """The app-wide settings (Ctrl+,); the side panel keeps what belongs to this chat."""
        if page:
            self.app_settings_dialog.show_page(page)
        else:
            self.app_settings_dialog.show()
            self.app_settings_dialog.raise_()
        return self.app_settings_dialog

    def _build_status_bar(self) -> None:
        bar = self.statusBar()
        self.model_label = QLabel(self.tr("No model loaded"))
        self.model_label.setAccessibleName(self.tr("Model"))
        self.load_progress = QProgressBar()
        self.load_progress.setRange(0, 100)
        self.load_progress.setMaximumWidth(160)
        self.load_progress.setAccessibleName(self.tr("Model loading progress"))
        self.load_progress.hide()
        self.speed_label = QLabel()
        self.speed_label.setAccessibleName(self.tr("Generation speed"))
        self.context_label = QLabel()
        self.context_label.setAccessibleName(self.tr("Context used"))
        self.notice_label = QLabel()
        self.notice_label.setStyleSheet("color: #b9770e;")
        self.template_label = QLabel()
        self.template_label.setAccessibleName(self.tr("Prompt template in use"))
        bar.addWidget(self.model_label)
        bar.addWidget(self.load_progress)
        bar.addPermanentWidget(self.notice_label)
        bar.addPermanentWidget(self.template_label)
        bar.addPermanentWidget(self.speed_label)
        bar.addPermanentWidget(self.context_label)

    def _connect(self) -> None:
        s, inf = self.session, self.inference
        self.composer.sendRequested.connect(self._send)
        self.composer.imageRefused.connect(self.show_error)
        self.chat.examplePicked.connect(self._send)
        self.composer.stopRequested.connect(s.stop)
        self.chat.copyRequested.connect(copy_to_clipboard)
        self.chat.editRequested.connect(self._begin_edit)
        self.chat.regenerateRequested.connect(s.regenerate)
        self.chat.continueRequested.connect(s.continue_reply)
        self.chat.branchRequested.connect(s.switch_branch)
        self.sidebar.newRequested.connect(s.new_conversation)
        self.history.failed.connect(self.show_error)
        self.settings_panel.settingsChanged.connect(self._apply_settings)
        self.settings_panel.previewRequested.connect(self._request_preview)
        self.settings_panel.reloadRequested.connect(self._reload)
        self.first_run.demoRequested.connect(self.load_demo)
        self.first_run.openRequested.connect(self.open_model_dialog)
        self.first_run.modelsRequested.connect(self.open_model_manager)
        self.sidebar.modelsRequested.connect(self.open_model_manager)
        self.sidebar.serverRequested.connect(self.open_server_dialog)
        s.conversationOpened.connect(self._on_conversation_opened)
        s.pathChanged.connect(self._show_path)
        s.replyStarted.connect(self._on_reply_started)
        s.replyDelta.connect(self.chat.append)
        s.replyDelta.connect(self._on_first_delta)
        s.replyFinished.connect(self._on_reply_finished)
        s.errorOccurred.connect(self.show_error)
        s.unsent.connect(self._restore_unsent)
        s.busyChanged.connect(lambda: self.composer.set_busy(s.busy))
        self.model_bar.listRequested.connect(self._fill_model_bar)
        self.model_bar.modelChosen.connect(lambda path: self.load_model(Path(path)))
        self.model_bar.openRequested.connect(self.open_model_dialog)
        self.model_bar.managerRequested.connect(self.open_model_manager)
        self.model_bar.serverRequested.connect(self.open_server_dialog)
        self.model_bar.serverModelChosen.connect(self._choose_server_model)
        inf.loadStarted.connect(self.model_bar.set_loading)
        inf.loadProgress.connect(self.model_bar.set_progress)
        inf.modelLoaded.connect(self.model_bar.set_loaded)
        inf.modelFailed.connect(lambda _message: self.model_bar.set_failed())
        inf.loadStarted.connect(self._on_load_started)
        inf.loadProgress.connect(lambda f: self.load_progress.setValue(round(f * 100)))
        inf.modelLoaded.connect(self._on_model_loaded)
        inf.modelFailed.connect(self._on_model_failed)
        inf.previewReady.connect(self._on_preview)

    def _tab_order(self) -> None:
        """Tab goes the way the eye does: chats, the model, the conversation, the message box and its
        buttons, then the settings. (In the message box Tab moves on; it types no tab character.)"""
        chain = [self.sidebar.new_button, self.sidebar.search, self.sidebar.list, self.model_bar.combo,
                 self.chat, self.composer.input, self.composer.button]
        for first, second in itertools.pairwise(chain):
            QWidget.setTabOrder(first, second)

    def _shortcuts(self) -> None:
        for keys, slot in (  # (the menus' own shortcuts are with their actions)
            ("Ctrl+L", self.composer.input.setFocus),
            ("Ctrl+Shift+C", lambda: copy_to_clipboard(self.chat.last_reply_text())),
            ("Ctrl+F", self.sidebar.search.setFocus),
        ):
            QShortcut(QKeySequence(keys), self).activated.connect(slot)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self).activated.connect(self.session.stop)

    def _fill_model_bar(self) -> None:
        from chatapp.core.models.library import demo_model_path

        try:
            demo: Path | None = demo_model_path()
        except KnownError:
            demo = None
        self.model_bar.set_models(self.models.scan(), demo)
        for url in self._servers:
            self._list_server_models(url)

    def _list_server_models(self, url: str) -> None:
        """A saved server's models, asked for on a short-lived thread (a server may be slow or down:
        then it simply lists nothing)."""
        from chatapp.core.backends.remote import RemoteChat

        key = self.server_key(url)

        def run() -> None:
            try:
                models = RemoteChat(url, "", key or None).models()
            except KnownError as exc:
                log.info("saved server %s: %s", url, exc)
                models = []
            self._serverModelsListed.emit(url, models)

        threading.Thread(target=run, name="server-models", daemon=True).start()

    def _choose_server_model(self, choice: ServerModel) -> None:
        self.center.setCurrentWidget(self.chat_page)
        self.inference.connect_remote(choice.url, choice.model, self.server_key(choice.url))

    def attach_documents(self, service: DocumentsService) -> None:
        """Chat with documents: the composer's Documents button and the collections dialog."""
        self.documents = service
        self.session.documents_service = service
        self.documents_button = DocumentsButton()
        self.composer.add_tool(self.documents_button)
        QWidget.setTabOrder(self.composer.input, self.documents_button)
        QWidget.setTabOrder(self.documents_button, self.composer.button)
        self.documents_button.aboutToOpen.connect(self._fill_documents_menu)
        self.documents_button.selectionChanged.connect(self.session.set_documents)
        self.documents_button.manageRequested.connect(self.open_collections)
        self.session.conversationOpened.connect(lambda _conversation: self._fill_documents_menu())
        service.failed.connect(lambda _name, message: self.show_error(message))
        self._fill_documents_menu()

    def _fill_documents_menu(self) -> None:
        if self.documents is not None:
            self.documents_button.set_collections(self.documents.collection_names(), self.session.documents())

    def open_collections(self) -> CollectionsDialog | None:
        if self.documents is None:
            return None
        if self.collections_dialog is None:
            from chatapp.ui.documents_dialog import CollectionsDialog

            self.collections_dialog = CollectionsDialog(self.documents, self)
        self.collections_dialog.show()
        self.collections_dialog.raise_()
        return self.collections_dialog

    def _restore_geometry(self) -> None:
        geometry = self.qsettings.value("window/geometry")
        if isinstance(geometry, QByteArray):
            self.restoreGeometry(geometry)
        state = self.qsettings.value("window/splitter")
        if isinstance(state, QByteArray):
            self.splitter.restoreState(state)
        self.settings_panel.setVisible(self.qsettings.value("window/settings_visible", "true") == "true")

    def toggle_settings(self) -> None:
        self.settings_panel.setVisible(not self.settings_panel.isVisible())

    # ----- model ---------------------------------------------------------------------------------------
    def show_first_run(self) -> None:
        self.center.setCurrentWidget(self.first_run)

    def load_model(self, path: Path) -> None:
        self.center.setCurrentWidget(self.chat_page)
        self.session.load_model(path)

    def load_demo(self) -> None:
        from chatapp.core.models.library import demo_model_path

        try:
            self.load_model(demo_model_path())
        except KnownError as exc:
            self.show_error(user_message(exc))

    def open_model_dialog(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Open a GGUF model"), str(self.models_dir),
                                              self.tr("GGUF models (*.gguf);;All files (*)"))
        if path:
            self.load_model(Path(path))

    def open_server_dialog(self) -> ServerDialog:
        """Let the user pick a model on an OpenAI-compatible server; connecting happens on accept."""
        from chatapp.core.backends.remote import RemoteChat

        url = str(self.qsettings.value("server/last_url", "") or "")
        dialog = ServerDialog(lambda u, k: RemoteChat(u, "", k or None).models(), url,
                              self.server_key(url) if url else "", self)

        def connect() -> None:
            address, model, key = dialog.choice()
            self.qsettings.setValue("server/last_url", address)
            secrets.set_key(f"server:{address}", key)  # the keyring, never settings files
            if address not in self._servers:
                self._set_servers((*self._servers, address))
            self.center.setCurrentWidget(self.chat_page)
            self.inference.connect_remote(address, model, key)

        dialog.accepted.connect(connect)
        dialog.open()
        self.server_dialog = dialog
        return dialog

    @staticmethod
    def server_key(url: str) -> str:
        return secrets.get_key(f"server:{url}").value

    def open_model_manager(self) -> ModelManager:
        if self.model_manager is None:
            self.model_manager = ModelManager(self.models, self.catalogue, self)
            self.model_manager.loadRequested.connect(lambda path: self.load_model(Path(path)))
        self.model_manager.show()
        self.model_manager.raise_()
        return self.model_manager

    def _reload(self, options: LoadOptions) -> None:
        self.session.apply_load_options(options)
        summary = self.inference.summary
        if summary is not None:
            self.load_model(Path(summary.path))

    def _on_load_started(self, path: str) -> None:
        self.model_label.setText(self.tr("Loading {name}…").format(name=Path(path).name))
        self.load_progress.setValue(0)
        self.load_progress.show()
        self.composer.button.setEnabled(False)

    def _on_model_loaded(self, summary: ModelSummary) -> None:
        self.load_progress.hide()
        self.composer.button.setEnabled(True)
        self.model_label.setText(self.tr("{name} · {backend} · %n thread(s)", "", summary.n_threads).format(
            name=summary.name, backend=summary.backend))
        self.model_label.setToolTip(self.tr("{path}\ntemplate: {template} ({note})").format(
            path=summary.path, template=summary.template_name, note=summary.template_note))
        self.context_label.setText(self.tr("context {used:,} / {size:,}").format(used=0, size=summary.context_size))
        self.setWindowTitle(f"chatapp — {summary.name}")
        self.template_label.setText(self.tr("template {name}").format(name=summary.template_name))
        self.template_label.setToolTip(summary.template_note)
        self.error_banner.hide()
        self.composer.input.setFocus()
        self._request_preview(self.settings_panel.chat_settings())

    def _on_model_failed(self, message: str) -> None:
        self.load_progress.hide()
        self.composer.button.setEnabled(True)
        self.model_label.setText(self.tr("No model loaded"))
        self.show_error(message)

    # ----- chat -----------------------------------------------------------------------------------------
    def _send(self, text: str) -> None:
        self.settings_panel.flush()
        if self.composer.editing_id is not None:
            editing = self.composer.editing_id
            self.composer.end_edit()
            self.session.edit(editing, text)
            if self.session.busy:
                self.composer.clear()
            return
        if self.session.send(text, self.composer.images()):
            self.composer.clear()
            self.error_banner.hide()

    @Slot(str)
    def _restore_unsent(self, text: str) -> None:
        """A message that could not be saved goes back into the box, unless something new was typed."""
        if not self.composer.text():
            self.composer.input.setPlainText(text)

    def _begin_edit(self, message_id: str) -> None:
        message = next((m for m in self.session.path if m.id == message_id), None)
        if message is not None:
            self.composer.begin_edit(message_id, message.content)

    def _show_path(self, path: list[StoredMessage]) -> None:
        self.conversations.show_path(path)
        self.center.setCurrentWidget(self.chat_page)

    def _on_reply_started(self, message: StoredMessage) -> None:
        self.chat.start_reply(message)
        self.speed_label.setText(self.tr("reading the prompt…"))
        self._reply_started_at = time.monotonic()

    def _on_first_delta(self, _message_id: str, _text: str) -> None:
        if self._reply_started_at:
            self.speed_label.setText(self.tr("writing… (first token after {seconds:.2f} s)").format(
                seconds=time.monotonic() - self._reply_started_at))
            self._reply_started_at = 0.0

    def _on_reply_finished(self, message: StoredMessage) -> None:
        self.chat.finish_reply(message)
        self._show_path(self.session.path)  # regenerate buttons and branch counters move
        self.show_stats(message.stats)
        self._request_preview(self.settings_panel.chat_settings())

    def show_stats(self, stats: dict[str, Any]) -> None:
        if not stats:
            self.speed_label.setText(self.tr("stopped"))
            return
        self.speed_label.setText(
            self.tr("{rate:.1f} tok/s · first token {seconds:.2f} s").format(
                rate=float(stats.get("tokens_per_s", 0)), seconds=float(stats.get("ttft_s", 0)))
        )
        self.context_label.setText(self.tr("context {used:,} / {size:,}").format(
            used=int(stats.get("context_used", 0)), size=int(stats.get("context_size", 0))))
        dropped = int(stats.get("dropped_messages", 0) or 0)
        self.notice_label.setText(
            self.tr("%n oldest message(s) left out to fit the context", "", dropped) if dropped else "")

    def show_error(self, message: str) -> None:
        self.error_banner.show_message(message)
        if self.center.currentWidget() is self.first_run and self.inference.summary is None:
            self.center.setCurrentWidget(self.chat_page)

    def _on_conversation_opened(self, conversation: Conversation | None) -> None:
        self.conversations.refresh()
        self.settings_panel.show_settings(self.session.settings(), self.session.app_settings.load)
        self.qsettings.setValue("window/last_conversation", conversation.id if conversation else "")

    # ----- settings -------------------------------------------------------------------------------------
    def _apply_settings(self, chat: ChatSettings) -> None:
        try:
            self.session.apply_settings(chat)
        except KnownError as exc:
            self.settings_panel.show_error(user_message(exc))

    def _request_preview(self, chat: ChatSettings) -> None:
        if self.inference.summary is not None:
            self.session.request_preview(chat, self.composer.text())

    def _on_preview(self, preview: Preview) -> None:
        self.settings_panel.show_preview(preview)

    # ----- closing --------------------------------------------------------------------------------------
    # ----- local API server ------------------------------------------------------------------------------
    def attach_api_server(self, service: ApiServerService, port: int, key: str,
                          on_switch: Callable[[bool, int, str], None]) -> None:
        """Show the server's switch in the settings and its address and request count in the status bar.
        `on_switch(on, port, key)` keeps the choice (settings, keyring) for the next start."""
        self.api_server = service
        self.api_box = ApiServerBox()
        self.api_box.port.setValue(port)
        self.api_box.key.setText(key)
        self.app_settings_dialog.add_to("api", self.api_box)
        self.api_label = QLabel()
        self.api_label.setAccessibleName(self.tr("Local API server"))
        self.api_label.hide()
        self.statusBar().addPermanentWidget(self.api_label)

        def switched(on: bool, port: int, key: str) -> None:
            on_switch(on, port, key)
            if on:
                service.start(port, key)
            else:
                service.stop()

        def started(url: str) -> None:
            self.api_box.show_state(url)
            self.api_label.setText(self.tr("API {url} · %n request(s)", "", 0).format(url=url))
            self.api_label.show()

        def stopped() -> None:
            self.api_box.show_state(None)
            self.api_label.hide()

        def failed(message: str) -> None:
            self.api_box.show_state(None, message)
            self.show_error(message)

        def counted(n: int) -> None:
            if service.server is not None:
                self.api_label.setText(self.tr("API {url} · %n request(s)", "", n).format(url=service.server.url))

        self.api_box.switched.connect(switched)
        service.started.connect(started)
        service.stopped.connect(stopped)
        service.failed.connect(failed)
        service.requestsChanged.connect(counted)

    # ----- speculative decoding ---------------------------------------------------------------------------
    def attach_speculation(self, mode: str, draft_model: str, on_change: Callable[[str, str], None]) -> None:
        """The speculative decoding choice in the settings; `on_change(mode, draft)` keeps it for next time."""
        self.speculation_box = SpeculationBox()
        self.speculation_box.set_choice(mode, draft_model)
        self.app_settings_dialog.add_to("speed", self.speculation_box)

        def changed(mode: str, draft: str) -> None:
            on_change(mode, draft)
            self.inference.set_speculation(mode, draft)

        self.speculation_box.changed.connect(changed)
        self.inference.speculationApplied.connect(self.speculation_box.show_applied)
        self.inference.set_speculation(mode, draft_model)

    def attach_theme(self, choice: str, on_change: Callable[[str], None]) -> None:
        """The theme choice in the settings, applied at once; follows the system when asked to."""
        self.theme_box = ThemeBox(choice)
        self.app_settings_dialog.add_to("appearance", self.theme_box)

        def apply_theme() -> None:
            app = QApplication.instance()
            assert isinstance(app, QApplication)
            self.chat.set_dark(theme.apply(app, self.theme_box.combo.currentData()))
            self.composer.refresh_icons()
            if self.documents is not None:
                self.documents_button.setIcon(icons.icon("documents"))

        def changed(new_choice: str) -> None:
            on_change(new_choice)
            apply_theme()

        self.theme_box.changed.connect(changed)
        QGuiApplication.styleHints().colorSchemeChanged.connect(
            lambda _scheme: apply_theme() if self.theme_box.combo.currentData() == "system" else None)
        apply_theme()

    def attach_language(self, language: str, on_change: Callable[[str], None]) -> None:
        """The language choice in the settings; `on_change(code)` keeps it for the next start."""
        self.language_box = LanguageBox(language)
        self.app_settings_dialog.add_to("appearance", self.language_box)
        self.language_box.changed.connect(on_change)

    def attach_model_folders(self, extra: tuple[str, ...], on_change: Callable[[tuple[str, ...]], None]) -> None:
        """Settings → Models: the folders searched for models besides the library."""
        self.folders_box = ModelFoldersBox(self.models_dir, extra)
        self.app_settings_dialog.add_to("models", self.folders_box)

        def changed(folders: tuple[str, ...]) -> None:
            on_change(folders)
            self.models.extra_dirs = tuple(Path(f) for f in folders)

        self.folders_box.changed.connect(changed)

    def attach_saved_servers(self, servers: tuple[str, ...], on_change: Callable[[tuple[str, ...]], None]) -> None:
        """Settings → Servers, and their models in the model picker (listed in the background)."""
        self._servers = servers
        self._keep_servers = on_change
        self.servers_box = SavedServersBox(servers)
        self.app_settings_dialog.add_to("servers", self.servers_box)
        self.servers_box.addRequested.connect(self.open_server_dialog)

        def removed(url: str) -> None:
            secrets.set_key(f"server:{url}", "")
            self._set_servers(tuple(u for u in self._servers if u != url))

        self.servers_box.removed.connect(removed)
        self._serverModelsListed.connect(self.model_bar.set_server_models)

    def _set_servers(self, servers: tuple[str, ...]) -> None:
        self._servers = servers
        self._keep_servers(servers)
        self.servers_box.show_servers(servers)

    def attach_tools(self, service: ToolsService, permission: WindowPermission) -> None:
        """Tools: the composer's Tools button (this chat's MCP servers), Settings → Tools, the cards
        that ask before a call runs and show what it did."""
        self.tools = service
        self.session.tools_service = service
        self.session.permission = permission
        self.tools_box = ToolsBox(service)
        self.app_settings_dialog.add_to("tools", self.tools_box)
        self.tools_button = ToolsButton()
        self.composer.add_tool(self.tools_button)
        self.tools_button.aboutToOpen.connect(self._fill_tools_menu)
        self.tools_button.selectionChanged.connect(self.session.set_tool_servers)
        self.tools_button.requiredChanged.connect(self.session.set_tool_required)
        self.tools_button.manageRequested.connect(lambda: self.open_app_settings("tools"))
        self.session.conversationOpened.connect(lambda _c: self._fill_tools_menu())
        self.session.toolResult.connect(self.chat.add_tool_result)
        self.session.busyChanged.connect(lambda: None if self.session.busy else self.chat.drop_permission_cards())
        permission.asked.connect(self._ask_permission)  # a bound slot: emitted on the turn thread, run on this one
        permission.settled.connect(self.chat.drop_permission_card)
        self.chat.permissionAnswered.connect(permission.answer)
        service.problem.connect(self.show_error)
        if service.startup_problem():
            self.show_error(service.startup_problem())
        self._fill_tools_menu()

    def _fill_tools_menu(self) -> None:
        self.tools_button.set_servers(self.tools.names(), self.session.tool_servers(),
                                      self.session.tool_choice() == "required")

    @Slot(object)
    def _ask_permission(self, request: PermissionRequest) -> None:
        self.chat.ask_permission(request.request_id, request.name, request.server, request.arguments)

    def attach_data_folders(self, places: list[tuple[str, Path]]) -> None:
        """Settings → Data: where chats, models, settings and logs live."""
        self.data_box = DataFoldersBox(places)
        self.app_settings_dialog.add_to("data", self.data_box)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/splitter", self.splitter.saveState())
        self.qsettings.setValue("window/settings_visible", "true" if self.settings_panel.isVisible() else "false")
        self.qsettings.sync()
        if self.model_manager is not None:
            self.model_manager.close()
        self.session.shutdown()
        if self.api_server is not None:
            self.api_server.stop()
        self.inference.shutdown()
        self.models.shutdown()
        event.accept()
