"""The model manager: recommended models and search on the chosen source (Hugging Face, a mirror,
ModelScope), each repo's files with quant, size and whether they fit, downloads with progress and
cancel/resume, and the local library with Load. Where the source does not answer (or on first use
under a Chinese locale) it offers the mirror or ModelScope in one sentence with a button each."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl, Signal
from PySide6.QtGui import QColor, QDesktopServices
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDialog,
    QFrame,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QProgressBar,
    QPushButton,
    QSplitter,
    QTableWidget,
    QTableWidgetItem,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.errors import QT_TRANSLATE_NOOP
from chatapp.core.models.catalogue import CatalogueEntry
from chatapp.core.models.downloads import DownloadEvent
from chatapp.core.models.library import LocalModel, human_size
from chatapp.core.models.memory import estimate_remote_bytes, fit_status
from chatapp.core.models.remote import RemoteModel, RepoSummary
from chatapp.core.models.sources import HUGGING_FACE, MODELSCOPE, ModelSource, mirror
from chatapp.services.models import ModelService

REPO_ROLE = Qt.ItemDataRole.UserRole
FIT_COLOURS = {"fits": "#1e8449", "tight": "#b9770e", "too large": "#c0392b"}
# The fit words, for the catalogue (shown through self.tr(fit)).
FIT_WORDS = (QT_TRANSLATE_NOOP("ModelManager", "fits"), QT_TRANSLATE_NOOP("ModelManager", "tight"),
             QT_TRANSLATE_NOOP("ModelManager", "too large"))


LANGUAGE_NAMES = {"en": QT_TRANSLATE_NOOP("ModelManager", "English"),
                  "zh": QT_TRANSLATE_NOOP("ModelManager", "Chinese"),
                  "many": QT_TRANSLATE_NOOP("ModelManager", "many more")}


class SourceSuggestion(QFrame):
    """One sentence and a button per other source: "Hugging Face is not answering… [Use hf-mirror.com]
    [Use ModelScope] [Keep Hugging Face]"."""

    chosen = Signal(object)  # ModelSource

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("sourceSuggestion")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setStyleSheet("#sourceSuggestion { background: rgba(185, 119, 14, 0.12); border-radius: 4px; }")
        row = QHBoxLayout(self)
        self.text = QLabel()
        self.text.setWordWrap(True)
        row.addWidget(self.text, 1)
        self.use_mirror = QPushButton()
        self.use_modelscope = QPushButton(self.tr("Use ModelScope"))
        self.keep = QPushButton()
        for button in (self.use_mirror, self.use_modelscope, self.keep):
            button.setAutoDefault(False)  # Enter in the search box searches; it never picks a source
            row.addWidget(button)
        self.use_mirror.clicked.connect(lambda: self.chosen.emit(mirror()))
        self.use_modelscope.clicked.connect(lambda: self.chosen.emit(MODELSCOPE))
        self._current: ModelSource = HUGGING_FACE
        self.keep.clicked.connect(lambda: self.chosen.emit(self._current))
        self.hide()

    def offer(self, current: ModelSource, first_use: bool) -> None:
        self._current = current
        if first_use:
            self.text.setText(self.tr("Downloading from mainland China? huggingface.co is often out of reach there; "
                                      "a mirror of it or ModelScope is usually much faster."))
        else:
            self.text.setText(self.tr("{source} is not answering. A mirror of Hugging Face or ModelScope may "
                                      "reach you where it does not.").format(source=current.name))
        self.use_mirror.setText(self.tr("Use {mirror}").format(mirror=mirror().name))
        self.use_mirror.setVisible(current.kind != "mirror")
        self.use_modelscope.setVisible(current.kind != "modelscope")
        self.keep.setText(self.tr("Keep {source}").format(source=current.name))
        self.show()


