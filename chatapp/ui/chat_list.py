"""The sidebar's list as a model and a delegate: conversations (one line each, a project's under its
header) or search hits (the chat's title and a snippet with the matched words highlighted), painted
only for the rows on screen."""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import (
    QAbstractListModel,
    QByteArray,
    QMimeData,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSize,
    Qt,
    Signal,
)
from PySide6.QtGui import QAbstractTextDocumentLayout, QFont, QImage, QPainter, QPalette, QTextDocument
from PySide6.QtWidgets import QApplication, QStyle, QStyledItemDelegate, QStyleOptionViewItem

from chatapp.core.storage.history import Conversation, Project, SearchHit

ID_ROLE = Qt.ItemDataRole.UserRole  # the conversation's id
HIT_ROLE = Qt.ItemDataRole.UserRole + 1  # a search hit's message id
HTML_ROLE = Qt.ItemDataRole.UserRole + 2  # a search hit as rich text
PROJECT_ROLE = Qt.ItemDataRole.UserRole + 3  # a project header's project id
HIT_LINES = 4  # a hit's row: the title and three lines of snippet (longer snippets are clipped)
Index = QModelIndex | QPersistentModelIndex


def highlight_snippet(snippet: str) -> str:
    """FTS snippets mark hits with [[ ]]; show them bold, with everything else escaped."""
    escaped = html.escape(snippet)
    return escaped.replace("[[", "<b style='background:#f7dc6f; color:black;'>").replace("]]", "</b>")


@dataclass(frozen=True)
class ProjectHeader:
    """A project's row above its chats: its name and how many, folded or not."""

    project: Project
    count: int
    folded: bool


Row = Conversation | SearchHit | ProjectHeader


CONVERSATION_MIME = "application/x-chatapp-conversation"


