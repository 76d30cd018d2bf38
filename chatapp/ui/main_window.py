"""The main window: sidebar | chat | settings, with the status bar below and a first-run view when
there is no model yet. It lays them out, builds the menus and shortcuts, keeps its geometry and wires
the parts together; each part's work is its own module: the status bar (ui/status_bar.py), servers
(ui/servers.py), the conversations (ui/conversation_actions.py), the Settings dialog's sections
(ui/settings_sections.py) and the composer's documents and tools (ui/composer_tools.py)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, QEvent, QObject, QSettings, Qt, QTimer, Signal, Slot
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence, QShortcut, QShowEvent, QWindow
from PySide6.QtWidgets import QFileDialog, QMainWindow, QSplitter, QStackedWidget, QVBoxLayout, QWidget

from chatapp.core.chat_settings import ChatSettings
from chatapp.core.errors import KnownError
from chatapp.core.models.catalogue import CatalogueEntry
from chatapp.core.models.library import real_path
from chatapp.core.presets import Preset, PresetStore
from chatapp.core.storage.history import Conversation, StoredMessage
from chatapp.core.types import LoadOptions, ModelSummary
from chatapp.services.chat_session import ChatSession
from chatapp.services.history_service import HistoryService
from chatapp.services.i18n import user_message
from chatapp.services.inference import InferenceController, Preview
from chatapp.services.models import ModelService
from chatapp.ui.app_settings_dialog import AppSettingsDialog
from chatapp.ui.chat_view import ChatView, MessageWidget, copy_to_clipboard
from chatapp.ui.composer import Composer
from chatapp.ui.composer_tools import ChatDocuments, ChatTools
from chatapp.ui.conversation_actions import ConversationActions
from chatapp.ui.error_banner import ErrorBanner
from chatapp.ui.first_run import FirstRunView
from chatapp.ui.model_bar import ModelBar
from chatapp.ui.model_manager import ModelManager
from chatapp.ui.preset_box import PresetBox
from chatapp.ui.project_dialog import ProjectDialog
from chatapp.ui.servers import Servers
from chatapp.ui.settings_panel import SettingsPanel
from chatapp.ui.settings_sections import SettingsSections
from chatapp.ui.sidebar import Sidebar
from chatapp.ui.status_bar import StatusBar

if TYPE_CHECKING:
    from chatapp.services.voice_service import VoiceService
    from chatapp.ui.speech_models import SpeechModelLists
    from chatapp.voice.models import VoiceModel


class MainWindow(QMainWindow):
    # Once, just after the window is first on screen: work the first screen does not need waits for it.
    exposed = Signal()
    def __init__(self, session: ChatSession, inference: InferenceController, history: HistoryService,
                 qsettings: QSettings, models: ModelService, catalogue: list[CatalogueEntry]) -> None:
        super().__init__()
        self.session = session
        self.inference = inference
        self.history = history  # the conversations' reads and changes, answered from the storage thread
        self.qsettings = qsettings
        # Asked when the window closes: True keeps chatapp running without it (the tray, while serving).
        self.keep_running: Callable[[], bool] = lambda: False
        self.was_exposed = False
        self.models = models
        self.catalogue = catalogue
        self.models_dir = models.models_dir
        self.model_manager: ModelManager | None = None
        self.speech_models: SpeechModelLists | None = None  # when voice is attached, after the window shows
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
        self.status = StatusBar()
        self.setStatusBar(self.status)

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

        # The parts with a job of their own; app.py attaches the services and settings they show.
        self.conversations = ConversationActions(self, session, history, self.sidebar, self.chat)
        self.sidebar.openRequested.connect(lambda _conv_id: self._follow_project_model())  # after it opened
        self.sidebar.folded = set(session.app_settings.folded_projects)
        self.sidebar.foldedChanged.connect(lambda folded: session.keep_app_settings(folded_projects=tuple(folded)))
        self.servers = Servers(self, qsettings, inference, self.app_settings_dialog, self.model_bar, self.status,
                               self.show_chat, self.show_error)
        self.sections = SettingsSections(self.app_settings_dialog, inference, models, self._on_theme)
        self.chat_documents = ChatDocuments(self, session, self.composer, self.show_error)
        self.chat_tools = ChatTools(self, session, self.composer, self.chat, self.app_settings_dialog,
                                    self.show_error)
        self.exposed.connect(self.chat_tools.read_servers)
        self._build_menu()
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
            (self.tr("&Connect to a server…"), "", self.servers.open_dialog, None),
            (self.tr("&Import a project…"), "", self.conversations.import_project, None),
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
        self.settings_action = file_menu.actions()[5]
        view_menu = self.menuBar().addMenu(self.tr("&View"))
        self.panel_action = view_menu.addAction(self.tr("&Chat settings panel"))
        self.panel_action.setShortcut(QKeySequence("Ctrl+Shift+,"))
        self.panel_action.triggered.connect(self.toggle_settings)
        self.token_view_action = view_menu.addAction(self.tr("&Keep how each token is chosen"))
        self.token_view_action.setCheckable(True)
        self.token_view_action.setChecked(self.session.app_settings.token_view)
        self.token_view_action.setToolTip(self.tr("Replies written while this is on have a Tokens switch: each token "
                                                  "coloured by how likely it was, and the model's other candidates"))
        self.token_view_action.toggled.connect(lambda on: self.session.keep_app_settings(token_view=on))

    def new_chat_in_project(self, project_id: str) -> None:
        """A new chat that takes the project's instructions, documents, tools and settings."""
        self.session.new_conversation(project_id)
        self._follow_project_model()
        self.show_chat()
        self.settings_panel.show_settings(self.session.settings(), self.session.app_settings.load)
        self.composer.input.setFocus()

    def edit_project(self, project_id: str) -> ProjectDialog | None:
        """The project's name, instructions, preset, model, document collections and tools."""
        try:
            project = self.session.store.project(project_id)
        except KnownError as exc:
            self.show_error(user_message(exc))
            return None
        models = [(m.name or m.path.name, m.path) for m in self.models.scan() if m.usable]
        documents, tools = self.session.documents_service, self.session.tools_service
        dialog = ProjectDialog(project, [p.name for p in self.session.presets()], models,
                               documents.collection_names() if documents is not None else [],
                               tools.names() if tools is not None else [], self)
        dialog.accepted.connect(lambda: self._save_project(project_id, dialog))
        dialog.open()
        return dialog

    def _save_project(self, project_id: str, dialog: ProjectDialog) -> None:
        self.session.update_project(project_id, dialog.name.text(), dialog.instructions.toPlainText(),
                                    dialog.chosen_preset(), dialog.chosen_model(), dialog.chosen_documents(),
                                    dialog.chosen_tools())
        self.settings_panel.show_settings(self.session.settings(), self.session.app_settings.load)
        if self.session.project_id() == project_id:
            self._follow_project_model()

    def _follow_project_model(self) -> None:
        """In a project that names a model, that model answers: loaded now if another one is."""
        path = self.session.project_model()
        summary = self.inference.summary
        if path is None or (summary is not None and real_path(Path(summary.path)) == real_path(path)):
            return
        if not path.is_file():
            self.show_error(self.tr("This project's model, {name}, is no longer on this computer; the loaded "
                                    "model answers instead (choose another in the project's settings).")
                            .format(name=path.name))
            return
        self.load_model(path)

    def attach_voice(self, voice: VoiceService) -> None:
        """Dictation, Read aloud and voice mode (ui/voice_controls.py), Settings → Voice, and the model
        manager's Voice section."""
        from chatapp.core.storage.paths import resource_path
        from chatapp.services import i18n
        from chatapp.ui.speech_models import SpeechModelLists
        from chatapp.ui.voice_box import VoiceBox
        from chatapp.ui.voice_controls import VoiceControls
        from chatapp.voice import devices
        from chatapp.voice.catalogue import load_catalogue as load_voice_catalogue

        self.voice = VoiceControls(self, voice, self.session, self.composer, self.chat, self.show_error)
        entries = load_voice_catalogue(resource_path("voice_catalogue.json"),
                                       i18n.resolve(self.session.app_settings.language))

        def downloaded(voices: list[VoiceModel], transcribers: list[VoiceModel]) -> None:  # new ones to choose
            self.voice_box.show_installed([m.name for m in voices], [m.name for m in transcribers])
            self.settings_panel.set_voices([m.name for m in voices])

        self.speech_models = lists = SpeechModelLists(voice, entries, lambda: self.models.source, downloaded)
        voices, transcribers = lists.here()
        self.voice_box = VoiceBox(self.session.app_settings, devices.input_devices(), devices.output_devices(),
                                  [m.name for m in voices], [m.name for m in transcribers])
        self.settings_panel.set_voices([m.name for m in voices])
        self.voice_box.changed.connect(lambda changes: self._voice_settings(voice, changes))
        lists.add(self.voice_box.speech)
        if self.model_manager is not None:
            self.model_manager.add_voice_section(lists.section())
        self.voice_box.tryRequested.connect(lambda: voice.read("try", self.tr(
            "Hello! This is how replies will sound.")))
        self.app_settings_dialog.add_to("voice", self.voice_box)

    def _voice_settings(self, voice: VoiceService, changes: dict[str, object]) -> None:
        self.session.keep_app_settings(**changes)
        if "voice_output_device" in changes:
            voice.use_output_device(self.session.app_settings.voice_output_device)

    def attach_presets(self, builtin: list[Preset], store: PresetStore) -> None:
        """The side panel's preset picker: a preset chosen becomes this chat's settings."""
        self.preset_box = PresetBox(builtin, store, self.session.as_preset)
        self.session.presets = lambda: [*builtin, *store.load()]
        self.settings_panel.add_first(self.preset_box)
        self.preset_box.chosen.connect(self._apply_preset)

    def _apply_preset(self, preset: Preset) -> None:
        try:
            self.session.apply_preset(preset)
        except KnownError as exc:
            self.preset_box.say(user_message(exc), error=True)
            return
        self.settings_panel.show_settings(self.session.settings(), self.session.app_settings.load)
        self._request_preview(self.settings_panel.chat_settings())
        self.preset_box.say(self.tr("This chat now uses “{name}”.").format(name=preset.name))

    def _show_tokens(self, message_id: str, on: bool) -> None:
        """A reply's Tokens switch: its tokens coloured by probability, or its text again."""
        widget = self.chat.widgets.get(message_id)
        if isinstance(widget, MessageWidget):
            widget.show_tokens(self.session.token_view(message_id) if on else None)

    def open_app_settings(self, page: str = "") -> AppSettingsDialog:
        """The app-wide settings (Ctrl+,); the side panel keeps what belongs to this chat."""
        if page:
            self.app_settings_dialog.show_page(page)
        else:
            self.app_settings_dialog.show()
            self.app_settings_dialog.raise_()
        return self.app_settings_dialog

    def _connect(self) -> None:
        s, inf, status = self.session, self.inference, self.status
        self.composer.sendRequested.connect(self._send)
        self.composer.imageRefused.connect(self.show_error)
        self.chat.examplePicked.connect(self._send)
        self.composer.stopRequested.connect(s.stop)
        self.chat.copyRequested.connect(copy_to_clipboard)
        self.chat.editRequested.connect(self._begin_edit)
        self.chat.regenerateRequested.connect(s.regenerate)
        self.chat.continueRequested.connect(s.continue_reply)
        self.chat.tokensRequested.connect(self._show_tokens)
        self.sidebar.newChatInProjectRequested.connect(self.new_chat_in_project)
        self.sidebar.projectEditRequested.connect(self.edit_project)
        self.chat.continueWithRequested.connect(s.continue_with)
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
        self.sidebar.serverRequested.connect(self.servers.open_dialog)
        s.conversationOpened.connect(self._on_conversation_opened)
        s.pathChanged.connect(self._show_path)
        s.replyStarted.connect(self._on_reply_started)
        s.replyDelta.connect(self.chat.append)
        s.replyDelta.connect(lambda _message_id, _thinking, _text: status.show_first_text())
        s.replyFinished.connect(self._on_reply_finished)
        s.errorOccurred.connect(self.show_error)
        s.unsent.connect(self._restore_unsent)
        s.busyChanged.connect(lambda: self.composer.set_busy(s.busy))
        self.model_bar.listRequested.connect(self._fill_model_bar)
        self.model_bar.modelChosen.connect(lambda path: self.load_model(Path(path)))
        self.model_bar.openRequested.connect(self.open_model_dialog)
        self.model_bar.managerRequested.connect(self.open_model_manager)
        inf.loadStarted.connect(self.model_bar.set_loading)
        inf.loadProgress.connect(self.model_bar.set_progress)
        inf.modelLoaded.connect(self.model_bar.set_loaded)
        inf.modelFailed.connect(lambda _message: self.model_bar.set_failed())
        inf.loadStarted.connect(self._on_load_started)
        inf.loadProgress.connect(status.show_progress)
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

    def _on_theme(self, dark: bool) -> None:
        self.chat.set_dark(dark)
        self.composer.refresh_icons()
        self.chat_documents.refresh_icons()

    # ----- model ---------------------------------------------------------------------------------------
    def show_first_run(self) -> None:
        self.center.setCurrentWidget(self.first_run)

    def show_chat(self) -> None:
        self.center.setCurrentWidget(self.chat_page)

    def _fill_model_bar(self) -> None:
        from chatapp.core.models.library import demo_model_path

        try:
            demo: Path | None = demo_model_path()
        except KnownError:
            demo = None
        self.model_bar.set_models(self.models.scan(), demo)
        self.servers.list_models()

    def load_model(self, path: Path) -> None:
        self.show_chat()
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

    def open_model_manager(self) -> ModelManager:
        if self.model_manager is None:
            self.model_manager = ModelManager(self.models, self.catalogue, self)
            self.model_manager.loadRequested.connect(lambda path: self.load_model(Path(path)))
            self.model_manager.sourceSettingsRequested.connect(lambda: self.open_app_settings("downloads"))
            if self.speech_models is not None:  # the voice service is there (it comes after the window)
                self.model_manager.add_voice_section(self.speech_models.section())
        self.model_manager.show()
        self.model_manager.raise_()
        return self.model_manager

    def _reload(self, options: LoadOptions) -> None:
        self.session.apply_load_options(options)
        summary = self.inference.summary
        if summary is not None:
            self.load_model(Path(summary.path))

    def _on_load_started(self, path: str) -> None:
        self.status.show_loading(path)
        self.composer.button.setEnabled(False)

    def _on_model_loaded(self, summary: ModelSummary) -> None:
        self.status.show_model(summary)
        self.composer.button.setEnabled(True)
        self.setWindowTitle(f"chatapp — {summary.name}")
        self.error_banner.hide()
        self.composer.input.setFocus()
        self._request_preview(self.settings_panel.chat_settings())

    def _on_model_failed(self, message: str) -> None:
        self.status.show_no_model()
        self.composer.button.setEnabled(True)
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
        self.show_chat()

    def _on_reply_started(self, message: StoredMessage) -> None:
        self.chat.start_reply(message)
        self.status.show_reply_started()

    def _on_reply_finished(self, message: StoredMessage) -> None:
        self.chat.finish_reply(message)
        self._show_path(self.session.path)  # regenerate buttons and branch counters move
        self.status.show_stats(message.stats)
        self._request_preview(self.settings_panel.chat_settings())

    def show_error(self, message: str) -> None:
        self.error_banner.show_message(message)
        if self.center.currentWidget() is self.first_run and self.inference.summary is None:
            self.show_chat()

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
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        handle = self.windowHandle()
        if not self.was_exposed and handle is not None:
            handle.installEventFilter(self)  # (installing twice keeps one)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (event.type() == QEvent.Type.Expose and isinstance(watched, QWindow) and watched.isExposed()
                and not self.was_exposed):
            self.was_exposed = True
            watched.removeEventFilter(self)
            QTimer.singleShot(0, self.exposed.emit)
        return super().eventFilter(watched, event)

    def closeEvent(self, event: QCloseEvent) -> None:
        self.qsettings.setValue("window/geometry", self.saveGeometry())
        self.qsettings.setValue("window/splitter", self.splitter.saveState())
        self.qsettings.setValue("window/settings_visible", "true" if self.settings_panel.isVisible() else "false")
        self.qsettings.sync()
        if self.keep_running():  # serving from the tray: only the window goes
            self.hide()
            event.ignore()
            return
        if self.model_manager is not None:
            self.model_manager.close()
        self.session.shutdown()
        self.servers.close()
        self.inference.shutdown()
        self.models.shutdown()
        event.accept()
