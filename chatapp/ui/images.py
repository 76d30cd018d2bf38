"""Images in the window: read from a file, the clipboard or a drop (checked and downscaled with Qt),
shown as thumbnails in the composer and in sent messages, and opened full size with a click.
Recordings (WAV, MP3, FLAC, for models that hear) travel the same way, shown as a labelled chip."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QSize, Qt, Signal
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QScrollArea, QToolButton, QVBoxLayout, QWidget

from chatapp.core.errors import QT_TRANSLATE_NOOP
from chatapp.core.images import ImageError, image_from_bytes, read_recording, recording_seconds, sniff
from chatapp.core.types import Attachment
from chatapp.ui import icons

THUMBNAIL = 72  # pixels, the longer side
# The longer side an image is kept at. Vision projectors read 224–1024 pixels (Gemma 3: 896, Qwen2.5-VL
# up to ~1300 in its default budget) and resize what they get; a 4000-pixel photo is 10× the bytes
# in the history and the prompt for nothing the model sees.
KEPT_LONG_SIDE = 1344
AUDIO_SUFFIXES = (".wav", ".mp3", ".flac")


def prepare(data: bytes, name: str, long_side: int = KEPT_LONG_SIDE) -> Attachment:
    """`data` as an image to send: refused in one sentence when Qt cannot decode it; a larger one
    downscaled (JPEG for photos, PNG where there is transparency); a small one kept as it is."""
    picture = QImage.fromData(QByteArray(data))
    if picture.isNull():
        raise ImageError(QT_TRANSLATE_NOOP("core", "{name} is not an image chatapp can read (PNG, JPEG, GIF or "
                                           "BMP)."), name=name)
    if sniff(data) is not None and max(picture.width(), picture.height()) <= long_side:
        return image_from_bytes(data, name)
    if max(picture.width(), picture.height()) > long_side:
        picture = picture.scaled(long_side, long_side, Qt.AspectRatioMode.KeepAspectRatio,
                                 Qt.TransformationMode.SmoothTransformation)
    kind = "PNG" if picture.hasAlphaChannel() else "JPEG"
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    picture.save(buffer, kind, 90)  # type: ignore[call-overload]  # PySide6's stubs say bytes; it takes str
    return image_from_bytes(bytes(buffer.data().data()), name)


def read_file(path: Path) -> Attachment:
    """An image file (downscaled as `prepare` says), or a recording by its suffix (sent as it is)."""
    if path.suffix.lower() in AUDIO_SUFFIXES:
        return read_recording(path)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ImageError(QT_TRANSLATE_NOOP("core", "{name} cannot be read: {reason}."), name=path.name,
                         reason=exc.strerror or str(exc)) from None
    return prepare(data, path.name)


def from_qimage(picture: QImage, name: str) -> Attachment:
    """A pasted picture (the clipboard holds pixels, not a file), as PNG."""
    buffer = QBuffer()
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    picture.save(buffer, "PNG")  # type: ignore[call-overload]  # (see above)
    return prepare(bytes(buffer.data().data()), name)


def pixmap(image: Attachment) -> QPixmap:
    result = QPixmap()
    result.loadFromData(image.data)
    return result


class ImageViewer(QDialog):
    """The image at full size (scrolling when larger than the screen)."""

    def __init__(self, image: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Image"))
        layout = QVBoxLayout(self)
        scroll = QScrollArea()
        label = QLabel()
        picture = pixmap(image)
        label.setPixmap(picture)
        label.setAccessibleName(self.tr("Attached image, {w}×{h} pixels").format(w=picture.width(),
                                                                                   h=picture.height()))
        scroll.setWidget(label)
        layout.addWidget(scroll)
        self.resize(min(picture.width() + 40, 1200), min(picture.height() + 40, 900))


class Thumbnail(QToolButton):
    """A small picture; a click opens it."""

    def __init__(self, image: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.image = image
        picture = pixmap(image)
        self.setIcon(picture)
        self.setIconSize(picture.size().scaled(QSize(THUMBNAIL, THUMBNAIL), Qt.AspectRatioMode.KeepAspectRatio))
        self.setAutoRaise(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.setToolTip(self.tr("{w}×{h} pixels — click to view").format(w=picture.width(), h=picture.height()))
        self.setAccessibleName(self.tr("Image, {w}×{h} pixels").format(w=picture.width(), h=picture.height()))
        self.clicked.connect(self.open)
        self.viewer: ImageViewer | None = None

    def open(self) -> None:
        self.viewer = ImageViewer(self.image, self.window())
        self.viewer.show()


def recording_label(recording: Attachment) -> str:
    """The recording's format, and its length where the header tells it (WAV, FLAC, most MP3s)."""
    kind = recording.mime.split("/")[-1].replace("mpeg", "mp3").upper()
    seconds = recording_seconds(recording.data)
    return f"{kind} {round(seconds) // 60}:{round(seconds) % 60:02d}" if seconds is not None else kind


class RecordingChip(QToolButton):
    """A recording attached to a message: its format and length, beside a microphone."""

    def __init__(self, recording: Attachment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.recording = recording
        label = recording_label(recording)
        self.setIcon(icons.icon("mic"))
        self.setText(label)
        self.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.setAutoRaise(True)
        self.setToolTip(self.tr("A recording ({label}): the model hears it before the text").format(label=label))
        self.setAccessibleName(self.tr("Recording, {label}").format(label=label))


class ImageStrip(QWidget):
    """A row of thumbnails: the composer's attachments (each with ×) or a sent message's images."""

    changed = Signal()

    def __init__(self, removable: bool = False, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.removable = removable
        self.images: list[Attachment] = []
        self._row = QHBoxLayout(self)
        self._row.setContentsMargins(0, 0, 0, 0)
        self._row.setSpacing(6)
        self._row.addStretch(1)
        self.hide()

    def set_images(self, images: Sequence[Attachment]) -> None:
        self.images = []
        while self._row.count() > 1:
            item = self._row.takeAt(0)
            if item is not None and (widget := item.widget()) is not None:
                widget.deleteLater()
        for image in images:
            self._add_widget(image)
        self.setVisible(bool(self.images))
        self.changed.emit()

    def add(self, image: Attachment) -> None:
        if any(i.sha256 == image.sha256 for i in self.images):
            return  # the same picture twice is one attachment
        self._add_widget(image)
        self.show()
        self.changed.emit()

    def _add_widget(self, image: Attachment) -> None:
        self.images.append(image)
        cell = QWidget()
        column = QVBoxLayout(cell)
        column.setContentsMargins(0, 0, 0, 0)
        column.setSpacing(0)
        column.addWidget(RecordingChip(image) if image.kind == "audio" else Thumbnail(image))
        if self.removable:
            remove = QToolButton()
            remove.setText("×")
            remove.setAutoRaise(True)
            remove.setToolTip(self.tr("Remove this attachment"))
            remove.setAccessibleName(self.tr("Remove this attachment"))
            remove.clicked.connect(lambda _checked=False, c=cell, i=image: self._remove(c, i))
            column.addWidget(remove, 0, Qt.AlignmentFlag.AlignHCenter)
        self._row.insertWidget(self._row.count() - 1, cell)

    def _remove(self, cell: QWidget, image: Attachment) -> None:
        self.images = [i for i in self.images if i.sha256 != image.sha256]
        cell.deleteLater()
        self.setVisible(bool(self.images))
        self.changed.emit()

    def thumbnails(self) -> list[Thumbnail]:
        return self.findChildren(Thumbnail)
