"""The window's MCP servers: the `mcp.json` in the config folder, started when a chat that uses them
sends, stopped on exit; and asking the user before a call runs.

`ToolsService` owns one `McpTools` (core/tools/mcp_client.py) for the app. A chat's turn gets a
`ChatTools` source limited to that chat's servers; it starts them on the turn thread the first time
their tools are needed, and a server that cannot start is one sentence (`problem`), the chat going on
without it. `WindowPermission` is the turn runner's permission policy in the window: the turn thread
waits while the conversation shows a card (Allow once / Always allow this tool / Deny); Stop ends
the wait as a refusal.
"""

from __future__ import annotations

import itertools
import logging
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal

from chatapp.core.errors import KnownError
from chatapp.core.tools import mcp_config
from chatapp.core.types import ToolCall, ToolOutcome, ToolSpec
from chatapp.services.i18n import user_message

if TYPE_CHECKING:  # the MCP SDK (and pydantic) load with the first chat that uses a server, not at start-up
    from chatapp.core.tools.mcp_client import McpTools
    from chatapp.core.tools.mcp_config import McpServerConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ServerState:
    name: str
    transport: str  # "stdio" | "http"
    status: str  # "off" (disabled), "not started", "running", "failed"
    tools: tuple[str, ...] = ()
    problem: str = ""


class ToolsService(QObject):
    changed = Signal()  # the servers or their states changed: read `states()`
    problem = Signal(str)  # one sentence for the window (a server that could not start, a damaged mcp.json)

    def __init__(self, config_path: Path, log_path: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.config_path, self._log_path = config_path, log_path
        self._servers: list[McpServerConfig] | None = None  # mcp.json, read at first use (after the window shows)
        self._startup_problem = ""
        self._mcp: McpTools | None = None
        self._lock = threading.Lock()

    @property
    def servers(self) -> list[McpServerConfig]:
        """The servers of mcp.json (read the first time they are asked for)."""
        if self._servers is None:
            try:
                self._servers = mcp_config.load(self.config_path)
            except KnownError as exc:
                self._servers = []
                self._startup_problem = user_message(exc)
        return self._servers

    def startup_problem(self) -> str:
        """Why mcp.json could not be read ("" if it could)."""
        _ = self.servers
        return self._startup_problem

    def names(self) -> list[str]:
        """The servers a chat can turn on."""
        return [s.name for s in self.servers if s.usable]

    def states(self) -> list[ServerState]:
        mcp = self._mcp
        out = []
        for s in self.servers:
            if s.problem:
                out.append(ServerState(s.name, s.transport, "failed", problem=s.problem))
            elif s.disabled:
                out.append(ServerState(s.name, s.transport, "off"))
            elif mcp is not None and mcp.server_tools(s.name):
                out.append(ServerState(s.name, s.transport, "running", tuple(mcp.server_tools(s.name))))
            elif mcp is not None and s.name in mcp.problems:
                out.append(ServerState(s.name, s.transport, "failed", problem=mcp.problems[s.name]))
            else:
                out.append(ServerState(s.name, s.transport, "not started"))
        return out

    def set_servers(self, servers: list[McpServerConfig]) -> None:
        """Save the list (the mcp.json keeps other apps' keys); running servers restart when next used."""
        mcp_config.save(self.config_path, servers)
        self._servers = list(servers)
        self._restart()
        self.changed.emit()

    def import_from(self, path: Path) -> int:
        """Add the servers of another app's mcp.json (a name already here is replaced); returns how many."""
        imported = [s for s in mcp_config.load(path) if not s.problem]
        names = {s.name for s in imported}
        self.set_servers([s for s in self.servers if s.name not in names] + imported)
        return len(imported)

    def _restart(self) -> None:
        with self._lock:
            old, self._mcp = self._mcp, None
        if old is not None:
            threading.Thread(target=old.close, name="mcp-close", daemon=True).start()

    def _tools(self) -> McpTools:
        with self._lock:
            if self._mcp is None:
                from chatapp.core.tools.mcp_client import McpTools

                self._mcp = McpTools(self.servers, self._log_path)
            return self._mcp

    def source(self, names: list[str]) -> ChatTools | None:
        """The tools of `names` for one turn; None when the chat uses no server."""
        wanted = [n for n in names if n in self.names()]
        return ChatTools(self, wanted) if wanted else None

    def start(self, names: list[str]) -> McpTools:
        """Start these servers (on the calling thread: the turn's); problems are said once each."""
        tools = self._tools()
        for message in tools.start(names).values():
            self.problem.emit(message)
        self.changed.emit()
        return tools

    def shutdown(self) -> None:
        with self._lock:
            mcp, self._mcp = self._mcp, None
        if mcp is not None:
            mcp.close()


class ChatTools:
    """One chat's servers as the turn runner's tool source."""

    def __init__(self, service: ToolsService, names: list[str]) -> None:
        self._service, self._names = service, names
        self._mcp: McpTools | None = None

    def specs(self) -> tuple[ToolSpec, ...]:
        if self._mcp is None:
            self._mcp = self._service.start(self._names)
        return tuple(s for s in self._mcp.specs() if s.source in self._names)

    def call(self, call: ToolCall, cancel: threading.Event) -> ToolOutcome:
        assert self._mcp is not None
        return self._mcp.call(call, cancel)


@dataclass(frozen=True)
class PermissionRequest:
    request_id: int
    name: str
    server: str
    arguments: str


class WindowPermission(QObject):
    """Asks in the conversation before a call runs; `answer` comes from the card's buttons."""

    asked = Signal(object)  # PermissionRequest, emitted on the turn thread, received on the GUI thread
    settled = Signal(int)  # a request no longer waiting (answered, or its turn was stopped)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._ids = itertools.count(1)
        self._answers: dict[int, list[str]] = {}
        self._events: dict[int, threading.Event] = {}
        self.always: set[tuple[str, str]] = set()  # (server, tool) allowed for the rest of the session

    def for_turn(self, cancel: threading.Event) -> _TurnPermission:
        return _TurnPermission(self, cancel)

    def answer(self, request_id: int, decision: str) -> None:
        box, event = self._answers.get(request_id), self._events.get(request_id)
        if box is not None and event is not None:
            box.append(decision)
            event.set()

    def _ask(self, call: ToolCall, spec: ToolSpec | None, cancel: threading.Event) -> str:
        server = spec.source if spec is not None else ""
        if (server, call.name) in self.always:
            return "allow"
        request = PermissionRequest(next(self._ids), call.name, server, call.arguments)
        box: list[str] = []
        event = threading.Event()
        self._answers[request.request_id], self._events[request.request_id] = box, event
        self.asked.emit(request)
        try:
            while not event.wait(0.1):
                if cancel.is_set():
                    return "deny"
        finally:
            self._answers.pop(request.request_id, None)
            self._events.pop(request.request_id, None)
            self.settled.emit(request.request_id)
        decision = box[0] if box else "deny"
        if decision == "always":
            self.always.add((server, call.name))
        return decision


class _TurnPermission:
    def __init__(self, owner: WindowPermission, cancel: threading.Event) -> None:
        self._owner, self._cancel = owner, cancel

    def decide(self, call: ToolCall, spec: ToolSpec | None) -> str:
        return self._owner._ask(call, spec, self._cancel)
