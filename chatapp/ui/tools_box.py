"""Settings → Tools: the MCP servers (the `mcp.json` in chatapp's config folder, in the format LM Studio,
Claude Desktop and Cursor use): each one's state and tools; add, remove, turn off, import another
app's list. Which servers a chat uses is chosen in that chat (the composer's Tools button)."""

from __future__ import annotations

import shlex
from dataclasses import replace
from pathlib import Path

from PySide6.QtCore import Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from chatapp.core.errors import KnownError
from chatapp.core.tools.mcp_config import McpServerConfig
from chatapp.services.i18n import user_message
from chatapp.services.tools_service import ServerState, ToolsService
from chatapp.ui.folders_box import open_folder


class AddServerDialog(QDialog):
    """A server by its command (stdio) or its URL (Streamable HTTP)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(self.tr("Add an MCP server"))
        form = QFormLayout(self)
        self.name = QLineEdit()
        self.name.setAccessibleName(self.tr("Server name"))
        form.addRow(self.tr("Name"), self.name)
        self.kind = QComboBox()
        self.kind.addItem(self.tr("A program on this computer (stdio)"), "stdio")
        self.kind.addItem(self.tr("A server at a URL (Streamable HTTP)"), "http")
        form.addRow(self.tr("Kind"), self.kind)
        self.command = QLineEdit()
        self.command.setPlaceholderText(self.tr("e.g. npx -y @modelcontextprotocol/server-filesystem ~/Documents"))
        self.command.setAccessibleName(self.tr("Command and arguments"))
        form.addRow(self.tr("Command"), self.command)
        self.url = QLineEdit()
        self.url.setPlaceholderText("http://127.0.0.1:8000/mcp")
        self.url.setAccessibleName(self.tr("Server URL"))
        form.addRow(self.tr("URL"), self.url)
        self.status = QLabel()
        self.status.setWordWrap(True)
        form.addRow(self.status)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._check)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.kind.currentIndexChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        stdio = self.kind.currentData() == "stdio"
        self.command.setEnabled(stdio)
        self.url.setEnabled(not stdio)

    def config(self) -> McpServerConfig:
        name = self.name.text().strip()
        if self.kind.currentData() == "stdio":
            parts = shlex.split(self.command.text())
            return McpServerConfig(name, command=parts[0] if parts else "", args=tuple(parts[1:]))
        return McpServerConfig(name, url=self.url.text().strip())

    def _check(self) -> None:
        from chatapp.core.tools.mcp_config import parse

        config = self.config()
        checked = parse({"mcpServers": {config.name or "?": config.to_json()}})[0] if config.name else None
        if checked is None:
            self.status.setText(self.tr("Give the server a name."))
        elif checked.problem:
            self.status.setText(checked.problem)
        else:
            self.accept()


class ToolsBox(QGroupBox):
    addRequested = Signal()

    def __init__(self, service: ToolsService, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.service = service
        self.setTitle(self.tr("MCP servers"))
        layout = QVBoxLayout(self)
        note = QLabel(self.tr("Tools the model may call, from MCP servers. A chat uses them once you turn them on "
                              "in it (the Tools button under the message box), and every call asks first."))
        note.setWordWrap(True)
        layout.addWidget(note)
        self.list = QListWidget()
        self.list.setAccessibleName(self.tr("MCP servers"))
        self.list.setMinimumHeight(140)
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.add_button = QPushButton(self.tr("Add a server…"))
        self.remove_button = QPushButton(self.tr("Remove"))
        self.remove_button.setAccessibleName(self.tr("Remove the selected server"))
        self.toggle_button = QPushButton(self.tr("Turn off / on"))
        self.toggle_button.setAccessibleName(self.tr("Turn the selected server off or on"))
        self.import_button = QPushButton(self.tr("Import from another app…"))
        self.folder_button = QPushButton(self.tr("Open the folder of mcp.json"))
        for button in (self.add_button, self.remove_button, self.toggle_button, self.import_button,
                       self.folder_button):
            row.addWidget(button)
        row.addStretch(1)
        layout.addLayout(row)
        self.status = QLabel()
        self.status.setWordWrap(True)
        layout.addWidget(self.status)
        self.add_button.clicked.connect(self._add)
        self.remove_button.clicked.connect(self._remove)
        self.toggle_button.clicked.connect(self._toggle)
        self.import_button.clicked.connect(self._import)
        self.folder_button.clicked.connect(lambda: open_folder(service.config_path.parent))
        service.changed.connect(self.refresh)

    def showEvent(self, event: QShowEvent) -> None:
        self.refresh()  # (not at construction: mcp.json is read once the window is on screen)
        super().showEvent(event)

    def refresh(self) -> None:
        selected = self.list.currentRow()
        self.list.clear()
        for state in self.service.states():
            self.list.addItem(self.describe(state))
        if 0 <= selected < self.list.count():
            self.list.setCurrentRow(selected)

    def describe(self, state: ServerState) -> str:
        status = {"off": self.tr("off"), "not started": self.tr("starts when a chat uses it"),
                  "running": self.tr("running: %n tool(s)", "", len(state.tools)),
                  "failed": self.tr("cannot start")}[state.status]
        line = f"{state.name} · {state.transport} · {status}"
        if state.tools:
            line += f" ({', '.join(state.tools)})"
        if state.problem:
            line += f" — {state.problem}"
        return line

    def add_server(self, config: McpServerConfig) -> None:
        servers = [s for s in self.service.servers if s.name != config.name] + [config]
        self._save(servers)

    def _save(self, servers: list[McpServerConfig]) -> None:
        try:
            self.service.set_servers(servers)
            self.status.setText("")
        except OSError as exc:
            self.status.setText(self.tr("Could not write {path}: {reason}").format(
                path=self.service.config_path, reason=exc.strerror or exc))

    def _add(self) -> None:
        dialog = AddServerDialog(self)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.add_server(dialog.config())

    def _selected(self) -> McpServerConfig | None:
        row = self.list.currentRow()
        return self.service.servers[row] if 0 <= row < len(self.service.servers) else None

    def _remove(self) -> None:
        chosen = self._selected()
        if chosen is not None:
            self._save([s for s in self.service.servers if s.name != chosen.name])

    def _toggle(self) -> None:
        chosen = self._selected()
        if chosen is not None and not chosen.problem:
            self._save([replace(s, disabled=not s.disabled) if s.name == chosen.name else s
                        for s in self.service.servers])

    def _import(self) -> None:
        path, _ = QFileDialog.getOpenFileName(self, self.tr("Another app's MCP server list"), "",
                                              self.tr("MCP server list (*.json)"))
        if path:
            self.import_file(Path(path))

    def import_file(self, path: Path) -> None:
        try:
            count = self.service.import_from(path)
        except KnownError as exc:
            self.status.setText(user_message(exc))
            return
        self.status.setText(self.tr("%n server(s) imported.", "", count))
