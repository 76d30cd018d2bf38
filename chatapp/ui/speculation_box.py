"""Settings section for speculative decoding: off, automatic (n-gram guesses), or a draft model."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QWidget,
)

from chatapp.core.errors import QT_TRANSLATE_NOOP

CHOICES = (
    (QT_TRANSLATE_NOOP("SpeculationBox", "Automatic"), "prompt-lookup"),
    (QT_TRANSLATE_NOOP("SpeculationBox", "Off"), "off"),
    (QT_TRANSLATE_NOOP("SpeculationBox", "With a draft model"), "draft"),
)


class SpeculationBox(QGroupBox):
    """Emits `changed(mode, draft_model_path)` when the user picks a mode or a draft model."""

    changed = Signal(str, str)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Speculative decoding"))
        form = QFormLayout(self)
        self.mode = QComboBox()
        for label, mode in CHOICES:
            self.mode.addItem(self.tr(label), mode)
        self.mode.setAccessibleName(self.tr("Speculative decoding"))
        self.mode.setToolTip(self.tr(
            "Guesses the next words and checks them all at once: the same reply, sooner when it repeats text from "
            "the conversation (quotes, code, names). Automatic guesses from the text so far and stops guessing "
            "when guesses fail. A draft model is a smaller model of the same family that guesses for the loaded "
            "one."))
        form.addRow(self.tr("Mode"), self.mode)
        row = QHBoxLayout()
        self.draft_path = QLineEdit()
        self.draft_path.setReadOnly(True)
        self.draft_path.setPlaceholderText(self.tr("no draft model chosen"))
        self.draft_path.setAccessibleName(self.tr("Draft model file"))
        self.choose = QPushButton(self.tr("Choose…"))
        self.choose.setAccessibleName(self.tr("Choose a draft model"))
        self.choose.clicked.connect(self._choose)
        row.addWidget(self.draft_path, 1)
        row.addWidget(self.choose)
        self.draft_label = QLabel(self.tr("Draft model"))
        form.addRow(self.draft_label, row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName(self.tr("Speculative decoding status"))
        form.addRow(self.status)
        self.mode.currentIndexChanged.connect(self._mode_changed)
        self._show_draft_row()

    def current_mode(self) -> str:
        return str(self.mode.currentData())

    def set_choice(self, mode: str, draft_model: str) -> None:
        """Show a saved choice without emitting `changed`."""
        self.mode.blockSignals(True)
        index = self.mode.findData(mode)
        self.mode.setCurrentIndex(index if index >= 0 else 0)
        self.mode.blockSignals(False)
        self.draft_path.setText(draft_model)
        self._show_draft_row()

    def show_applied(self, mode: str, message: str) -> None:
        """What the engine runs with: a problem (e.g. a draft model that does not fit) in one sentence."""
        self.status.setText(message)
        self.status.setVisible(bool(message))

    def _mode_changed(self) -> None:
        self._show_draft_row()
        if self.current_mode() == "draft" and not self.draft_path.text():
            self._choose()  # emits once a file is picked; until then the engine keeps what it has
            return
        self.changed.emit(self.current_mode(), self.draft_path.text())

    def _choose(self) -> None:
        start = str(Path(self.draft_path.text()).parent) if self.draft_path.text() else ""
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Choose a draft model"), start,
                                              self.tr("GGUF models (*.gguf)"))
        if path:
            self.draft_path.setText(path)
            if self.current_mode() == "draft":
                self.changed.emit("draft", path)

    def _show_draft_row(self) -> None:
        draft = self.current_mode() == "draft"
        for widget in (self.draft_label, self.draft_path, self.choose):
            widget.setVisible(draft)
        if not draft:
            self.status.setVisible(False)
