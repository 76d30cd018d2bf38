"""The conversations: the sidebar's chat list and search, what its menu does to a chat (pin, rename,
export, delete), and the ‹ n/m › counters of the path the chat shows.

Reading and changing them is the storage thread's work (services/history_service.py): requests go
out as jobs and come back as signals, so nothing here waits for it. The path is drawn at once with the
counters already on screen; the fresh ones are put in place when their answer comes, and an answer
for a path the chat has since left is never used (the history service answers only the newest).
Deleting a chat stays the session's (it may be the chat open).
"""

from __future__ import annotations

from PySide6.QtCore import QObject, Slot
from PySide6.QtWidgets import QFileDialog, QMessageBox, QWidget

from chatapp.core.storage.history import Branch, Conversation, SearchHit, StoredMessage
from chatapp.services.chat_session import ChatSession
from chatapp.services.history_service import HistoryService
from chatapp.ui.chat_view import ChatView
from chatapp.ui.sidebar import Sidebar


class ConversationActions(QObject):
    def __init__(self, window: QWidget, session: ChatSession, history: HistoryService, sidebar: Sidebar,
                 chat: ChatView) -> None:
        super().__init__(window)
        self.window = window
        self.session = session
        self.history = history
        self.sidebar = sidebar
        self.chat = chat
        self._query = ""
        self._listed: dict[str, Conversation] = {}  # the chat list as last shown, by id
        sidebar.openRequested.connect(session.open_conversation)
        sidebar.hitOpened.connect(self.open_hit)
        sidebar.renameRequested.connect(history.rename)
        sidebar.pinRequested.connect(lambda conv_id, pinned: history.pin(conv_id, bool(pinned)))
        sidebar.deleteRequested.connect(self.delete)
        sidebar.exportRequested.connect(self.export)
        sidebar.searchChanged.connect(self.search)
        history.conversationsListed.connect(self._show_conversations)
        history.searchFinished.connect(self._show_hits)
        history.conversationChanged.connect(lambda _conversation: self.refresh())
        history.branchesRead.connect(self._show_branches)
        session.conversationsChanged.connect(self.refresh)
        sidebar.newProjectRequested.connect(session.create_project)
        sidebar.moveRequested.connect(lambda conv_id, project_id: session.move_to_project(conv_id, project_id or None))
        sidebar.projectDeleteRequested.connect(session.delete_project)
        sidebar.projectExportRequested.connect(self.export_project)
        history.projectImported.connect(lambda _project: self.refresh())

    # ----- the chat list and search ---------------------------------------------------------------------------
    def refresh(self) -> None:
        """Ask the storage thread for the chat list (answered by `_show_conversations`)."""
        self.history.list_conversations()

    @Slot(object)
    def _show_conversations(self, conversations: list[Conversation]) -> None:
        self._listed = {c.id: c for c in conversations}
        current = self.session.conversation.id if self.session.conversation else None
        self.sidebar.show_conversations(conversations, current, self.session.store.projects())

    def search(self, query: str) -> None:
        self._query = query
        if query:
            # answered by `_show_hits`, from the storage thread (one project's chats, if the sidebar says so)
            self.history.search(query, project_id=self.sidebar.search_scope)
        else:
            self.sidebar.clear_search()

    @Slot(str, object)
    def _show_hits(self, query: str, hits: list[SearchHit]) -> None:
        if query == self._query:  # not one the user has typed past
            self.sidebar.show_hits(hits)

    def open_hit(self, conv_id: str, message_id: str) -> None:
        self.session.open_at(conv_id, message_id)
        self.chat.scroll_to(message_id)

    # ----- a chat's menu ------------------------------------------------------------------------------------
    def _title(self, conv_id: str) -> str:
        listed = self._listed.get(conv_id)
        return listed.title if listed is not None else ""

    def delete(self, conv_id: str) -> None:
        answer = QMessageBox.question(self.window, self.tr("Delete chat"),
                                      self.tr("Delete “{title}” and all its messages?").format(
                                          title=self._title(conv_id)))
        if answer == QMessageBox.StandardButton.Yes:
            self.session.delete(conv_id)

    def export(self, conv_id: str, fmt: str) -> None:
        """Ask where, then export on the storage thread (answered by `exported` or `failed`)."""
        suffix = ".md" if fmt == "md" else ".json"
        path, _ = QFileDialog.getSaveFileName(self.window, self.tr("Export chat"), self._title(conv_id)[:40] + suffix)
        if path:
            self.history.export(conv_id, fmt, path)

    def export_project(self, project_id: str) -> None:
        name = next((p.name for p in self.session.store.projects() if p.id == project_id), "project")
        path, _ = QFileDialog.getSaveFileName(self.window, self.tr("Export project"), f"{name[:40]}.json",
                                              self.tr("Project exports (*.json)"))
        if path:
            self.history.export_project(project_id, path)

    def import_project(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self.window, self.tr("Import a project"), "",
                                              self.tr("Project exports (*.json);;All files (*)"))
        if path:
            self.history.import_project(path)

    # ----- the path shown --------------------------------------------------------------------------------------
    def show_path(self, path: list[StoredMessage]) -> None:
        """Draw `path` now, with the counters on screen; ask for its fresh ones."""
        self.chat.show_path(path)
        self.history.read_branches([m.id for m in path])

    @Slot(object)
    def _show_branches(self, branches: dict[str, Branch]) -> None:
        self.chat.set_branches(branches)
