"""The first-run view: what the window shows when there is no model yet."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QVBoxLayout, QWidget


class FirstRunView(QWidget):
    demoRequested = Signal()
    openRequested = Signal()
    modelsRequested = Signal()

    def __init__(self) -> None:
        super().__init__()
        layout = QVBoxLayout(self)
        layout.addStretch(1)
        title = QLabel(self.tr("<h2>Welcome to chatapp</h2>"
                       "<p>Chat with a language model that runs entirely on this computer.<br>"
                       "Nothing you type leaves it.</p>"))
        title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        layout.addWidget(title)
        for text, tip, signal in (
            (self.tr("Try the demo model"),
             self.tr("SmolLM2 135M Instruct (98 MB): a small, fast chat model to try chatapp with"),
             self.demoRequested),
            (self.tr("Find and download a model…"),
             self.tr("Recommended chat models and all of Hugging Face's GGUF models"), self.modelsRequested),
            (self.tr("Open a GGUF model file…"), self.tr("Any GGUF model, e.g. one downloaded from Hugging Face"),
             self.openRequested),
        ):
            button = QPushButton(text)
            button.setToolTip(tip)
            button.setAccessibleName(text)
            button.setMinimumWidth(280)
            button.clicked.connect(signal)
            row = QHBoxLayout()
            row.addStretch(1)
            row.addWidget(button)
            row.addStretch(1)
            layout.addLayout(row)
        layout.addStretch(2)
