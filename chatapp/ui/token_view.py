"""How each token of a reply was chosen: the reply coloured by the probability each token was drawn
with, and, for a clicked token, the model's likeliest candidates there — their probability under the
model and under the chat's settings, which setting cut which, the one drawn — with "Continue with
this one" for another candidate (a new version of the reply from that point).

A token may hold part of a character (Chinese characters are often two or three tokens of UTF-8
bytes): tokens are grouped into units whose bytes decode whole, and a unit shows all its tokens.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.errors import QT_TRANSLATE_NOOP
from chatapp.core.generation import Candidate

CUT_NAMES = {
    "top-k": QT_TRANSLATE_NOOP("TokenCandidates", "cut by top-k"),
    "top-p": QT_TRANSLATE_NOOP("TokenCandidates", "cut by top-p"),
    "min-p": QT_TRANSLATE_NOOP("TokenCandidates", "cut by min-p"),
    "greedy": QT_TRANSLATE_NOOP("TokenCandidates", "not the likeliest (temperature 0)"),
    "typical": QT_TRANSLATE_NOOP("TokenCandidates", "cut by typical-p"),
    "sampler": QT_TRANSLATE_NOOP("TokenCandidates", "cut by the sampler"),
    "grammar": QT_TRANSLATE_NOOP("TokenCandidates", "required by the output format (nothing kept was allowed)"),
}


@dataclass(frozen=True)
class Unit:
    """Consecutive tokens whose bytes make whole characters, as shown in the reply."""

    first: int  # index of its first token in the reply
    tokens: tuple[tuple[Candidate, ...], ...]

    @property
    def text(self) -> str:
        return b"".join(drawn(c).data for c in self.tokens).decode("utf-8", errors="replace")

    @property
    def probability(self) -> float:
        """The chance the draw made this unit: the product of its tokens' (a character in three tokens is
        as sure as its least sure part, and less)."""
        p = 1.0
        for candidates in self.tokens:
            p *= drawn(candidates).sampler_p
        return p


def drawn(candidates: Sequence[Candidate]) -> Candidate:
    return next((c for c in candidates if c.drawn), candidates[0])


def units(view: Sequence[tuple[Candidate, ...]]) -> list[Unit]:
    """The reply's tokens grouped so that each group's bytes decode to whole characters."""
    grouped: list[Unit] = []
    start, pending = 0, b""
    for i, candidates in enumerate(view):
        pending += drawn(candidates).data
        try:
            pending.decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.reason == "unexpected end of data" and i + 1 < len(view) and i + 1 - start < 4:
                continue  # part of a character: the next token completes it
        grouped.append(Unit(start, tuple(view[start:i + 1])))
        start, pending = i + 1, b""
    return grouped


def colour(p: float, dark: bool) -> str:
    """Sure tokens plain, unlikely ones warmer: a background from none (p = 1) to orange-red (p → 0)."""
    strength = min(1.0, max(0.0, 1.0 - p)) ** 0.7
    alpha = int(170 * strength)
    return f"rgba(230, 90, 40, {alpha})" if not dark else f"rgba(255, 120, 60, {alpha})"


def render(view: Sequence[tuple[Candidate, ...]], dark: bool = False) -> str:
    """The reply as HTML: each unit a link (`tok:INDEX`) on its colour, white space kept. Qt drops a link
    around nothing but line breaks, so such a token is shown as a faint ↵ before them: every token can
    be clicked."""
    ink = "#e8e8e8" if dark else "#1d1d1f"  # a token is a link, but reads as text
    parts = ['<div style="white-space: pre-wrap; line-height: 150%;">']
    faint = "#8a8a8e"
    for unit in units(view):
        text = unit.text
        style = f"text-decoration: none; background-color: {colour(unit.probability, dark)};"
        if text.strip("\n"):
            parts.append(f'<a href="tok:{unit.first}" style="color: {ink}; {style}">{html.escape(text)}</a>')
        else:  # a line break alone (or a token with no text) has nothing to click: a faint mark stands in
            mark = "↵" if text else "∅"
            parts.append(f'<a href="tok:{unit.first}" style="color: {faint}; {style}">{mark}</a>{text}')
    parts.append("</div>")
    return "".join(parts)


def unit_at(view: Sequence[tuple[Candidate, ...]], first: int) -> Unit | None:
    return next((u for u in units(view) if u.first == first), None)


def reply_start(content: str, view: Sequence[tuple[Candidate, ...]], index: int, data: bytes) -> str:
    """The start of a new version of a reply: its text up to token `index`, then `data` instead of that
    token (text before the tokens the view covers, as a continued reply has, is kept)."""
    written = b"".join(drawn(c).data for c in view).decode("utf-8", errors="replace")
    lead = content[: len(content) - len(written)] if content.endswith(written) else ""
    before = b"".join(drawn(c).data for c in view[:index])
    return lead + (before + data).decode("utf-8", errors="replace")


def shown_bytes(data: bytes) -> str:
    """A token's text for the table: visible spaces and line breaks, bytes of a split character in hex."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return " ".join(f"\\x{b:02x}" for b in data)
    return text.replace(" ", "␣").replace("\n", "↵") or "∅"


class TokenCandidates(QFrame):
    """The candidates at one unit of a reply; `continueWith(token index, candidate bytes)` asks for a new
    version of the reply that has that candidate there instead."""

    continueWith = Signal(int, bytes)

    def __init__(self, unit: Unit, parent: QWidget | None = None) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAccessibleName(self.tr("How this token was chosen"))
        layout = QVBoxLayout(self)
        self.rows: list[tuple[Candidate, QPushButton | None]] = []
        for offset, candidates in enumerate(unit.tokens):
            index = unit.first + offset
            title = QLabel(self.tr("<b>Token {n}</b>: “{text}” was drawn with {p:.1%}").format(
                n=index + 1, text=html.escape(shown_bytes(drawn(candidates).data)), p=drawn(candidates).sampler_p))
            layout.addWidget(title)
            grid = QGridLayout()
            for column, heading in enumerate((self.tr("candidate"), self.tr("model"), self.tr("after settings"), "")):
                label = QLabel(f"<i>{heading}</i>")
                grid.addWidget(label, 0, column)
            for row, c in enumerate(candidates, start=1):
                name = QLabel(("▶ " if c.drawn else "") + shown_bytes(c.data))
                name.setTextFormat(Qt.TextFormat.PlainText)
                grid.addWidget(name, row, 0)
                grid.addWidget(QLabel(f"{c.model_p:.1%}"), row, 1)
                grid.addWidget(QLabel(f"{c.sampler_p:.1%}" if not c.cut_by else
                                      self.tr(CUT_NAMES.get(c.cut_by, c.cut_by))), row, 2)
                button = None
                if not c.drawn:
                    button = QPushButton(self.tr("Continue with this one"))
                    button.setAutoDefault(False)
                    button.clicked.connect(lambda _=False, i=index, d=c.data: self._choose(i, d))
                    grid.addWidget(button, row, 3)
                self.rows.append((c, button))
            layout.addLayout(grid)
        note = QLabel(self.tr("“Model” is the probability the model gave; “after settings”, the one the draw used "
                              "after temperature, top-k, top-p, min-p and the repeat penalty."))
        note.setWordWrap(True)
        note.setStyleSheet("color: palette(mid);")
        layout.addWidget(note)

    def _choose(self, index: int, data: bytes) -> None:
        self.continueWith.emit(index, data)
        self.close()
