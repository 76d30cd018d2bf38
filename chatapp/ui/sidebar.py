"""Conversations: new, switch, rename, pin, export, delete, and full-text search with highlighted hits.

The list is a model/view (ui/chat_list.py): showing 5,000 chats or 50 search hits resets a model and
paints only the rows on screen, so it never holds up the GUI thread (a widget per row took 50-70 ms).
"""

from __future__ import annotations

from functools import partial

from PySide6.QtCore import QModelIndex, QPoint, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListView,
    QMenu,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.storage.history import Conversation, Project, SearchHit
from chatapp.ui.chat_list import HIT_ROLE, ID_ROLE, PROJECT_ROLE, ChatListModel, HitDelegate, ProjectHeader, Row


class Sidebar(QWidget):
    newRequested = Signal()
    openRequested = Signal(str)  # conversation id
    hitOpened = Signal(str, str)  # conversation id, message id
    renameRequested = Signal(str, str)
    pinRequested = Signal(str, int)  # 1 pin, 0 unpin
    deleteRequested = Signal(str)
    exportRequested = Signal(str, str)  # conversation id, "md" | "json"
    searchChanged = Signal(str)
    modelsRequested = Signal()
    serverRequested = Signal()
    newProjectRequested = Signal(str)  # its name
    newChatInProjectRequested = Signal(str)  # project id
    moveRequested = Signal(str, str)  # conversation id, project id ("": out of any)
    projectEditRequested = Signal(str)  # project id
    projectDeleteRequested = Signal(str)  # project id
    projectExportRequested = Signal(str)  # project id
    foldedChanged = Signal(list)  # the ids of the projects now folded

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 4, 8)
        self.new_button = QPushButton(self.tr("＋  New chat"))
        self.new_button.setAccessibleName(self.tr("New chat"))
        self.new_button.setToolTip(self.tr("New chat (Ctrl+N)"))
        self.new_button.clicked.connect(self.newRequested)
        self.new_project_button = QPushButton(self.tr("＋  Project"))
        self.new_project_button.setToolTip(self.tr("A project: chats that share instructions, documents and tools"))
        self.new_project_button.setAccessibleName(self.tr("New project"))
        self.new_project_button.clicked.connect(self._new_project)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button, 1)
        buttons.addWidget(self.new_project_button)
        layout.addLayout(buttons)
        self.search = QLineEdit()
        self.search.setPlaceholderText(self.tr("Search all chats"))
        self.search.setAccessibleName(self.tr("Search conversations"))
        self.search.setClearButtonEnabled(True)
        layout.addWidget(self.search)
        # Search limited to one project (its header's "Search in this project"), until ✕.
        self.scope_button = QPushButton()
        self.scope_button.setFlat(True)
        self.scope_button.setToolTip(self.tr("Search all chats again"))
        self.scope_button.clicked.connect(lambda: self.search_in(None))
        self.scope_button.hide()
        layout.addWidget(self.scope_button)
        self.search_scope: str | None = None
        self.model = ChatListModel(self)
        self.list = QListView()
        self.list.setModel(self.model)
        self.list.setItemDelegate(HitDelegate(self.list))
        self.list.setUniformItemSizes(True)  # one row's size for all: no layout of 5,000 rows
        self.list.setAccessibleName(self.tr("Conversations"))
        self.list.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.list.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.list.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.list.customContextMenuRequested.connect(self._menu)
        # Chats dragged onto a project (or out of one, below the list); the model says where they went.
        self.list.setDragDropMode(QListView.DragDropMode.DragDrop)
        self.list.setDefaultDropAction(Qt.DropAction.MoveAction)
        self.list.setDropIndicatorShown(True)
        self.model.moved.connect(self.moveRequested)
        self.list.activated.connect(self._activated)
        self.list.clicked.connect(self._activated)
        layout.addWidget(self.list, 1)
        self.empty_label = QLabel(self.tr("No chats yet."))
        self.empty_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(self.empty_label)
        self.models_button = QPushButton(self.tr("Models…"))
        self.models_button.setToolTip(self.tr("Find, download and load models (Ctrl+M)"))
        self.models_button.setAccessibleName(self.tr("Models"))
        self.models_button.clicked.connect(self.modelsRequested)
        self.server_button = QPushButton(self.tr("Connect to a server…"))
        self.server_button.setToolTip(self.tr("Chat with a model on another computer (OpenAI-compatible API)"))
        self.server_button.setAccessibleName(self.tr("Connect to a server"))
        self.server_button.clicked.connect(self.serverRequested)
        layout.addWidget(self.models_button)
        layout.addWidget(self.server_button)
        self._conversations: list[Conversation] = []
        self._projects: list[Project] = []
        self.folded: set[str] = set()  # projects whose chats are hidden under their header
        self._current: str | None = None
        self._search_timer = QTimer(self)
        self._search_timer.setSingleShot(True)
        self._search_timer.setInterval(150)
        self._search_timer.timeout.connect(lambda: self.searchChanged.emit(self.search.text().strip()))
        self.search.textChanged.connect(lambda _: self._search_timer.start())

    def show_conversations(self, conversations: list[Conversation], current: str | None,
                           projects: list[Project] | None = None) -> None:
        self._conversations = conversations
        self._current = current
        if projects is not None:
            self._projects = projects
        if self.search.text().strip():
            return  # results stay until the search is cleared
        rows = self._grouped()
        self.model.show(rows)
        row = next((i for i, c in enumerate(rows) if isinstance(c, Conversation) and c.id == current), None)
        if row is not None:
            self.list.setCurrentIndex(self.model.index(row))
        self.empty_label.setVisible(not rows)

    def _grouped(self) -> list[Row]:
        """Each project's header and (unless folded) its chats, then the chats outside any project."""
        known = {p.id for p in self._projects}
        rows: list[Row] = []
        for project in self._projects:
            chats = [c for c in self._conversations if c.project_id == project.id]
            rows.append(ProjectHeader(project, len(chats), project.id in self.folded))
            if project.id not in self.folded:
                rows.extend(chats)
        rows.extend(c for c in self._conversations if c.project_id not in known)
        return rows

    def warm_up(self) -> None:
        """After the window shows: what the first search would otherwise load while the user types."""
        delegate = self.list.itemDelegate()
        if isinstance(delegate, HitDelegate):
            delegate.warm_up(self.list.viewport().width())

    def show_hits(self, hits: list[SearchHit]) -> None:
        self.model.show(hits)
        self.empty_label.setVisible(not hits)
        self.empty_label.setText(self.tr("No matches.") if not hits else "")

    def row_count(self) -> int:
        return self.model.rowCount()

    def clear_search(self) -> None:
        self.search.clear()
        self.empty_label.setText(self.tr("No chats yet."))
        self.show_conversations(self._conversations, self._current)

    def _activated(self, index: QModelIndex) -> None:
        project_id = index.data(PROJECT_ROLE)
        if project_id:  # a header: fold or unfold its chats
            self.folded.symmetric_difference_update({project_id})
            self.show_conversations(self._conversations, self._current)
            self.foldedChanged.emit(sorted(self.folded))
            return
        hit = index.data(HIT_ROLE)
        if hit:
            self.hitOpened.emit(index.data(ID_ROLE), hit)
        else:
            self.openRequested.emit(index.data(ID_ROLE))

    def _menu(self, pos: QPoint) -> None:
        index = self.list.indexAt(pos)
        if index.isValid() and index.data(PROJECT_ROLE):
            self._project_menu(index.data(PROJECT_ROLE), pos)
            return
        if not index.isValid() or index.data(HIT_ROLE):
            return
        conv_id = index.data(ID_ROLE)
        conv = next((c for c in self._conversations if c.id == conv_id), None)
        if conv is None:
            return
        menu = QMenu(self)
        menu.addAction(self.tr("Rename…"), lambda: self._rename(conv))
        pin_text = self.tr("Unpin") if conv.pinned else self.tr("Pin")
        menu.addAction(pin_text, lambda: self.pinRequested.emit(conv.id, 0 if conv.pinned else 1))
        export = menu.addMenu(self.tr("Export"))
        export.addAction(self.tr("Markdown…"), lambda: self.exportRequested.emit(conv.id, "md"))
        export.addAction(self.tr("JSON…"), lambda: self.exportRequested.emit(conv.id, "json"))
        if self._projects:
            move = menu.addMenu(self.tr("Move to project"))
            for project in self._projects:
                action = move.addAction(project.name)
                action.triggered.connect(partial(self.moveRequested.emit, conv.id, project.id))
                action.setEnabled(project.id != conv.project_id)
            if conv.project_id:
                move.addSeparator()
                move.addAction(self.tr("Out of its project"), lambda: self.moveRequested.emit(conv.id, ""))
        menu.addSeparator()
        menu.addAction(self.tr("Delete…"), lambda: self.deleteRequested.emit(conv.id))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def _project_menu(self, project_id: str, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction(self.tr("New chat in this project"), lambda: self.newChatInProjectRequested.emit(project_id))
        menu.addAction(self.tr("Edit project…"), lambda: self.projectEditRequested.emit(project_id))
        menu.addAction(self.tr("Search in this project"), lambda: self.search_in(project_id))
        menu.addAction(self.tr("Export the project and its chats…"),
                       lambda: self.projectExportRequested.emit(project_id))
        menu.addSeparator()
        menu.addAction(self.tr("Delete project (its chats stay)"), lambda: self.projectDeleteRequested.emit(project_id))
        menu.exec(self.list.viewport().mapToGlobal(pos))

    def search_in(self, project_id: str | None) -> None:
        """Search one project's chats (None: all of them again)."""
        self.search_scope = project_id
        project = next((p for p in self._projects if p.id == project_id), None)
        self.scope_button.setText(self.tr("Searching in “{name}” ✕").format(name=project.name) if project else "")
        self.scope_button.setVisible(project is not None)
        self.search.setPlaceholderText(self.tr("Search this project's chats") if project else
                                       self.tr("Search all chats"))
        self.search.setFocus()
        if self.search.text().strip():
            self.searchChanged.emit(self.search.text().strip())

    def _new_project(self) -> None:
        from PySide6.QtWidgets import QInputDialog

        name, ok = QInputDialog.getText(self, self.tr("New project"), self.tr("Name:"))
        if ok and name.strip():
            self.newProjectRequested.emit(name.strip())

    def _rename(self, conv: Conversation) -> None:
        from PySide6.QtWidgets import QInputDialog

        title, ok = QInputDialog.getText(self, self.tr("Rename chat"), self.tr("Title:"), text=conv.title)
        if ok and title.strip():
            self.renameRequested.emit(conv.id, title)
