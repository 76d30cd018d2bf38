"""The model picker at the top of the chat: which model answers, its size and quantization, its
loading progress, and one click to switch to another local model, a file, a download or a server."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QComboBox, QHBoxLayout, QLabel, QProgressBar, QSizePolicy, QWidget

from chatapp.core.models.library import LocalModel, human_size, real_path

OPEN_FILE, FIND_MODELS, CONNECT_SERVER = "action:open", "action:find", "action:server"


@dataclass(frozen=True)
class ServerModel:
    """A model on a saved server, as listed in the picker."""

    url: str
    model: str

    @property
    def key(self) -> str:  # how a loaded remote model's path reads (services/inference.py)
        return f"{self.url}#{self.model}"


def server_name(url: str) -> str:
    return urlsplit(url).netloc or url


class ModelCombo(QComboBox):
    """A combo box that asks for a fresh list each time it opens (the library changes with downloads)."""

    aboutToOpen = Signal()

    def showPopup(self) -> None:
        self.aboutToOpen.emit()
        super().showPopup()


class ModelBar(QWidget):
    modelChosen = Signal(str)  # a model file's path
    serverModelChosen = Signal(object)  # ServerModel
    openRequested = Signal()
    managerRequested = Signal()
    serverRequested = Signal()
    listRequested = Signal()  # the owner answers with set_models()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("modelBar")
        layout = QHBoxLayout(self)
        layout.setContentsMargins(12, 8, 12, 4)
        self.combo = ModelCombo()
        self.combo.setAccessibleName(self.tr("Model"))
        self.combo.setToolTip(self.tr("The model that answers; pick another to load it"))
        # Sized by a typical name, not the longest one: the window must still fit a small screen.
        self.combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.combo.setMinimumContentsLength(28)
        self.combo.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.combo.setMaximumWidth(460)
        self.combo.aboutToOpen.connect(self.listRequested.emit)
        self.combo.activated.connect(self._on_activated)
        layout.addWidget(self.combo, 3)
        self.progress = QProgressBar()
        self.progress.setRange(0, 100)
        self.progress.setMaximumWidth(140)
        self.progress.setMaximumHeight(10)
        self.progress.setTextVisible(False)
        self.progress.setAccessibleName(self.tr("Model loading progress"))
        self.progress.hide()
        layout.addWidget(self.progress)
        self.detail = QLabel()
        self.detail.setObjectName("modelDetail")
        self.detail.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        layout.addWidget(self.detail, 2)
        self._current = ""  # the loaded model's path (or a server's "url#model")
        self._current_label = self.tr("No model loaded")
        self._current_name = ""
        self._server_models: dict[str, list[str]] = {}  # saved server → its models, as last listed
        self._local: tuple[list[LocalModel], Path | None] = ([], None)
        # The files of the models the local API server has loaded for its clients (read as the list opens).
        self.in_memory: Callable[[], set[Path]] = set
        self.set_models([])

    # ----- the list -------------------------------------------------------------------------------------
    def set_server_models(self, url: str, models: list[str]) -> None:
        """A saved server's models (listed in the background), shown under its name."""
        self._server_models[url] = list(models)
        self.set_models(*self._local)

    def set_models(self, models: list[LocalModel], demo: Path | None = None) -> None:
        self._local = (list(models), demo)
        self.combo.blockSignals(True)
        self.combo.clear()
        paths = set()
        if self._current:
            self.combo.addItem(self._current_label, self._current)
            paths.add(self._current)
        if demo is not None and str(demo) not in paths:
            self.combo.addItem(self.tr("Demo: SmolLM2 135M Instruct · Q4_1 · 98 MB"), str(demo))
            paths.add(str(demo))
        usable = [m for m in models if m.usable and str(m.path) not in paths]
        names = [m.name for m in usable] + [self._current_name]
        for_api = {real_path(p) for p in self.in_memory()}
        for model in usable:
            label = self.describe(model, shared_name=names.count(model.name) > 1)
            if real_path(model.path) in for_api:
                label += self.tr(" · in memory for API clients")
            self.combo.addItem(label, str(model.path))
        if not self._current:
            self.combo.insertItem(0, self._current_label, "")
        for url, names in self._server_models.items():
            entries = [ServerModel(url, n) for n in names if ServerModel(url, n).key != self._current]
            if entries:
                self.combo.insertSeparator(self.combo.count())
            for entry in entries:
                self.combo.addItem(self.tr("{model} · on {server}").format(model=entry.model,
                                                                          server=server_name(url)), entry)
        self.combo.insertSeparator(self.combo.count())
        self.combo.addItem(self.tr("Open a GGUF file…"), OPEN_FILE)
        self.combo.addItem(self.tr("Find and download models…"), FIND_MODELS)
        self.combo.addItem(self.tr("Connect to a server…"), CONNECT_SERVER)
        self.combo.setCurrentIndex(0)
        self.combo.blockSignals(False)

    def describe(self, model: LocalModel, shared_name: bool = False) -> str:
        """"SmolLM2 135M Instruct · Q4_1 · 98 MB"; the file's name too when another model has the same name."""
        name = model.name or model.path.stem
        if shared_name:
            name = f"{name} ({model.path.name})"
        return f"{name} · {model.quant} · {human_size(model.size)}"

    def _on_activated(self, index: int) -> None:
        data = self.combo.itemData(index)
        self.combo.setCurrentIndex(0)  # the loaded model stays shown until another one has loaded
        if data == OPEN_FILE:
            self.openRequested.emit()
        elif data == FIND_MODELS:
            self.managerRequested.emit()
        elif data == CONNECT_SERVER:
            self.serverRequested.emit()
        elif isinstance(data, ServerModel):
            self.serverModelChosen.emit(data)
        elif data and data != self._current:
            self.modelChosen.emit(str(data))

    # ----- loading ----------------------------------------------------------------------------------------
    def set_loading(self, what: str) -> None:
        self.progress.setValue(0)
        self.progress.show()
        self.detail.setText(self.tr("Loading {name}…").format(name=Path(what).name))

    def set_progress(self, fraction: float) -> None:
        self.progress.setValue(round(fraction * 100))

    def set_loaded(self, summary: Any) -> None:
        self.progress.hide()
        self._current = summary.path
        self._current_name = summary.name
        if summary.architecture == "remote":
            self._current_label = self.tr("{name} (server)").format(name=summary.name)
            self.detail.setText("")
        else:
            self._current_label = f"{summary.name} · {summary.quantization} · {human_size(summary.file_size)}"
            if summary.sees_images:
                self._current_label += self.tr(" · sees images")
            if summary.hears_audio:
                self._current_label += self.tr(" · hears audio")
            self.detail.setText(self.tr("{backend} · context {ctx:,} · template {template}").format(
                backend=summary.backend, ctx=summary.context_size, template=summary.template_name))
        self.set_models([])

    def set_failed(self) -> None:
        self.progress.hide()
        self.detail.setText("")
