"""Settings (Ctrl+, or File → Settings…): the choices that belong to the app, not to one chat.

Pages down the left: Appearance (theme, language), Models (the folders models are found in),
Downloads (where models are downloaded from: Hugging Face, a mirror, ModelScope),
Servers (saved OpenAI-compatible servers), Tools (MCP servers), Voice (microphone, speakers, voice, speech
recognition), Speed (speculative decoding), Local
API server, Data (where chats, models, settings and logs live). Sections are built elsewhere and added to a page by
its key with `add_to`; what a chat carries (system prompt, template, sampling, context) stays in the
side panel.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QListWidget,
    QScrollArea,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)


class AppSettingsDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Settings"))
        self.setAccessibleName(self.tr("Settings"))
        self.resize(720, 520)
        outer = QVBoxLayout(self)
        row = QHBoxLayout()
        self.pages = QListWidget()
        self.pages.setAccessibleName(self.tr("Settings pages"))
        self.pages.setFixedWidth(170)
        self.pages.setSpacing(3)
        self.stack = QStackedWidget()
        row.addWidget(self.pages)
        row.addWidget(self.stack, 1)
        outer.addLayout(row, 1)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.close)
        outer.addWidget(buttons)
        self.pages.currentRowChanged.connect(self.stack.setCurrentIndex)
        self._layouts: dict[str, QVBoxLayout] = {}
        self._keys: list[str] = []
        for key, title in (
            ("appearance", self.tr("Appearance")), ("models", self.tr("Models")),
            ("downloads", self.tr("Downloads")), ("servers", self.tr("Servers")),
            ("tools", self.tr("Tools")), ("voice", self.tr("Voice")), ("speed", self.tr("Speed")),
            ("api", self.tr("Local API server")),
            ("data", self.tr("Data")),
        ):
            self._add_page(key, title)
        self.pages.setCurrentRow(0)

    def _add_page(self, key: str, title: str) -> None:
        body = QWidget()
        layout = QVBoxLayout(body)
        layout.addStretch(1)
        area = QScrollArea()
        area.setWidgetResizable(True)
        area.setWidget(body)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        self.stack.addWidget(area)
        self.pages.addItem(title)
        self._layouts[key] = layout
        self._keys.append(key)

    def add_to(self, key: str, *sections: QWidget) -> None:
        """Put `sections` on the page `key` ("appearance", "models", ...), below what it already has."""
        layout = self._layouts[key]
        for section in sections:
            layout.insertWidget(layout.count() - 1, section)

    def show_page(self, key: str) -> None:
        self.pages.setCurrentRow(self._keys.index(key))
        self.show()
        self.raise_()
        self.activateWindow()

    def page_titles(self) -> list[str]:
        return [self.pages.item(i).text() for i in range(self.pages.count())]
