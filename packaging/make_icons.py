"""Write the installers' app icons from resources/icons/chatapp.svg: Qt draws the SVG, Pillow writes
chatapp.ico (Windows, 16-256 px in one file) and chatapp.icns (macOS). Run after changing the SVG:

    pip install pillow && python packaging/make_icons.py
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QRectF, Qt
from PySide6.QtGui import QGuiApplication, QImage, QPainter
from PySide6.QtSvg import QSvgRenderer

ICONS = Path(__file__).resolve().parent.parent / "resources" / "icons"
ICO_SIZES = [(s, s) for s in (16, 24, 32, 48, 64, 128, 256)]


def render_png(svg: Path, size: int) -> bytes:
    image = QImage(size, size, QImage.Format.Format_ARGB32)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    QSvgRenderer(str(svg)).render(painter, QRectF(0, 0, size, size))
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "PNG")
    return bytes(data.data())


def main() -> None:
    from PIL import Image

    app = QGuiApplication.instance() or QGuiApplication(sys.argv[:1])
    del app
    big = Image.open(io.BytesIO(render_png(ICONS / "chatapp.svg", 1024)))
    big.save(ICONS / "chatapp.ico", sizes=ICO_SIZES)
    big.save(ICONS / "chatapp.icns")
    print(f"wrote {ICONS / 'chatapp.ico'} and {ICONS / 'chatapp.icns'}")


if __name__ == "__main__":
    main()