class ChatListModel(QAbstractListModel):
    """The rows; a chat dragged onto a project's header (or one of its chats) moves into that project,
    onto a chat outside any project or below the list, out of its project (`moved`)."""

    moved = Signal(str, str)  # conversation id, project id ("": out of any)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[Row] = []

    def flags(self, index: Index) -> Qt.ItemFlag:
        flags = super().flags(index) | Qt.ItemFlag.ItemIsDropEnabled
        if index.isValid() and isinstance(self._rows[index.row()], Conversation):
            flags |= Qt.ItemFlag.ItemIsDragEnabled
        return flags

    def supportedDropActions(self) -> Qt.DropAction:
        return Qt.DropAction.MoveAction

    def mimeTypes(self) -> list[str]:
        return [CONVERSATION_MIME]

    def mimeData(self, indexes: Sequence[QModelIndex]) -> QMimeData:
        data = QMimeData()
        ids = [row.id for i in indexes if isinstance(row := self._rows[i.row()], Conversation)]
        data.setData(CONVERSATION_MIME, QByteArray("\n".join(ids).encode()))
        return data

    def dropMimeData(self, data: QMimeData, action: Qt.DropAction, row: int, column: int, parent: Index) -> bool:
        """Say where the chats go (`moved`); the list is rebuilt from the store, so no row moves here."""
        if not data.hasFormat(CONVERSATION_MIME):
            return False
        target = self._rows[parent.row()] if parent.isValid() else None
        if isinstance(target, ProjectHeader):
            project = target.project.id
        elif isinstance(target, Conversation):
            project = target.project_id or ""
        else:
            project = ""  # below the list: out of any project
        for conv_id in bytes(data.data(CONVERSATION_MIME).data()).decode().split("\n"):
            if conv_id:
                self.moved.emit(conv_id, project)
        return False

    def show(self, rows: Sequence[Row]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def rowCount(self, parent: Index = QModelIndex()) -> int:  # noqa: B008 - Qt's own signature
        return 0 if parent.isValid() else len(self._rows)

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> object:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        if isinstance(row, ProjectHeader):
            if role == Qt.ItemDataRole.DisplayRole:
                return f"{'▸' if row.folded else '▾'} {row.project.name} ({row.count})"
            if role == Qt.ItemDataRole.FontRole:
                font = QFont()
                font.setBold(True)
                return font
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.project.instructions or row.project.name
            return row.project.id if role == PROJECT_ROLE else None
        if isinstance(row, Conversation):
            if role == Qt.ItemDataRole.DisplayRole:
                indent = "    " if row.project_id else ""  # under its project's header
                return indent + ("📌 " if row.pinned else "") + row.title
            if role == Qt.ItemDataRole.ToolTipRole:
                return row.title
            return row.id if role == ID_ROLE else None
        if role == Qt.ItemDataRole.DisplayRole:  # what a screen reader says
            return f"{row.conversation_title}: {row.snippet.replace('[[', '').replace(']]', '')}"
        if role == HTML_ROLE:
            return f"<b>{html.escape(row.conversation_title)}</b><br>{highlight_snippet(row.snippet)}"
        if role == ID_ROLE:
            return row.conversation_id
        return row.message_id if role == HIT_ROLE else None


DOCUMENT_CACHE = 200  # laid-out hits kept (50 hits a search, a few widths)


class HitDelegate(QStyledItemDelegate):
    """Paints a hit's rich text; conversations are painted as plain rows by the base class."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._documents: dict[tuple[str, int], QTextDocument] = {}  # laid-out hits by (html, width)

    def paint(self, painter: QPainter, option: QStyleOptionViewItem, index: Index) -> None:
        text = index.data(HTML_ROLE)
        if not text:
            super().paint(painter, option, index)
            return
        self.initStyleOption(option, index)
        option.text = ""
        style = option.widget.style() if option.widget is not None else QApplication.style()
        style.drawControl(QStyle.ControlElement.CE_ItemViewItem, option, painter, option.widget)
        document = self._document(str(text), option.rect.width())
        context = QAbstractTextDocumentLayout.PaintContext()
        selected = bool(option.state & QStyle.StateFlag.State_Selected)
        context.palette.setColor(QPalette.ColorRole.Text, option.palette.color(
            QPalette.ColorRole.HighlightedText if selected else QPalette.ColorRole.Text))
        painter.save()
        painter.translate(option.rect.topLeft())
        painter.setClipRect(option.rect.translated(-option.rect.topLeft()))
        document.documentLayout().draw(painter, context)
        painter.restore()

    def sizeHint(self, option: QStyleOptionViewItem, index: Index) -> QSize:
        size = super().sizeHint(option, index)
        if index.data(HTML_ROLE):
            size.setHeight(option.fontMetrics.lineSpacing() * HIT_LINES + 8)
        return size

    def warm_up(self, width: int) -> None:
        """Draw a hit once off screen (Latin and CJK, highlighted), so the fonts and glyph caches that the
        first search's paint would load are ready before anyone types (measured: 15-25 ms otherwise)."""
        image = QImage(max(width, 100), 80, QImage.Format.Format_ARGB32_Premultiplied)
        painter = QPainter(image)
        document = QTextDocument()
        document.setHtml(highlight_snippet("the [[lighthouse]] keeper 量化 [[模型]] 显存"))
        document.setTextWidth(width)
        document.documentLayout().draw(painter, QAbstractTextDocumentLayout.PaintContext())
        painter.end()

    def _document(self, text: str, width: int) -> QTextDocument:
        """The hit's laid-out rich text, kept: a view paints each visible row several times (hover,
        selection, scrolling), and laying out HTML is most of a paint."""
        cache = self._documents
        document = cache.get((text, width))
        if document is None:
            if len(cache) >= DOCUMENT_CACHE:
                cache.clear()
            document = QTextDocument()
            document.setDocumentMargin(4)
            document.setHtml(text)
            document.setTextWidth(width)
            cache[(text, width)] = document
        return document
