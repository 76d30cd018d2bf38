"""The composer's per-chat extras: the Documents button (the collections this chat answers from, and
the collections dialog) and the Tools button (the MCP servers whose tools it may call, Settings →
Tools, and the cards that ask before a call runs and show what it did)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QWidget

from chatapp.services.chat_session import ChatSession
from chatapp.ui import icons
from chatapp.ui.app_settings_dialog import AppSettingsDialog
from chatapp.ui.chat_view import ChatView
from chatapp.ui.composer import Composer
from chatapp.ui.documents_button import DocumentsButton, ToolsButton

if TYPE_CHECKING:
    from chatapp.services.documents_service import DocumentsService
    from chatapp.services.tools_service import PermissionRequest, ToolsService, WindowPermission
    from chatapp.ui.documents_dialog import CollectionsDialog


class ChatDocuments:
    """Chat with documents, once `attach` gives it the service."""

    def __init__(self, window: QWidget, session: ChatSession, composer: Composer,
                 show_error: Callable[[str], None]) -> None:
        self.window = window
        self.session = session
        self.composer = composer
        self.show_error = show_error
        self.service: DocumentsService | None = None
        self.button: DocumentsButton | None = None
        self.collections_dialog: CollectionsDialog | None = None

    def attach(self, service: DocumentsService) -> None:
        self.service = service
        self.session.documents_service = service
        self.button = button = DocumentsButton()
        self.composer.add_tool(button)
        QWidget.setTabOrder(self.composer.input, button)
        QWidget.setTabOrder(button, self.composer.button)
        button.aboutToOpen.connect(self._fill_menu)
        button.selectionChanged.connect(self.session.set_documents)
        button.manageRequested.connect(self.open_collections)
        self.session.conversationOpened.connect(lambda _conversation: self._fill_menu())
        service.failed.connect(lambda _name, message: self.show_error(message))
        self._fill_menu()

    def _fill_menu(self) -> None:
        if self.service is not None and self.button is not None:
            self.button.set_collections(self.service.collection_names(), self.session.documents())

    def open_collections(self) -> CollectionsDialog | None:
        if self.service is None:
            return None
        if self.collections_dialog is None:
            from chatapp.ui.documents_dialog import CollectionsDialog

            self.collections_dialog = CollectionsDialog(self.service, self.window)
        self.collections_dialog.show()
        self.collections_dialog.raise_()
        return self.collections_dialog

    def refresh_icons(self) -> None:
        if self.button is not None:
            self.button.setIcon(icons.icon("documents"))


class ChatTools(QObject):
    """Tools, once `attach` gives it the service and the permission that asks."""

    def __init__(self, window: QWidget, session: ChatSession, composer: Composer, chat: ChatView,
                 settings_dialog: AppSettingsDialog, show_error: Callable[[str], None]) -> None:
        super().__init__(window)
        self.session = session
        self.composer = composer
        self.chat = chat
        self.settings_dialog = settings_dialog
        self.show_error = show_error

    def attach(self, service: ToolsService, permission: WindowPermission) -> None:
        self.service = service
        self.session.tools_service = service
        self.session.permission = permission
        from chatapp.ui.tools_box import ToolsBox  # (its mcp.json fields: after the window shows)

        self.box = ToolsBox(service)
        self.settings_dialog.add_to("tools", self.box)
        self.button = ToolsButton()
        self.composer.add_tool(self.button)
        self.button.aboutToOpen.connect(self._fill_menu)
        self.button.selectionChanged.connect(self.session.set_tool_servers)
        self.button.requiredChanged.connect(self.session.set_tool_required)
        self.button.manageRequested.connect(lambda: self.settings_dialog.show_page("tools"))
        self.session.conversationOpened.connect(lambda _c: self._fill_menu())
        self.session.toolResult.connect(self.chat.add_tool_result)
        self.session.busyChanged.connect(lambda: None if self.session.busy else self.chat.drop_permission_cards())
        permission.asked.connect(self._ask_permission)  # a bound slot: emitted on the turn thread, run on this one
        permission.settled.connect(self.chat.drop_permission_card)
        self.chat.permissionAnswered.connect(permission.answer)
        service.problem.connect(self.show_error)

    def read_servers(self) -> None:
        """Read mcp.json (once the window is on screen: MainWindow.exposed), saying if it is damaged."""
        if getattr(self, "service", None) is None:
            return
        if self.service.startup_problem():
            self.show_error(self.service.startup_problem())
        self._fill_menu()

    def _fill_menu(self) -> None:
        self.button.set_servers(self.service.names(), self.session.tool_servers(),
                                self.session.tool_choice() == "required")

    @Slot(object)
    def _ask_permission(self, request: PermissionRequest) -> None:
        self.chat.ask_permission(request.request_id, request.name, request.server, request.arguments)
