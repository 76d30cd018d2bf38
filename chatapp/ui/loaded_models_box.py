"""Settings → Local API server → Models in memory: what is loaded, for whom, how much memory it holds and
when it will be unloaded, with an Unload button; and how many the API server may keep, for how long."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QHideEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QPushButton,
    QSpinBox,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.models.library import human_size
from chatapp.core.types import LoadedModel

REFRESH_MS = 1000  # while the box is on screen


class LoadedModelsBox(QGroupBox):
    """`source()` is read every second while visible; `unloadRequested(model)` and
    `policyChanged(max_models, idle_minutes)` say what the user asked for."""

    unloadRequested = Signal(str)
    policyChanged = Signal(int, int)

    def __init__(self, source: Callable[[], list[LoadedModel]], max_models: int, idle_minutes: int,
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Models in memory"))
        self._source = source
        layout = QVBoxLayout(self)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels([self.tr("Model"), self.tr("For"), self.tr("Memory"), self.tr("Unloads")])
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAccessibleName(self.tr("Models in memory"))
        self.table.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.setMinimumHeight(90)
        layout.addWidget(self.table)
        row = QHBoxLayout()
        row.addStretch(1)
        self.unload = QPushButton(self.tr("Unload"))
        self.unload.setToolTip(self.tr("Free the memory of a model loaded for API clients (the window's own model "
                                       "is unloaded by loading another, or closing chatapp)."))
        self.unload.setEnabled(False)
        row.addWidget(self.unload)
        layout.addLayout(row)
        form = QFormLayout()
        self.max_models = QSpinBox()
        self.max_models.setRange(0, 64)
        self.max_models.setSpecialValueText(self.tr("as many as memory holds"))
        self.max_models.setValue(max_models)
        self.max_models.setAccessibleName(self.tr("Models kept loaded for API clients"))
        form.addRow(self.tr("Keep loaded for API clients"), self.max_models)
        self.idle = QSpinBox()
        self.idle.setRange(0, 7 * 24 * 60)
        self.idle.setSpecialValueText(self.tr("never"))
        self.idle.setSuffix(self.tr(" min"))
        self.idle.setValue(idle_minutes)
        self.idle.setAccessibleName(self.tr("Unload a model unused for"))
        form.addRow(self.tr("Unload a model unused for"), self.idle)
        layout.addLayout(form)
        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.table.itemSelectionChanged.connect(self._selection_changed)
        self.unload.clicked.connect(self._unload)
        self.max_models.valueChanged.connect(self._policy)
        self.idle.valueChanged.connect(self._policy)

    def refresh(self) -> None:
        selected = self._selected()
        models = self._source()
        self.table.clear()
        for model in models:
            owner = self.tr("this window") if model.owner == "window" else (
                self.tr("API clients ({n} now)").format(n=model.active) if model.active else self.tr("API clients"))
            memory = human_size(model.memory) if model.memory else "—"
            if model.summary is None:
                until = self.tr("loading…")
            elif model.expires_in is None:
                until = self.tr("when you choose") if model.owner != "window" else "—"
            elif model.active:
                until = self.tr("in use")
            else:
                until = self.tr("in {minutes} min").format(minutes=max(1, round(model.expires_in / 60)))
            item = QTreeWidgetItem([model.model, owner, memory, until])
            item.setData(0, Qt.ItemDataRole.UserRole, model.model)
            item.setData(1, Qt.ItemDataRole.UserRole, model.owner)
            item.setTextAlignment(2, Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.table.addTopLevelItem(item)
            if model.model == selected:
                item.setSelected(True)
        for column in (1, 2, 3):
            self.table.resizeColumnToContents(column)
        self._selection_changed()

    def _selected(self) -> str:
        items = self.table.selectedItems()
        return str(items[0].data(0, Qt.ItemDataRole.UserRole)) if items else ""

    def _selection_changed(self) -> None:
        items = self.table.selectedItems()
        self.unload.setEnabled(bool(items) and items[0].data(1, Qt.ItemDataRole.UserRole) == "api")

    def _unload(self) -> None:
        if model := self._selected():
            self.unloadRequested.emit(model)
            self.refresh()

    def _policy(self) -> None:
        self.policyChanged.emit(self.max_models.value(), self.idle.value())

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()
        self._timer.start()
        super().showEvent(event)

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)
