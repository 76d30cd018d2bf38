"""The app's line icons (resources/icons/*.svg), drawn in the theme's text colour at the screen's pixel
density, so they are crisp on HiDPI screens and readable in light and dark themes alike."""

from __future__ import annotations

from functools import lru_cache

from PySide6.QtCore import QByteArray, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QGuiApplication, QIcon, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer

from chatapp.core.storage.paths import resource_path

PLACEHOLDER = "#000000"  # the colour the SVG files are drawn in, replaced by the theme's
SIZES = (16, 20, 24, 32)


def icon(name: str, role: QPalette.ColorRole = QPalette.ColorRole.ButtonText) -> QIcon:
    """`resources/icons/{name}.svg` in the current palette's colour for `role` (text on buttons by
    default; HighlightedText on an accent-coloured button), greyed when disabled."""
    palette = QGuiApplication.palette()
    normal = palette.color(QPalette.ColorGroup.Active, role).name()
    disabled = palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText).name()
    return _icon(name, normal, disabled, _ratio())


def _ratio() -> float:
    screen = QGuiApplication.primaryScreen()
    return screen.devicePixelRatio() if screen is not None else 1.0


@lru_cache(maxsize=128)
def _icon(name: str, colour: str, disabled: str, ratio: float) -> QIcon:
    svg = resource_path(f"icons/{name}.svg").read_text(encoding="utf-8")
    result = QIcon()
    for mode, fill in ((QIcon.Mode.Normal, colour), (QIcon.Mode.Disabled, disabled)):
        renderer = QSvgRenderer(QByteArray(svg.replace(PLACEHOLDER, fill).encode()))
        for size in SIZES:
            pixmap = QPixmap(QSize(round(size * ratio), round(size * ratio)))
            pixmap.fill(QColor(Qt.GlobalColor.transparent))
            painter = QPainter(pixmap)
            painter.setRenderHint(QPainter.RenderHint.Antialiasing)
            renderer.render(painter, QRectF(0, 0, pixmap.width(), pixmap.height()))
            painter.end()
            pixmap.setDevicePixelRatio(ratio)
            result.addPixmap(pixmap, mode)
    return result
