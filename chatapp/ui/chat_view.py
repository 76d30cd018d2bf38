"""The conversation: one block per message, Markdown replies, streaming appends, smart auto-scroll."""

from __future__ import annotations

import contextlib
import html
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QSize, Qt, QUrl, Signal
from PySide6.QtGui import QCursor, QEnterEvent, QGuiApplication, QPalette, QResizeEvent, QTextCursor
from PySide6.QtWidgets import (
    QApplication,
    QFrame,
    QGraphicsOpacityEffect,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QTextBrowser,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.generation import Candidate
from chatapp.core.storage.history import CANCELLED, INTERRUPTED, STREAMING, Branch, StoredMessage
from chatapp.core.storage.images import ImageRef
from chatapp.core.types import Attachment
from chatapp.ui import icons, token_view
from chatapp.ui.fold_button import FoldButton
from chatapp.ui.images import ImageStrip
from chatapp.ui.markdown import BlockTracker, MarkdownRenderer
from chatapp.ui.tool_cards import PermissionCard, ToolCard


def is_dark(widget: QWidget) -> bool:
    return widget.palette().color(QPalette.ColorRole.Window).lightness() < 128


class MessageText(QTextBrowser):
    """A QTextBrowser that is exactly as tall as its text and appends without re-rendering."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setOpenLinks(False)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.viewport().setAutoFillBackground(False)
        self.setStyleSheet("QTextBrowser { background: transparent; }")
        self.document().documentLayout().documentSizeChanged.connect(self._fit_height)
        self.growth_step = 0  # while streaming: grow in steps of this many pixels (see below)

    def _fit_height(self) -> None:
        """Be as tall as the text. While a reply streams, grow a few lines at a time: every height
        change re-lays out and repaints the whole conversation, which was most of the GUI's cost."""
        height = int(self.document().size().height()) + 4
        if self.growth_step:
            if self.height() >= height:
                return
            height = -(-height // self.growth_step) * self.growth_step
        if height != self.height():
            self.setFixedHeight(height)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        # Only a new width needs a new layout; height changes come from the text itself, and
        # re-laying out the whole document for them made streaming cost grow with reply length.
        width = self.viewport().width()
        if width != self.document().textWidth():
            self.document().setTextWidth(width)
            self._fit_height()

    def sizeHint(self) -> QSize:
        return QSize(400, int(self.document().size().height()) + 4)


class MessageWidget(QFrame):
    """One message: header (who, branch switcher, actions), body, and stats for replies."""

    copyRequested = Signal(str)
    editRequested = Signal(str)  # message id
    regenerateRequested = Signal()
    continueRequested = Signal(str)
    branchRequested = Signal(str, int)  # message id, -1 or +1
    tokensRequested = Signal(str, bool)  # message id, show (True) or back to the text (False)
    continueWithRequested = Signal(str, str)  # message id, the start of a new version of it
    readRequested = Signal(str, bool)  # message id, read it aloud (True) or stop (False)

    def __init__(self, message: StoredMessage, renderer: MarkdownRenderer, branch: Branch | None,
                 is_last: bool, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.message = message
        self.renderer = renderer
        self.is_last = is_last
        self.code_blocks: list[str] = []
        self._text = message.content
        self._rendered_upto = 0  # streaming: text before this is already rendered as Markdown
        self._tail_start = 0  # document position where the unrendered tail begins
        self._blocks = BlockTracker()
        self.setObjectName("assistantMessage" if message.role == "assistant" else "userMessage")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(10, 6, 10, 6)
        layout.setSpacing(2)
        header = QHBoxLayout()
        if message.role == "user":
            who = self.tr("You")
        else:
            who = self.tr("Assistant · {model}").format(model=message.model) if message.model else self.tr("Assistant")
        title = QLabel(f"<b>{html.escape(who)}</b>")
        header.addWidget(title)
        self.status_label = QLabel()
        self.status_label.setStyleSheet("color: #c0392b;")
        header.addWidget(self.status_label)
        header.addStretch(1)
        # Actions as icon buttons, shown while the pointer is over the message or a button has the
        # keyboard focus (they stay in the tab order), and always under the last reply.
        self.action_bar = QWidget()
        actions = QHBoxLayout(self.action_bar)
        actions.setContentsMargins(0, 0, 0, 0)
        actions.setSpacing(0)
        self._tools: list[tuple[QToolButton, str]] = []
        self._switcher = (self._tool("previous", self.tr("Previous version"),
                                     lambda: self.branchRequested.emit(message.id, -1)),
                          QLabel(),
                          self._tool("next", self.tr("Next version"), lambda: self.branchRequested.emit(message.id, 1)))
        for part in self._switcher:
            actions.addWidget(part)
        self.set_branch(branch)
        self.continue_button = self._tool("continue", self.tr("Continue this reply"),
                                          lambda: self.continueRequested.emit(message.id))
        self.continue_button.setText(self.tr("Continue"))
        self.continue_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        header.addWidget(self.continue_button)
        # Written with the token view on: a switch between the text and how each token was chosen.
        self.tokens_button = QToolButton()
        self.tokens_button.setText(self.tr("Tokens"))
        self.tokens_button.setCheckable(True)
        self.tokens_button.setToolTip(self.tr("Show how each token was chosen: coloured by how likely it was; "
                                              "click one to see the other candidates"))
        self.tokens_button.setAccessibleName(self.tr("How each token was chosen"))
        self.tokens_button.toggled.connect(lambda on: self.tokensRequested.emit(self.message.id, on))
        header.addWidget(self.tokens_button)
        self.token_view: list[tuple[Candidate, ...]] | None = None
        self.regenerate_button: QToolButton | None = None
        if message.role == "user":
            actions.addWidget(self._tool("edit", self.tr("Edit and resend"),
                                         lambda: self.editRequested.emit(message.id)))
        elif is_last:
            self.regenerate_button = self._tool("regenerate", self.tr("Write a new reply"),
                                                self.regenerateRequested.emit)
            actions.addWidget(self.regenerate_button)
        self.read_button: QToolButton | None = None
        if message.role == "assistant":
            self.read_button = self._tool("speaker", self.tr("Read aloud"), lambda: None)
            self.read_button.setObjectName("readButton")  # in the accent colour while it reads (ui/theme.py)
            self.read_button.setCheckable(True)
            self.read_button.toggled.connect(lambda on: self.readRequested.emit(message.id, on))
            self.read_button.toggled.connect(self._show_reading)
            actions.addWidget(self.read_button)
        actions.addWidget(self._tool("copy", self.tr("Copy this message"),
                                     lambda: self.copyRequested.emit(self._text)))
        self._fade = QGraphicsOpacityEffect(self.action_bar)
        self.action_bar.setGraphicsEffect(self._fade)
        self._set_actions_shown(False)
        header.addWidget(self.action_bar)
        layout.addLayout(header)

        # A reasoning model's thinking: "Thinking…" open while it streams, "Thought for N s" folded after.
        self.thinking_text = QLabel()
        self.thinking_text.setWordWrap(True)
        self.thinking_text.setTextFormat(Qt.TextFormat.PlainText)
        self.thinking_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.thinking_text.setStyleSheet("color: palette(mid); padding-left: 12px;")
        self.thinking_text.setAccessibleName(self.tr("The model's thinking"))
        self.thinking_toggle = FoldButton("", self.tr("Show or hide the model's thinking"), self.thinking_text)
        layout.addWidget(self.thinking_toggle, 0, Qt.AlignmentFlag.AlignLeft)
        layout.addWidget(self.thinking_text)
        self.thinking_toggle.hide()
        self._thinking = ""
        self._thinking_live = False  # the model is thinking now ("Thinking…" shown)
        self._streaming_since = 0.0

        self.images = ImageStrip()  # a user message's images, each opening full size
        self.images.setAccessibleName(self.tr("Images of this message"))
        layout.addWidget(self.images)
        self.body = MessageText()
        self.body.setAccessibleName(self.tr("Your message") if message.role == "user" else self.tr("Assistant message"))
        self.body.anchorClicked.connect(self._on_link)
        layout.addWidget(self.body)
        # Chat with documents: the files the excerpts came from, each opening the file.
        self.sources_label = QLabel()
        self.sources_label.setWordWrap(True)
        self.sources_label.setOpenExternalLinks(True)
        self.sources_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextBrowserInteraction)
        self.sources_label.setAccessibleName(self.tr("Sources of this reply"))
        self.sources_label.hide()
        layout.addWidget(self.sources_label)
        self.stats_label = QLabel()
        self.stats_label.setStyleSheet("color: palette(mid); font-size: small;")
        layout.addWidget(self.stats_label)
        self.set_message(message)

    def format_stats(self, stats: dict[str, Any]) -> str:
        """The line under a reply: tokens, speed, first-token time, speculation, dropped messages."""
        if not stats:
            return ""
        tokens = int(stats.get("completion_tokens", 0))
        parts = [self.tr("%n token(s)", "", tokens)]
        if stats.get("tokens_per_s"):
            rate = float(stats["tokens_per_s"])
            parts.append(self.tr("{rate:.1f} tok/s").format(rate=rate))
        if stats.get("ttft_s") is not None:
            seconds = float(stats["ttft_s"])
            parts.append(self.tr("first token {seconds:.2f} s").format(seconds=seconds))
        if stats.get("draft_tokens"):
            parts.append(self.tr("{kept} of {drafted} guessed tokens kept").format(
                kept=stats.get("accepted_tokens", 0), drafted=stats["draft_tokens"]))
        if stats.get("dropped_messages"):
            dropped = int(stats["dropped_messages"])
            parts.append(self.tr("%n old message(s) left out of context", "", dropped))
        if "retrieved_chunks" in stats:
            parts.append(self.tr("%n excerpt(s) found in {ms:.0f} ms", "", int(stats["retrieved_chunks"])).format(
                ms=float(stats.get("retrieval_ms", 0))))
        return " · ".join(parts)

    def format_sources(self, sources: list[dict[str, Any]]) -> str:
        """"Sources: [1] notes.md · [2] report.pdf, page 3", each a link that opens the file."""
        links = []
        for source in sources:
            path = Path(str(source.get("path", "")))
            page = source.get("page")
            label = (self.tr("{name}, page {page}").format(name=path.name, page=page) if page is not None
                     else path.name)
            url = QUrl.fromLocalFile(str(path)).toString()
            links.append(f'<a href="{html.escape(url)}" title="{html.escape(str(path))}">'
                         f'[{int(source.get("n", 0))}] {html.escape(label)}</a>')
        return self.tr("Sources: {links}").format(links=" · ".join(links))

    def set_branch(self, branch: Branch | None) -> None:
        """Where this message sits among its versions: ‹ n/m ›, or nothing when it is the only one."""
        self.branch = branch
        shown = branch is not None and branch.count > 1
        for part in self._switcher:
            part.setVisible(shown)
        if branch is not None and shown:
            self._switcher[1].setText(f"{branch.index + 1}/{branch.count}")

    def shows(self, message: StoredMessage, branch: Branch | None, is_last: bool) -> bool:
        """Whether this widget already displays exactly that (so it can stay)."""
        same_branch = (self.branch is None or self.branch.count < 2) and (branch is None or branch.count < 2)
        return (self.message == message and self.message.stats == message.stats and self.is_last == is_last
                and (same_branch or self.branch == branch))

    def _tool(self, icon_name: str, tip: str, slot: object) -> QToolButton:
        button = QToolButton()
        button.setIcon(icons.icon(icon_name))
        button.setIconSize(QSize(16, 16))
        button.setToolTip(tip)
        button.setAccessibleName(tip)
        button.setAutoRaise(True)
        button.clicked.connect(slot)
        button.installEventFilter(self)
        self._tools.append((button, icon_name))
        return button

    # ----- actions on hover and focus ------------------------------------------------------------------
    def _set_actions_shown(self, shown: bool) -> None:
        always = self.is_last and self.message.role == "assistant"
        self._fade.setOpacity(1.0 if shown or always else 0.0)

    def enterEvent(self, event: QEnterEvent) -> None:
        self._set_actions_shown(True)
        super().enterEvent(event)

    def leaveEvent(self, event: QEvent) -> None:
        focused = QApplication.focusWidget()
        self._set_actions_shown(focused is not None and self.action_bar.isAncestorOf(focused))
        super().leaveEvent(event)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.FocusIn:
            self._set_actions_shown(True)
        elif event.type() == QEvent.Type.FocusOut and not self.underMouse():
            self._set_actions_shown(False)
        return super().eventFilter(watched, event)

    def refresh_icons(self) -> None:
        """Redraw the icons in the current theme's colours."""
        for button, name in self._tools:
            button.setIcon(icons.icon(name))

    # ----- thinking -----------------------------------------------------------------------------------
    def _set_thinking(self, thinking: str, done: bool, seconds: float | None) -> None:
        self._thinking = thinking
        self._thinking_live = not done
        self.thinking_text.setText(thinking)
        if done:
            self.thinking_toggle.setText(self.tr("Thought for {seconds:.0f} s").format(seconds=seconds)
                                         if seconds is not None else self.tr("Thoughts"))
        else:
            self.thinking_toggle.setText(self.tr("Thinking…"))
        self.thinking_toggle.show()
        self.thinking_toggle.setChecked(not done)  # open while thinking, folded when done

    # ----- content ------------------------------------------------------------------------------------
    def set_message(self, message: StoredMessage) -> None:
        """Show a finished (or stored) message: one full render."""
        self.message = message
        self.body.growth_step = 0
        self._text = message.content
        if message.role == "assistant":
            if message.thinking:
                seconds = message.stats.get("thinking_s")
                self._set_thinking(message.thinking, bool(message.content) or message.status != STREAMING,
                                   float(seconds) if seconds is not None else None)
            else:
                self.thinking_toggle.hide()
                self.thinking_text.hide()
            shown = _as_formatted_json(self._text) if message.stats.get("output") in ("json_schema", "json_object") \
                else self._text
            if message.tool_calls and not shown.strip():  # a reply that only called tools
                names = ", ".join(c.name for c in message.tool_calls)
                shown = "*" + self.tr("Calling {names}…").format(names=names) + "*"
            rendered = self.renderer.render(shown)
            self.code_blocks = rendered.code_blocks
            self.body.setHtml(rendered.html)
        else:
            self.body.setPlainText(message.content)
        self._rendered_upto = len(self._text)
        status = {INTERRUPTED: self.tr("interrupted"), CANCELLED: self.tr("stopped")}.get(message.status, "")
        self.status_label.setText(status)
        self.status_label.setStyleSheet("color: #c0392b;")
        if self.regenerate_button is not None:
            self.regenerate_button.show()
        self.continue_button.setVisible(message.status in (INTERRUPTED, CANCELLED) and message.role == "assistant")
        self.tokens_button.setVisible(message.has_token_view and message.status != STREAMING)
        self.token_view = None
        self.tokens_button.blockSignals(True)  # the text is shown again; nothing to ask for
        self.tokens_button.setChecked(False)
        self.tokens_button.blockSignals(False)
        self.stats_label.setText(self.format_stats(message.stats))
        self.stats_label.setVisible(bool(message.stats))
        sources = message.stats.get("sources") or []
        self.sources_label.setText(self.format_sources(sources) if sources else "")
        self.sources_label.setVisible(bool(sources))

    def start_streaming(self) -> None:
        self._streaming_since = time.monotonic()
        self._text = self.message.content  # continuing: what is there
        if self.message.thinking:
            self._set_thinking(self.message.thinking, bool(self._text), None)
        rendered = self.renderer.render(self._text) if self._text else None
        self.body.setHtml(rendered.html if rendered else "")
        self.code_blocks = rendered.code_blocks if rendered else []
        self._rendered_upto = len(self._text)
        self._blocks = BlockTracker()
        self._blocks.feed(self._text)
        self._tail_start = self._end_position()
        self.body.growth_step = 4 * self.body.fontMetrics().lineSpacing()
        self.status_label.setText(self.tr("writing…"))
        self.status_label.setStyleSheet("color: palette(mid);")
        if self.regenerate_button is not None:
            self.regenerate_button.hide()
        self.continue_button.hide()
        self.stats_label.hide()

    def append(self, thinking: str, answer: str) -> None:
        """Add streamed text: thinking to the thinking block, the answer to the body."""
        if thinking:
            if not self._thinking_live:
                self._set_thinking(self._thinking, False, None)
            self._thinking += thinking
            self.thinking_text.setText(self._thinking)
        if answer:
            if self._thinking_live:
                self._set_thinking(self._thinking, True, time.monotonic() - self._streaming_since)
            self._append_answer(answer)

    def _append_answer(self, text: str) -> None:
        """Add streamed answer text: finished Markdown blocks are rendered once, the open tail shown as text.

        The document holds [rendered blocks][tail]. Text that does not finish a block is simply
        appended to the tail; when a block finishes, the tail (from `_tail_start`) is replaced by
        the block's HTML plus what is left open. Each character is laid out about twice in all.
        """
        tail_before = len(self._text) - self._rendered_upto
        self._text += text
        boundary = self._blocks.feed(self._text)
        cursor = QTextCursor(self.body.document())
        if boundary <= self._rendered_upto:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            if tail_before == 0 and cursor.position() > 0:
                cursor.insertBlock()  # the tail starts its own block
            cursor.insertText(text)
            return
        cursor.setPosition(self._tail_start)
        cursor.movePosition(QTextCursor.MoveOperation.End, QTextCursor.MoveMode.KeepAnchor)
        cursor.removeSelectedText()
        rendered = self.renderer.render(self._text[self._rendered_upto : boundary], len(self.code_blocks))
        if cursor.position() > 0:
            cursor.insertBlock()
        cursor.insertHtml(rendered.html)
        self.code_blocks += rendered.code_blocks
        self._rendered_upto = boundary
        self._tail_start = self._end_position()
        tail = self._text[boundary:]
        if tail:
            cursor.movePosition(QTextCursor.MoveOperation.End)
            cursor.insertBlock()
            cursor.insertText(tail)

    def _end_position(self) -> int:
        cursor = QTextCursor(self.body.document())
        cursor.movePosition(QTextCursor.MoveOperation.End)
        return cursor.position()

    def set_reading(self, reading: bool) -> None:
        """The Read aloud button pressed while it is being read (without asking again)."""
        if self.read_button is not None:
            self.read_button.blockSignals(True)
            self.read_button.setChecked(reading)
            self.read_button.blockSignals(False)
            self._show_reading(reading)

    def _show_reading(self, reading: bool) -> None:
        """The Read aloud button as a Stop button while the message is read."""
        assert self.read_button is not None
        name = "stop" if reading else "speaker"
        role = QPalette.ColorRole.HighlightedText if reading else QPalette.ColorRole.ButtonText
        self.read_button.setIcon(icons.icon(name, role))  # white on the pressed button's accent
        self.read_button.setToolTip(self.tr("Stop reading") if reading else self.tr("Read aloud"))
        self.read_button.setAccessibleName(self.read_button.toolTip())
        self._tools = [(b, name if b is self.read_button else n) for b, n in self._tools]

    @property
    def text(self) -> str:
        return self._text

    def show_tokens(self, view: list[tuple[Candidate, ...]] | None) -> None:
        """The reply as its tokens, coloured by probability (None: the text again)."""
        self.token_view = view
        if view is None:
            self.set_message(self.message)
            return
        self.body.setHtml(token_view.render(view, is_dark(self)))

    def _show_candidates(self, first: int) -> None:
        assert self.token_view is not None
        unit = token_view.unit_at(self.token_view, first)
        if unit is None:
            return
        self.candidates = token_view.TokenCandidates(unit, self)
        view = self.token_view
        self.candidates.continueWith.connect(lambda index, data: self.continueWithRequested.emit(
            self.message.id, token_view.reply_start(self.message.content, view, index, data)))
        self.candidates.move(QCursor.pos())
        self.candidates.show()

    def _on_link(self, url: QUrl) -> None:
        """Our own copy:N and tok:N links (a code block's Copy, a token of the token view); a model-written
        link is never followed."""
        if url.scheme() == "tok" and self.token_view is not None:
            with contextlib.suppress(ValueError):
                self._show_candidates(int(url.path() or url.toString().split(":", 1)[1]))
            return
        if url.scheme() == "copy":
            try:
                index = int(url.path() or url.toString().split(":", 1)[1])
            except ValueError:  # "copy:x" written by the model: not one of ours
                return
            if 0 <= index < len(self.code_blocks):
                self.copyRequested.emit(self.code_blocks[index])




def _as_formatted_json(text: str) -> str:
    """A reply held to a JSON schema, shown as an indented JSON code block (with Copy); left as it is if
    it does not parse (a reply cut off at the token limit)."""
    try:
        value = json.loads(text)
    except ValueError:
        return text
    return "```json\n" + json.dumps(value, indent=2, ensure_ascii=False) + "\n```"


COLUMN_WIDTH = 860  # px: about 100 characters of body text, the comfortable limit for reading
COLUMN_MARGIN = 16


class ChatView(QScrollArea):
    """The message list. Follows new text while the user is at the bottom; stops when they scroll up."""

    copyRequested = Signal(str)
    editRequested = Signal(str)
    regenerateRequested = Signal()
    continueRequested = Signal(str)
    branchRequested = Signal(str, int)
    tokensRequested = Signal(str, bool)
    continueWithRequested = Signal(str, str)
    readRequested = Signal(str, bool)
    examplePicked = Signal(str)  # an example prompt from the empty state, to send as the user's message
    permissionAnswered = Signal(int, str)  # request id, "allow" | "always" | "deny"

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWidgetResizable(True)
        self.setFrameShape(QFrame.Shape.NoFrame)
        self.setAccessibleName(self.tr("Conversation"))
        self._container = QWidget()
        self._layout = QVBoxLayout(self._container)
        self._layout.setContentsMargins(COLUMN_MARGIN, 12, COLUMN_MARGIN, 12)
        self._layout.setSpacing(10)
        self.empty_hint = QLabel(
            self.tr("Start the conversation below.\nReplies are written on this computer; nothing leaves it.")
        )
        self.empty_hint.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.empty_hint.setStyleSheet("color: palette(mid); font-size: 14px;")
        # The empty state: the hint and a few prompts to start with (one click sends it).
        self.empty_state = QWidget()
        empty = QVBoxLayout(self.empty_state)
        empty.addStretch(1)
        empty.addWidget(self.empty_hint)
        empty.addSpacing(12)
        self.example_buttons: list[QPushButton] = []
        for prompt in (self.tr("Explain what quantization does to a language model, in one paragraph."),
                       self.tr("Write a short poem about the sea."),
                       self.tr("Give me three ideas for a weekend project with my kids.")):
            button = QPushButton(prompt)
            button.setAccessibleName(self.tr("Example prompt: {prompt}").format(prompt=prompt))
            button.setCursor(Qt.CursorShape.PointingHandCursor)
            button.clicked.connect(lambda _checked=False, p=prompt: self.examplePicked.emit(p))
            empty.addWidget(button, 0, Qt.AlignmentFlag.AlignHCenter)
            self.example_buttons.append(button)
        empty.addStretch(1)
        self._layout.addWidget(self.empty_state, 1)
        self._layout.addStretch(1)
        self.setWidget(self._container)
        self.renderer = MarkdownRenderer(dark=is_dark(self))
        self.widgets: dict[str, MessageWidget | ToolCard] = {}
        # Reads a stored message's image (the history's image store); set by the window.
        self.image_loader: Callable[[ImageRef], Attachment | None] | None = None
        self.permission_cards: dict[int, PermissionCard] = {}
        self.follow = True
        bar = self.verticalScrollBar()
        bar.valueChanged.connect(self._on_scrolled)
        bar.rangeChanged.connect(self._on_range_changed)

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Keep the conversation a centred column of readable width on wide windows."""
        side = max(COLUMN_MARGIN, (event.size().width() - COLUMN_WIDTH) // 2)
        margins = self._layout.contentsMargins()
        if margins.left() != side:
            self._layout.setContentsMargins(side, margins.top(), side, margins.bottom())
        super().resizeEvent(event)

    def warm_up(self) -> None:
        """Load markdown-it and Pygments now (after the window shows), not during the first reply."""
        self.renderer.render("`x`\n\n```python\nx = 1\n```\n")

    def set_dark(self, dark: bool) -> None:
        """Re-render the conversation's Markdown with the code theme of the new light/dark theme."""
        self.renderer = MarkdownRenderer(dark=dark)
        for widget in self.widgets.values():
            if not isinstance(widget, MessageWidget):
                continue
            widget.renderer = self.renderer
            widget.refresh_icons()
            if widget.message.status != STREAMING:
                widget.set_message(widget.message)

    def _on_scrolled(self, value: int) -> None:
        self.follow = value >= self.verticalScrollBar().maximum() - 8

    def _on_range_changed(self, _min: int, maximum: int) -> None:
        if self.follow:
            self.verticalScrollBar().setValue(maximum)

    def show_path(self, path: list[StoredMessage], branches: dict[str, Branch] | None = None) -> None:
        """Show `path`, keeping the widgets of the leading messages that did not change (a new turn
        rebuilds one or two blocks, not the whole conversation). Without `branches`, the ‹ n/m › counters
        on screen stay and new messages show none until `set_branches`."""
        if branches is None:
            branches = self.branches_shown()
        current = list(self.widgets.values())
        keep = 0
        while (keep < min(len(current), len(path))
               and current[keep].shows(path[keep], branches.get(path[keep].id), keep == len(path) - 1)):
            keep += 1
        for widget in current[keep:]:
            del self.widgets[widget.message.id]
            widget.setParent(None)
            widget.deleteLater()
        for i in range(keep, len(path)):
            self._add(path[i], branches.get(path[i].id), is_last=i == len(path) - 1)
        self.empty_state.setVisible(not path)
        if keep == 0:  # another conversation or branch: start at its end
            self.follow = True
            self.scroll_to_bottom()

    def branches_shown(self) -> dict[str, Branch]:
        return {message_id: widget.branch for message_id, widget in self.widgets.items()
                if isinstance(widget, MessageWidget) and widget.branch is not None}

    def set_branches(self, branches: dict[str, Branch]) -> None:
        """Update the ‹ n/m › counters of the messages shown, in place (a reply streaming keeps its text)."""
        for message_id, branch in branches.items():
            widget = self.widgets.get(message_id)
            if isinstance(widget, MessageWidget):
                widget.set_branch(branch)

    def _add(self, message: StoredMessage, branch: Branch | None, is_last: bool) -> MessageWidget | ToolCard:
        if message.role == "tool":  # a call's result: a folded card
            card = ToolCard(message)
            self._layout.insertWidget(self._layout.count() - 1, card)
            self.widgets[message.id] = card
            return card
        widget = MessageWidget(message, self.renderer, branch, is_last)
        if message.images and self.image_loader is not None:
            widget.images.set_images([i for ref in message.images if (i := self.image_loader(ref)) is not None])
        widget.copyRequested.connect(self.copyRequested)
        widget.editRequested.connect(self.editRequested)
        widget.regenerateRequested.connect(self.regenerateRequested)
        widget.continueRequested.connect(self.continueRequested)
        widget.branchRequested.connect(self.branchRequested)
        widget.tokensRequested.connect(self.tokensRequested)
        widget.continueWithRequested.connect(self.continueWithRequested)
        widget.readRequested.connect(self.readRequested)
        self._layout.insertWidget(self._layout.count() - 1, widget)
        self.widgets[message.id] = widget
        if message.status == STREAMING:
            widget.start_streaming()
        return widget

    def start_reply(self, message: StoredMessage) -> None:
        self.empty_state.hide()
        widget = self.widgets.get(message.id) or self._add(message, None, is_last=True)
        if isinstance(widget, MessageWidget):
            widget.start_streaming()

    def add_tool_result(self, message: StoredMessage) -> None:
        """A call that just ran, under the reply that made it."""
        if message.id not in self.widgets:
            self._add(message, None, is_last=False)

    def ask_permission(self, request_id: int, name: str, server: str, arguments: str) -> PermissionCard:
        """The card that asks before a tool runs, at the end of the conversation."""
        card = PermissionCard(request_id, name, server, arguments)
        card.answered.connect(self._on_permission)
        self._layout.insertWidget(self._layout.count() - 1, card)
        self.permission_cards[request_id] = card
        self.follow = True
        return card

    def _on_permission(self, request_id: int, decision: str) -> None:
        card = self.permission_cards.pop(request_id, None)
        if card is not None:
            card.setParent(None)
            card.deleteLater()
        self.permissionAnswered.emit(request_id, decision)

    def drop_permission_card(self, request_id: int) -> None:
        """A question no longer waiting (answered here, or its turn was stopped)."""
        card = self.permission_cards.pop(request_id, None)
        if card is not None:
            card.setParent(None)
            card.deleteLater()

    def drop_permission_cards(self) -> None:
        """A turn that ended (stopped) while asking: its questions go away unanswered."""
        for request_id in list(self.permission_cards):
            card = self.permission_cards.pop(request_id)
            card.setParent(None)
            card.deleteLater()

    def append(self, message_id: str, thinking: str, answer: str) -> None:
        widget = self.widgets.get(message_id)
        if isinstance(widget, MessageWidget):
            widget.append(thinking, answer)

    def finish_reply(self, message: StoredMessage) -> None:
        widget = self.widgets.get(message.id)
        if isinstance(widget, MessageWidget):
            widget.set_message(message)

    def scroll_to_bottom(self) -> None:
        bar = self.verticalScrollBar()
        bar.setValue(bar.maximum())

    def scroll_to(self, message_id: str) -> None:
        widget = self.widgets.get(message_id)
        if widget is not None:
            self.follow = False
            self.ensureWidgetVisible(widget, 0, 40)

    def last_reply_text(self) -> str:
        for widget in reversed(list(self.widgets.values())):
            if widget.message.role == "assistant" and widget.text:
                return widget.text
        return ""


def copy_to_clipboard(text: str) -> None:
    QGuiApplication.clipboard().setText(text)
