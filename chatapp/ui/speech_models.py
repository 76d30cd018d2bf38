"""Speech models: those on this computer (recognition and voices, with their languages and sizes) and
the catalogue's others to download. Shown in the model manager's Voice section and, without the table
of installed ones, in Settings → Voice (whose lists choose among them); the voice service downloads,
and `SpeechModelLists` keeps every such list in step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QPushButton,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.models.library import human_size
from chatapp.voice import models
from chatapp.voice.catalogue import VoiceEntry
from chatapp.voice.models import VoiceModel

if TYPE_CHECKING:
    from chatapp.core.models.sources import ModelSource
    from chatapp.services.voice_service import VoiceService


def size_on_disk(model: VoiceModel) -> int | None:
    """A transcriber's folder, or a voice's .onnx with its .onnx.json (None: not set up yet, as the demo
    transcriber is until its first use joins its two halves)."""
    if not model.path.exists():
        return None
    if model.path.is_dir():
        return sum(p.stat().st_size for p in model.path.iterdir() if p.is_file())
    companion = model.path.with_suffix(".onnx.json")
    return sum(p.stat().st_size for p in (model.path, companion) if p.is_file())


class SpeechModels(QWidget):
    """Emits `downloadRequested(VoiceEntry)`; `list_models` lists what is here and what can be had."""

    downloadRequested = Signal(object)

    def __init__(self, with_installed: bool, folder: Path | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.installed: QTableWidget | None = None
        if with_installed:
            where = self.tr("<b>On this computer</b> — {folder}").format(folder=folder) if folder else ""
            layout.addWidget(QLabel(where or self.tr("<b>On this computer</b>")))
            self.installed = QTableWidget(0, 4)
            self.installed.setHorizontalHeaderLabels([self.tr("Model"), self.tr("Kind"), self.tr("Language"),
                                                      self.tr("Size")])
            self.installed.setAccessibleName(self.tr("Installed speech models"))
            self.installed.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
            self.installed.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
            self.installed.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
            self.installed.verticalHeader().hide()
            layout.addWidget(self.installed, 1)
        more = QLabel(self.tr("More speech models (from the model source in Settings → Downloads; resumed if "
                              "interrupted, checked before use):"))
        more.setWordWrap(True)
        layout.addWidget(more)
        self.available = QListWidget()
        self.available.setAccessibleName(self.tr("Speech models to download"))
        self.available.setWordWrap(True)
        self.available.setMinimumHeight(140)
        layout.addWidget(self.available, 1)
        row = QHBoxLayout()
        self.download_button = QPushButton(self.tr("Download"))
        self.download_button.setAutoDefault(False)
        self.download_button.clicked.connect(self._on_download)
        self.download_state = QLabel()
        self.download_state.setWordWrap(True)
        row.addWidget(self.download_button)
        row.addWidget(self.download_state, 1)
        layout.addLayout(row)
        self._entries: list[VoiceEntry] = []

    def list_models(self, entries: list[VoiceEntry], here: list[VoiceModel]) -> None:
        """What is here, and the catalogue's models that are not."""
        names = {m.name for m in here}
        self._entries = [e for e in entries if e.name not in names]
        self.available.clear()
        for entry in self._entries:
            self.available.addItem(f"{entry.name} · {self._kind(entry.kind)} · {entry.languages} · "
                                   f"{entry.size_mb} MB\n   {entry.about}")
        self.download_button.setEnabled(bool(self._entries))
        if self.installed is None:
            return
        self.installed.setRowCount(len(here))
        for row, model in enumerate(here):
            size = size_on_disk(model)
            for column, text in enumerate((model.name, self._kind(model.kind), model.language or self.tr("many"),
                                           human_size(size) if size is not None else "—")):
                item = QTableWidgetItem(text)
                item.setToolTip(str(model.path) if size is not None else
                                self.tr("The demo set's; set up from its packages on first use"))
                self.installed.setItem(row, column, item)
        self.installed.resizeColumnsToContents()

    def show_progress(self, name: str, fraction: float) -> None:
        self.download_state.setText(self.tr("{name}: {percent:.0f}%").format(name=name, percent=fraction * 100))

    def show_finished(self, name: str, problem: str) -> None:
        self.download_state.setText(problem or self.tr("{name} is ready.").format(name=name))
        self.download_button.setEnabled(bool(self._entries))

    def _kind(self, kind: str) -> str:
        return self.tr("voice") if kind == "voice" else self.tr("speech recognition")

    def _on_download(self) -> None:
        row = self.available.currentRow()
        if 0 <= row < len(self._entries):
            self.download_button.setEnabled(False)
            self.download_state.setText(self.tr("Starting…"))
            self.downloadRequested.emit(self._entries[row])


class SpeechModelLists:
    """Every list of speech models in the window (Settings → Voice, the model manager's Voice section)
    kept in step: a download asked in one goes to the voice service, and its progress and the models
    here after it show in all of them."""

    def __init__(self, voice: VoiceService, entries: list[VoiceEntry], source: Callable[[], ModelSource],
                 changed: Callable[[list[VoiceModel], list[VoiceModel]], None]) -> None:
        """`changed(voices, transcribers)`: told the models here after each download (the choosers)."""
        self.voice, self.entries, self._source, self._changed = voice, entries, source, changed
        self.lists: list[SpeechModels] = []
        voice.downloadProgress.connect(self._progress)
        voice.downloadFinished.connect(self._finished)

    def here(self) -> tuple[list[VoiceModel], list[VoiceModel]]:
        """The voices and the transcribers on this computer now."""
        data_dir = self.voice.engines.data_dir
        return models.voices(data_dir), models.transcribers(data_dir)

    def add(self, speech: SpeechModels) -> SpeechModels:
        speech.downloadRequested.connect(lambda entry: self.voice.download(entry, self._source()))
        self.lists.append(speech)
        voices, transcribers = self.here()
        speech.list_models(self.entries, voices + transcribers)
        return speech

    def section(self) -> SpeechModels:
        """A new list with the table of those here (the model manager's Voice section)."""
        return self.add(SpeechModels(with_installed=True, folder=models.voice_dir(self.voice.engines.data_dir)))

    def _progress(self, name: str, fraction: float) -> None:
        for speech in self.lists:
            speech.show_progress(name, fraction)

    def _finished(self, name: str, problem: str) -> None:
        voices, transcribers = self.here()
        self._changed(voices, transcribers)
        for speech in self.lists:
            speech.list_models(self.entries, voices + transcribers)
            speech.show_finished(name, problem)