class ModelManager(QDialog):
    loadRequested = Signal(str)  # model path
    sourceSettingsRequested = Signal()  # "Change…": Settings → Downloads

    def __init__(self, service: ModelService, catalogue: list[CatalogueEntry], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Models"))
        self.resize(1000, 680)
        self.service = service
        self.catalogue = catalogue
        self.remote: list[RemoteModel] = []
        self.listing = ""  # the repository whose files are being listed
        self.jobs: dict[str, int] = {}  # model key -> job id
        self.progress_bars: dict[str, QProgressBar] = {}
        self.voice_section: QWidget | None = None

        outer = QVBoxLayout(self)
        self.suggestion = SourceSuggestion()
        self.suggestion.chosen.connect(self._choose_source)
        outer.addWidget(self.suggestion)
        self.sections = QTabWidget()  # language models; Voice once the voice service is there
        self.sections.setTabBarAutoHide(True)  # no lone tab before then
        outer.addWidget(self.sections)
        page = QWidget()
        self.sections.addTab(page, self.tr("Language models"))
        layout = QVBoxLayout(page)
        top = QSplitter()
        # --- search and results ---------------------------------------------------------------------
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.setContentsMargins(0, 0, 0, 0)
        source_row = QHBoxLayout()
        self.source_label = QLabel()
        change = QPushButton(self.tr("Change…"))
        change.setAutoDefault(False)
        change.setAccessibleName(self.tr("Change the model source"))
        change.clicked.connect(self.sourceSettingsRequested)
        source_row.addWidget(self.source_label, 1)
        source_row.addWidget(change)
        left_layout.addLayout(source_row)
        self.search_box = QLineEdit()
        self.search_box.setAccessibleName(self.tr("Search models"))
        self.search_box.returnPressed.connect(self._search)
        left_layout.addWidget(self.search_box)
        self.results = QListWidget()
        self.results.setAccessibleName(self.tr("Repositories"))
        self.results.setWordWrap(True)  # descriptions wrap (Chinese ones have no spaces to stop at)
        self.results.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.results.currentItemChanged.connect(self._repo_selected)
        left_layout.addWidget(self.results, 1)
        top.addWidget(left)
        # --- files of the selected repo -------------------------------------------------------------------
        right = QWidget()
        right_layout = QVBoxLayout(right)
        right_layout.setContentsMargins(0, 0, 0, 0)
        self.repo_label = QLabel(self.tr("Pick a model on the left to see its files."))
        self.repo_label.setWordWrap(True)
        right_layout.addWidget(self.repo_label)
        self.files = QTableWidget(0, 5)
        self.files.setHorizontalHeaderLabels([self.tr("File"), self.tr("Quant"), self.tr("Size"),
                                              self.tr("Fits in memory?"), ""])
        self.files.setAccessibleName(self.tr("Files"))
        self.files.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.files.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for column in (1, 2, 3):
            self.files.horizontalHeader().setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        self.files.horizontalHeader().setSectionResizeMode(4, QHeaderView.ResizeMode.Fixed)
        self.files.setColumnWidth(4, 250)
        self.files.verticalHeader().hide()
        right_layout.addWidget(self.files, 1)
        top.addWidget(right)
        top.setSizes([340, 660])
        layout.addWidget(top, 3)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        # --- library -------------------------------------------------------------------------------------------
        layout.addWidget(QLabel(self.tr("<b>On this computer</b> — {folder}").format(folder=service.models_dir)))
        self.library = QTableWidget(0, 6)
        self.library.setHorizontalHeaderLabels([self.tr("Model"), self.tr("Architecture"), self.tr("Parameters"),
                                                self.tr("Quant"), self.tr("Context"), self.tr("Size")])
        self.library.setAccessibleName(self.tr("Installed models"))
        self.library.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.library.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.library.horizontalHeader().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.library.verticalHeader().hide()
        self.library.doubleClicked.connect(lambda _: self._load())
        layout.addWidget(self.library, 2)
        buttons = QHBoxLayout()
        self.load_button = QPushButton(self.tr("Load"))
        self.load_button.clicked.connect(self._load)
        self.delete_button = QPushButton(self.tr("Delete…"))
        self.delete_button.clicked.connect(self._delete)
        folder = QPushButton(self.tr("Open folder"))
        folder.clicked.connect(self._open_folder)
        for b in (self.load_button, self.delete_button, folder):
            b.setAutoDefault(False)  # Enter belongs to the search box
            buttons.addWidget(b)
        buttons.addStretch(1)
        layout.addLayout(buttons)
        self.local: list[LocalModel] = []

        service.searchDone.connect(self._show_results)
        service.filesListed.connect(self._show_files)
        service.failed.connect(self._show_failure)
        service.downloadEvent.connect(self._on_download)
        service.libraryChanged.connect(self._show_library)
        service.sourceChanged.connect(self._source_changed)
        service.sourceSlow.connect(self._source_slow)
        self._show_source()
        self._show_catalogue()
        self._show_library(service.scan())
        if not service.source_chosen and service.suggest_on_first_use:
            self.suggestion.offer(service.source, first_use=True)

    def add_voice_section(self, speech: QWidget) -> None:
        """The speech models (recognition and voices): on this computer, and more to download."""
        self.voice_section = speech
        self.sections.addTab(speech, self.tr("Voice"))

    def show_section(self, name: str) -> None:
        """"voice" or "language"."""
        self.sections.setCurrentIndex(1 if name == "voice" and self.sections.count() > 1 else 0)

    # ----- where models come from ------------------------------------------------------------------------
    def _show_source(self) -> None:
        source = self.service.source
        self.source_label.setText(self.tr("Source: <b>{source}</b>").format(source=source.name))
        self.source_label.setToolTip(source.base_url())
        self.search_box.setPlaceholderText(self.tr("Search GGUF models on {source} (Enter)").format(
            source=source.name))

    def _choose_source(self, source: ModelSource) -> None:
        self.suggestion.hide()
        self.service.set_source(source)  # emits sourceChanged when it is another source

    def _source_changed(self, _source: ModelSource) -> None:
        self._show_source()
        self.suggestion.hide()
        self.files.setRowCount(0)
        self.remote = []
        self.listing = ""
        self.repo_label.setText(self.tr("Pick a model on the left to see its files."))
        if self.search_box.text().strip():
            self._search()
        else:
            self._show_catalogue()

    def _source_slow(self, source: ModelSource) -> None:
        if source == self.service.source and not self.suggestion.isVisible():
            self.suggestion.offer(source, first_use=False)

    # ----- search -----------------------------------------------------------------------------------------
    def _show_catalogue(self) -> None:
        self.results.clear()
        source = self.service.source
        for entry in self.catalogue:
            repo = entry.repo_on(source)
            if not repo:
                continue  # not on this source (ModelScope carries most, not all)
            kind = (self.tr(" · reasoning") if entry.reasoning else
                    self.tr(" · embedding model, for documents") if entry.embedding else "")
            if entry.tools:
                kind += self.tr(" · calls tools")
            if entry.vision:
                kind += self.tr(" · sees images")
            item = QListWidgetItem(f"★ {entry.title} ({entry.params}{kind})\n   {entry.about}")
            details = [repo]
            if entry.licence:
                details.append(self.tr("Licence: {licence}").format(licence=entry.licence))
            if entry.languages:
                details.append(self.tr("Languages: {languages}").format(
                    languages=", ".join(self.tr(LANGUAGE_NAMES[code]) for code in entry.languages)))
            item.setToolTip("\n".join(details))
            item.setData(REPO_ROLE, repo)
            self.results.addItem(item)

    def _search(self) -> None:
        query = self.search_box.text().strip()
        if not query:
            self._show_catalogue()
            return
        self.status.setText(self.tr("Searching for “{query}”…").format(query=query))
        self.service.search(query)

    def _show_results(self, query: str, results: list[RepoSummary]) -> None:
        if query != self.search_box.text().strip():
            return  # an older search
        self.results.clear()
        self.status.setText(self.tr("%n repositories for “{query}”.", "", len(results)).format(query=query) if results
                            else self.tr("Nothing matches “{query}”.").format(query=query))
        for r in results:
            updated = r.last_modified.strftime("%Y-%m-%d") if r.last_modified else "?"
            gated = self.tr(" · gated") if r.gated else ""
            line = self.tr("{repo}\n   {downloads:,} downloads · {likes:,} likes · {updated}{gated}")
            item = QListWidgetItem(line.format(repo=r.repo_id, downloads=r.downloads, likes=r.likes, updated=updated,
                                               gated=gated))
            item.setData(REPO_ROLE, r.repo_id)
            self.results.addItem(item)

    def _repo_selected(self, item: QListWidgetItem | None) -> None:
        if item is None:
            return
        repo = item.data(REPO_ROLE)
        self.repo_label.setText(self.tr("<b>{repo}</b> — listing files…").format(repo=repo))
        self.listing = repo
        self.files.setRowCount(0)
        self.service.list_files(repo)

    def _show_files(self, repo: str, models: list[RemoteModel]) -> None:
        current = self.results.currentItem()
        if current is None or current.data(REPO_ROLE) != repo:
            return
        self.remote = models
        self.listing = ""
        self.repo_label.setText(self.tr("<b>{repo}</b> — %n GGUF file(s)", "", len(models)).format(repo=repo))
        self.files.setRowCount(len(models))
        self.progress_bars = {}
        for row, m in enumerate(models):
            name = m.name + (self.tr("  (+%n part(s))", "", len(m.files) - 1) if m.is_split else "")
            if m.projector is not None:
                name += self.tr("  + vision projector")
            item = QTableWidgetItem(name)
            if m.projector is not None:
                item.setToolTip(self.tr("Sees images: {projector} is downloaded beside it.").format(
                    projector=m.projector.path))
            self.files.setItem(row, 0, item)
            self.files.setItem(row, 1, QTableWidgetItem(m.quant))
            self.files.setItem(row, 2, QTableWidgetItem(human_size(m.size)))
            fit = fit_status(estimate_remote_bytes(m.size))
            fit_item = QTableWidgetItem(self.tr(fit))
            fit_item.setToolTip(self.tr("Weights plus a 4k-token context, against the memory free now."))
            fit_item.setForeground(QColor(FIT_COLOURS[fit]))
            self.files.setItem(row, 3, fit_item)
            self.files.setCellWidget(row, 4, self._download_cell(m))

    def _download_cell(self, model: RemoteModel) -> QWidget:
        key = _key(model)
        cell = QWidget()
        row = QHBoxLayout(cell)
        row.setContentsMargins(2, 0, 2, 0)
        bar = QProgressBar()
        bar.setRange(0, 1000)
        bar.setAccessibleName(self.tr("Download progress {name}").format(name=model.name))
        bar.setVisible(key in self.jobs)
        button = QPushButton(self.tr("Cancel") if key in self.jobs else self.tr("Download"))
        button.setAutoDefault(False)
        button.setAccessibleName(self.tr("Download {name}").format(name=model.name))
        button.clicked.connect(lambda: self._toggle_download(model, button, bar))
        row.addWidget(bar, 1)
        row.addWidget(button)
        self.progress_bars[key] = bar
        return cell

    def _toggle_download(self, model: RemoteModel, button: QPushButton, bar: QProgressBar) -> None:
        key = _key(model)
        if key in self.jobs:
            self.service.cancel(self.jobs[key])
            return
        self.jobs[key] = self.service.download(model)
        button.setText(self.tr("Cancel"))
        bar.show()

    def _on_download(self, event: DownloadEvent) -> None:
        key = _key(event.model)
        bar = self.progress_bars.get(key)
        button = self._button_for(key)
        if event.kind == "progress" and event.progress is not None and bar is not None:
            p = event.progress
            bar.setValue(int(p.done / p.total * 1000) if p.total else 0)
            eta = self.tr(" · {seconds:.0f} s left").format(seconds=p.eta_s) if p.eta_s is not None else ""
            bar.setFormat(f"%p% · {human_size(p.speed_bps)}/s{eta}")
            bar.setToolTip(self.tr("{done} of {total}").format(done=human_size(p.done), total=human_size(p.total)))
        elif event.kind == "waiting" and bar is not None:
            bar.setFormat(self.tr("downloading in another chatapp window…"))
            bar.setToolTip(event.message)
        elif event.kind in ("done", "failed", "cancelled"):
            self.jobs.pop(key, None)
            if button is not None:
                button.setText(self.tr("Download") if event.kind != "done" else self.tr("Downloaded"))
                button.setEnabled(event.kind != "done")
            if event.kind == "done" and event.unverified:
                self.status.setText(self.tr("{name} is in the library, unverified: {source} gives no checksum for "
                                            "{files}, so chatapp could not check it arrived intact.").format(
                    name=event.model.name, source=event.model.source.name, files=", ".join(event.unverified)))
            elif event.kind == "done":
                self.status.setText(
                    self.tr("{name} is ready: verified and in the library.").format(name=event.model.name))
            elif event.kind == "failed":
                self.status.setText(f"<span style='color:#c0392b'>{event.message}</span>")
            else:
                self.status.setText(self.tr("{name}: download paused; Download again to resume.").format(
                    name=event.model.name))

    def _button_for(self, key: str) -> QPushButton | None:
        for row, m in enumerate(self.remote):
            if _key(m) == key:
                cell = self.files.cellWidget(row, 4)
                return cell.findChild(QPushButton) if cell is not None else None
        return None

    def _show_failure(self, message: str) -> None:
        self.status.setText(f"<span style='color:#c0392b'>{message}</span>")
        if self.listing:
            self.listing = ""
            self.repo_label.setText(self.tr("Could not list the files (see below)."))

    # ----- library ------------------------------------------------------------------------------------------
    def _show_library(self, models: list[LocalModel]) -> None:
        self.local = models
        self.library.setRowCount(len(models))
        for row, m in enumerate(models):
            if m.problem:
                cells = [m.path.name, self.tr("unusable"), "", "", "", human_size(m.size)]
            else:
                cells = [m.path.name, m.architecture, m.parameter_label, m.quant, f"{m.context_length:,}",
                         human_size(m.size)]
            for col, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(m.problem or str(m.path))
                self.library.setItem(row, col, item)

    def _selected_local(self) -> LocalModel | None:
        row = self.library.currentRow()
        return self.local[row] if 0 <= row < len(self.local) else None

    def _load(self) -> None:
        model = self._selected_local()
        if model is None:
            return
        if model.problem:
            self.status.setText(f"<span style='color:#c0392b'>{model.problem}</span>")
            return
        self.loadRequested.emit(str(model.path))

    def _delete(self) -> None:
        model = self._selected_local()
        if model is None:
            return
        answer = QMessageBox.question(self, self.tr("Delete model"), self.tr("Delete {name} ({size})?").format(
            name=model.path.name, size=human_size(model.size)))
        if answer == QMessageBox.StandardButton.Yes:
            self.service.delete(model)

    def _open_folder(self) -> None:
        model = self._selected_local()
        folder = model.path.parent if model else self.service.models_dir
        folder.mkdir(parents=True, exist_ok=True)
        QDesktopServices.openUrl(QUrl.fromLocalFile(str(folder)))


def _key(model: RemoteModel) -> str:
    return f"{model.repo_id}/{model.name}"
