"""The look: light and dark themes with readable contrast, switched at once from the settings."""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from chatapp.app import App
from chatapp.core.storage.paths import default_paths
from chatapp.core.storage.settings import load_settings
from chatapp.ui import theme


def contrast(a: str, b: str) -> float:
    """WCAG 2 contrast ratio of two colours."""
    def luminance(hex_colour: str) -> float:
        c = QColor(hex_colour)
        channels = []
        for v in (c.redF(), c.greenF(), c.blueF()):
            channels.append(v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4)
        r, g, b_ = channels
        return 0.2126 * r + 0.7152 * g + 0.0722 * b_
    hi, lo = sorted((luminance(a), luminance(b)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


@pytest.mark.parametrize("colours", [theme.LIGHT, theme.DARK], ids=["light", "dark"])
def test_text_is_readable_on_every_background(colours: theme.Colours) -> None:
    for background in (colours.window, colours.surface, colours.user_bubble, colours.assistant_bubble):
        assert contrast(colours.text, background) >= 4.5, background
        assert contrast(colours.muted, background) >= 4.5, background
    assert contrast(colours.accent_text, colours.accent) >= 4.5  # the Send button
    assert contrast(colours.error, colours.window) >= 4.5


def test_the_theme_switches_without_a_restart(qtbot, isolated_dirs) -> None:
    app = App(default_paths())
    qtbot.addWidget(app.window)
    app.window.show()
    try:
        qt_app = QApplication.instance()
        box = app.window.sections.theme_box
        box.combo.setCurrentIndex(box.combo.findData("dark"))
        assert qt_app.palette().color(QPalette.ColorRole.Window).name() == theme.DARK.window
        assert app.window.chat.renderer._code_bg == "#272822"  # code blocks in the dark code theme
        assert load_settings(app.paths.settings_file).theme == "dark"
        box.combo.setCurrentIndex(box.combo.findData("light"))
        assert qt_app.palette().color(QPalette.ColorRole.Window).name() == theme.LIGHT.window
        assert app.window.chat.renderer._code_bg == "#f4f4f4"
    finally:
        app.window.close()
        app.close()
