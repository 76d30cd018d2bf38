"""The app's look, in one place: a light and a dark palette and one stylesheet, on Qt's Fusion style
(the same on every platform, and it honours palettes, which native styles partly ignore).

`apply(app, choice)` follows the system colour scheme for "system" and re-applies when the system
switches; the chat re-renders its Markdown with the matching code theme (ChatView.set_dark).
Colours meet 4.5:1 contrast for text on their backgrounds in both themes (checked in the tests).
"""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

CHOICES = ("system", "light", "dark")


@dataclass(frozen=True)
class Colours:
    window: str
    surface: str  # panels, inputs
    text: str
    muted: str  # secondary text (stats, hints)
    accent: str  # selection, focus, the Send button
    accent_text: str
    user_bubble: str
    assistant_bubble: str
    border: str
    error: str


LIGHT = Colours(window="#f6f7f9", surface="#ffffff", text="#1d1f23", muted="#5f6670", accent="#2f6fdd",
                accent_text="#ffffff", user_bubble="#e7effc", assistant_bubble="#ffffff", border="#d9dde3",
                error="#b3261e")
DARK = Colours(window="#1b1d21", surface="#24272c", text="#e6e8eb", muted="#a2a9b3", accent="#6ea1ff",
               accent_text="#0e1116", user_bubble="#263246", assistant_bubble="#24272c", border="#3a3f47",
               error="#ff8a80")


def system_is_dark() -> bool:
    return QGuiApplication.styleHints().colorScheme() == Qt.ColorScheme.Dark


def is_dark_choice(choice: str) -> bool:
    return choice == "dark" or (choice == "system" and system_is_dark())


def palette(c: Colours) -> QPalette:
    p = QPalette()
    role = QPalette.ColorRole
    for r, colour in ((role.Window, c.window), (role.Base, c.surface), (role.AlternateBase, c.window),
                      (role.Button, c.surface), (role.Text, c.text), (role.WindowText, c.text),
                      (role.ButtonText, c.text), (role.ToolTipBase, c.surface), (role.ToolTipText, c.text),
                      (role.PlaceholderText, c.muted), (role.Mid, c.muted), (role.Highlight, c.accent),
                      (role.HighlightedText, c.accent_text), (role.Link, c.accent), (role.Light, c.surface),
                      (role.Midlight, c.border), (role.Dark, c.border), (role.Shadow, c.border)):
        p.setColor(r, QColor(colour))
    for r in (role.Text, role.WindowText, role.ButtonText):
        p.setColor(QPalette.ColorGroup.Disabled, r, QColor(c.muted))
    return p


def stylesheet(c: Colours) -> str:
    return f"""
    QMainWindow, QDialog {{ background: {c.window}; }}
    QScrollArea, QScrollArea > QWidget > QWidget {{ background: transparent; }}
    #assistantMessage, #userMessage {{ border: 1px solid {c.border}; border-radius: 10px; }}
    #assistantMessage {{ background: {c.assistant_bubble}; }}
    #userMessage {{ background: {c.user_bubble}; border-color: {c.user_bubble}; }}
    QGroupBox {{ border: 1px solid {c.border}; border-radius: 8px; margin-top: 14px; padding: 8px 6px 6px 6px; }}
    QGroupBox::title {{ subcontrol-origin: margin; left: 8px; padding: 0 4px; color: {c.muted}; font-weight: 600; }}
    QPlainTextEdit, QLineEdit, QListWidget, QTableWidget {{
        background: {c.surface}; border: 1px solid {c.border}; border-radius: 6px; padding: 3px; }}
    QPlainTextEdit:focus, QLineEdit:focus {{ border-color: {c.accent}; }}
    #composerBox {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 12px; }}
    #composerBox[focused="true"] {{ border-color: {c.accent}; }}
    #composerInput {{ border: none; background: transparent; padding: 2px; }}
    QPushButton {{ background: {c.surface}; border: 1px solid {c.border}; border-radius: 6px; padding: 5px 12px; }}
    QPushButton:hover {{ border-color: {c.accent}; }}
    QPushButton:default, #sendButton {{ background: {c.accent}; color: {c.accent_text}; border-color: {c.accent};
        font-weight: 600; }}
    QToolButton {{ border-radius: 4px; padding: 2px 6px; color: {c.muted}; }}
    QToolButton:hover, QToolButton:focus {{ background: {c.border}; color: {c.text}; }}
    #voiceButton:checked, #readButton:checked {{ background: {c.accent}; color: {c.accent_text}; }}
    #micButton:checked {{ background: #d93a3a; }}
    QStatusBar {{ color: {c.muted}; }}
    QToolTip {{ background: {c.surface}; color: {c.text}; border: 1px solid {c.border}; }}
    """


def apply(app: QApplication, choice: str) -> bool:
    """Apply the theme for `choice` ("system", "light", "dark"); returns whether it is dark."""
    dark = is_dark_choice(choice)
    colours = DARK if dark else LIGHT
    app.setStyle(QStyleFactory.create("Fusion"))
    app.setPalette(palette(colours))
    app.setStyleSheet(stylesheet(colours))
    return dark
