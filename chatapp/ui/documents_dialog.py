"""Collections of documents: create one from a folder, add folders, re-scan, pause, remove; indexing
progress and what each run did (added, updated, removed, unchanged, skipped, unreadable)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Slot
from PySide6.QtWidgets import (
    QDialog,
    QFileDialog,
    QHBoxLayout,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from chatapp.documents.bert_gguf import BUILTIN_FILE
from chatapp.services.documents_service import DocumentsService
from chatapp.services.i18n import user_message

UNREADABLE_HINT = 0.25  # a quarter unknown tokens halves what the vector ranking counts for


class CollectionsDialog(QDialog):
    def __init__(self, service: DocumentsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setWindowTitle(self.tr("Document collections"))
        self.resize(760, 420)
        layout = QVBoxLayout(self)
        intro = QLabel(self.tr("A collection is a set of folders and files that chats can answer from. They are "
                               "indexed on this computer; only new and changed files are read again."))
        intro.setWordWrap(True)
        layout.addWidget(intro)
        self.table = QTreeWidget()
        self.table.setRootIsDecorated(False)
        self.table.setHeaderLabels([self.tr("Name"), self.tr("Files"), self.tr("Passages"), self.tr("Indexed"),
                                    self.tr("Folders")])
        self.table.header().setSectionResizeMode(4, QHeaderView.ResizeMode.Stretch)
        self.table.setAccessibleName(self.tr("Document collections"))
        self.table.itemSelectionChanged.connect(self._update_buttons)
        self.table.itemSelectionChanged.connect(self._show_reading)
        layout.addWidget(self.table, 1)
        self.progress = QProgressBar()
        self.progress.setAccessibleName(self.tr("Indexing progress"))
        self.progress.hide()
        layout.addWidget(self.progress)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        layout.addWidget(self.status)
        buttons = QHBoxLayout()
        self.new_button = self._button(buttons, self.tr("New collection…"), self._new)
        self.add_button = self._button(buttons, self.tr("Add folder…"), self._add_folder)
        self.rescan_button = self._button(buttons, self.tr("Re-scan"), self._rescan)
        self.model_button = self._button(buttons, self.tr("Embedding model…"), self._change_model)
        self.pause_button = self._button(buttons, self.tr("Pause"), self._pause)
        self.remove_button = self._button(buttons, self.tr("Remove"), self._remove)
        buttons.addStretch(1)
        self._button(buttons, self.tr("Close"), self.accept)
        layout.addLayout(buttons)
        service.collectionsChanged.connect(self.refresh)
        service.progress.connect(self._on_progress)
        service.indexed.connect(self._on_indexed)
        service.failed.connect(self._on_failed)
        service.busyChanged.connect(lambda _busy: self._update_buttons())
        self.refresh()

    def _button(self, row: QHBoxLayout, text: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setAccessibleName(text)
        button.setAutoDefault(False)  # Enter in the dialog must not start a new collection
        button.clicked.connect(slot)
        row.addWidget(button)
        return button

    # ----- list ---------------------------------------------------------------------------------------
    @Slot()
    def refresh(self) -> None:
        selected = self.selected()
        self.table.clear()
        for c in self.service.collections():
            when = (time.strftime("%Y-%m-%d %H:%M", time.localtime(c.indexed_at)) if c.indexed_at
                    else self.tr("not finished"))
            _share, pending = self.service.reading(c.name)
            if pending:
                when = self.tr("{when}; re-indexing with {model}").format(when=when, model=pending)
            item = QTreeWidgetItem([c.name, str(c.files), str(c.chunks), when, "; ".join(c.roots)])
            item.setToolTip(4, "\n".join(c.roots))
            self.table.addTopLevelItem(item)
            if c.name == selected:
                item.setSelected(True)
        for column in range(4):
            self.table.resizeColumnToContents(column)
        self._update_buttons()

    def selected(self) -> str | None:
        items = self.table.selectedItems()
        return items[0].text(0) if items else None

    def _update_buttons(self) -> None:
        chosen = self.selected() is not None
        for button in (self.add_button, self.rescan_button, self.model_button, self.remove_button):
            button.setEnabled(chosen)
        self.pause_button.setEnabled(self.service.busy_with is not None)

    # ----- actions ------------------------------------------------------------------------------------
    def _new(self) -> None:
        name, ok = QInputDialog.getText(self, self.tr("New collection"), self.tr("Name of the collection:"))
        if not ok or not name.strip():
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Folder of documents for {name}").format(name=name))
        if not folder:
            return
        chosen, model = self._choose_embedding_model()
        if chosen:
            self.start_indexing(name.strip(), [Path(folder)], model)

    def _choose_embedding_model(self) -> tuple[bool, str | None]:
        """(False, None) if the user cancelled; else (True, a model's path, or None for the built-in one)."""
        builtin = self.tr("all-MiniLM-L6-v2 (built-in, English)")
        others = [p for p in self.service.embedding_models() if p.name != BUILTIN_FILE]
        if not others:
            return True, None
        choice, ok = QInputDialog.getItem(
            self, self.tr("Embedding model"),
            self.tr("The model that finds passages by meaning (for Chinese text choose a multilingual one):"),
            [builtin, *(p.name for p in others)], 0, False)
        if not ok:
            return False, None
        return True, next((str(p) for p in others if p.name == choice), None)

    def start_indexing(self, name: str, folders: list[Path], embedding_model: str | None = None) -> None:
        self.status.setText(self.tr("Indexing {name}…").format(name=name))
        self.service.add(name, folders, embedding_model)

    def _change_model(self) -> None:
        name = self.selected()
        if name is None:
            return
        chosen, model = self._choose_embedding_model()
        if not chosen:
            return
        self.service.add(name, [], model)
        self.status.setText(self.tr("Re-indexing {name} with {model}. Until it is done, searches use the index it "
                                    "has now.").format(name=name, model=Path(model).name if model else BUILTIN_FILE))

    @Slot()
    def _show_reading(self) -> None:
        """Under the list: when the collection's embedding model cannot read most of it, say so and what
        to do (search by meaning is left out for such text: documents/retrieval.py)."""
        name = self.selected()
        if name is not None and self.service.busy_with is None:
            self.status.setText(self._reading_text(name))

    def _reading_text(self, name: str) -> str:
        share, pending = self.service.reading(name)
        if pending:
            return self.tr("{name} is being re-indexed with {model}; Re-scan goes on if it was paused. Until it is "
                           "done, searches use the index it has now.").format(name=name, model=pending)
        if share is not None and share >= UNREADABLE_HINT:
            return self.tr(
                "{share:.0%} of {name} is text its embedding model reads as unknown words (Chinese, Japanese or "
                "another script an English-only model does not know), so passages are found by their words only. "
                "A multilingual embedding model (bge-m3, multilingual-e5 or Qwen3 Embedding, in the model "
                "catalogue) reads it: choose one with Embedding model….").format(share=share, name=name)
        return ""

    def _add_folder(self) -> None:
        name = self.selected()
        if name is None:
            return
        folder = QFileDialog.getExistingDirectory(self, self.tr("Add a folder to {name}").format(name=name))
        if folder:
            self.start_indexing(name, [Path(folder)])

    def _rescan(self) -> None:
        name = self.selected()
        if name is not None:
            self.status.setText(self.tr("Re-scanning {name}…").format(name=name))
            self.service.rescan(name)

    def _pause(self) -> None:
        self.service.pause()
        self.status.setText(self.tr("Pausing… What is indexed so far is kept; Re-scan goes on from there."))

    def _remove(self) -> None:
        name = self.selected()
        if name is None:
            return
        answer = QMessageBox.question(self, self.tr("Remove collection"), self.tr(
            "Remove the collection “{name}”? Its index is deleted; your files are not touched.").format(name=name))
        if answer == QMessageBox.StandardButton.Yes:
            self.service.remove(name)

    # ----- progress -----------------------------------------------------------------------------------
    @Slot(str, object)
    def _on_progress(self, name: str, p: Any) -> None:
        self.progress.setRange(0, max(1, p.files_total))
        self.progress.setValue(p.files_done)
        self.progress.setVisible(p.files_done < p.files_total)
        eta = self.tr(", about {seconds:.0f} s left").format(seconds=p.eta_s) if p.eta_s is not None else ""
        self.status.setText(self.tr("Indexing {name}: {done} of {total} files, {chunks} passages{eta}").format(
            name=name, done=p.files_done, total=p.files_total, chunks=p.chunks_done, eta=eta))
        self.pause_button.setEnabled(True)

    @Slot(str, object)
    def _on_indexed(self, name: str, report: Any) -> None:
        self.progress.hide()
        text = self.tr("{name}: {added} added, {updated} updated, {removed} removed, {unchanged} unchanged, "
                       "{skipped} skipped (not documents), {failed} unreadable.").format(
            name=name, added=report.added, updated=report.updated, removed=report.removed,
            unchanged=report.unchanged, skipped=report.skipped, failed=len(report.failed))
        if report.cancelled:
            text += " " + self.tr("Paused before the end; Re-scan goes on from there.")
        if report.failed:
            text += "\n" + "\n".join(user_message(reason) for _, reason in report.failed[:5])
        self.refresh()
        if reading := self._reading_text(name):
            text += "\n" + reading
        self.status.setText(text)

    @Slot(str, str)
    def _on_failed(self, _name: str, message: str) -> None:
        self.progress.hide()
        self.status.setText(message)
        self._update_buttons()
