"""Settings → Downloads: where models are searched for and downloaded from — Hugging Face, a Hugging
Face mirror (any address; hf-mirror.com offered) or ModelScope. Applies at once; the model manager
searches the new source on its next search."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.errors import KnownError
from chatapp.core.models.sources import HUGGING_FACE, MODELSCOPE, ModelSource, mirror
from chatapp.core.types import DEFAULT_MIRROR_URL
from chatapp.services.i18n import user_message


class ModelSourceBox(QGroupBox):
    """Emits `changed(ModelSource)` when the user picks a source or edits the mirror's address."""

    changed = Signal(object)

    def __init__(self, current: ModelSource, mirror_url: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setTitle(self.tr("Model source"))
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("Where the model manager and `chatapp download` search for models and download "
                              "them. Every source's downloads resume and are checked against the checksum it "
                              "lists."))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.group = QButtonGroup(self)
        self.hf = QRadioButton(self.tr("Hugging Face (huggingface.co)"))
        self.mirror = QRadioButton(self.tr("A Hugging Face mirror:"))
        self.modelscope = QRadioButton(self.tr("ModelScope (modelscope.cn)"))
        modelscope_note = QLabel(self.tr("Where Qwen, DeepSeek, GLM, MiniCPM and InternLM publish their own GGUFs; "
                                         "reachable from mainland China."))
        modelscope_note.setWordWrap(True)
        modelscope_note.setContentsMargins(24, 0, 0, 0)  # under its radio button's text
        self.mirror_url = QLineEdit(mirror_url or DEFAULT_MIRROR_URL)
        self.mirror_url.setPlaceholderText(DEFAULT_MIRROR_URL)
        self.mirror_url.setAccessibleName(self.tr("Mirror address"))
        layout.addWidget(self.hf)
        row = QHBoxLayout()
        row.addWidget(self.mirror)
        row.addWidget(self.mirror_url, 1)
        layout.addLayout(row)
        layout.addWidget(self.modelscope)
        layout.addWidget(modelscope_note)
        for button in (self.hf, self.mirror, self.modelscope):
            self.group.addButton(button)
        self.problem = QLabel()
        self.problem.setStyleSheet("color: #c0392b")
        self.problem.setWordWrap(True)
        self.problem.hide()
        layout.addWidget(self.problem)
        privacy = QLabel(self.tr("Your Hugging Face token (HF_TOKEN or `hf auth login`) is sent to huggingface.co "
                                 "only, never to a mirror or ModelScope. From mainland China, the mirror or "
                                 "ModelScope is usually much faster."))
        privacy.setWordWrap(True)
        privacy.setEnabled(False)
        layout.addWidget(privacy)
        self.show_source(current)
        self.group.buttonClicked.connect(lambda _button: self._emit())
        self.mirror_url.editingFinished.connect(lambda: self._emit() if self.mirror.isChecked() else None)

    def show_source(self, source: ModelSource) -> None:
        """Reflect a choice made elsewhere (the model manager's suggestion) without emitting."""
        button = {"hf": self.hf, "mirror": self.mirror, "modelscope": self.modelscope}[source.kind]
        button.setChecked(True)
        if source.kind == "mirror":
            self.mirror_url.setText(source.endpoint)
        self.mirror_url.setEnabled(source.kind == "mirror")

    def source(self) -> ModelSource:
        """The chosen source; raises KnownError for a mirror address that is not one."""
        if self.modelscope.isChecked():
            return MODELSCOPE
        if self.mirror.isChecked():
            return mirror(self.mirror_url.text() or DEFAULT_MIRROR_URL)
        return HUGGING_FACE

    def _emit(self) -> None:
        self.mirror_url.setEnabled(self.mirror.isChecked())
        try:
            source = self.source()
        except KnownError as exc:
            self.problem.setText(user_message(exc))
            self.problem.show()
            return
        self.problem.hide()
        self.changed.emit(source)
