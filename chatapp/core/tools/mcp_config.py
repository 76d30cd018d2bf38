"""MCP servers as LM Studio, Claude Desktop and Cursor list them: an `mcp.json` of
`{"mcpServers": {NAME: {"command", "args", "env", "cwd"} | {"url", "headers"}}}`.

Each server is checked on its own (pydantic): a bad entry is kept with its one-sentence problem and
the others still work; `"disabled": true` (Cursor's spelling) keeps one without starting it. Writing
keeps the file's other keys and goes through a temporary file, so a crash never leaves half a file.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError

DEFAULT_TIMEOUT_S = 60.0  # a tool call that takes longer is abandoned (the server is told to cancel)


@dataclass(frozen=True)
class McpServerConfig:
    name: str
    command: str = ""
    args: tuple[str, ...] = ()
    env: dict[str, str] = field(default_factory=dict, compare=False)
    cwd: str = ""
    url: str = ""
    headers: dict[str, str] = field(default_factory=dict, compare=False)
    disabled: bool = False
    timeout_s: float = DEFAULT_TIMEOUT_S
    problem: str = ""  # why it cannot be used, if it cannot

    @property
    def transport(self) -> str:
        return "stdio" if self.command else "http"

    @property
    def usable(self) -> bool:
        return not self.problem and not self.disabled

    def to_json(self) -> dict[str, Any]:
        entry: dict[str, Any] = ({"command": self.command, "args": list(self.args)} if self.command
                                 else {"url": self.url})
        if self.env:
            entry["env"] = dict(self.env)
        if self.cwd:
            entry["cwd"] = self.cwd
        if self.headers:
            entry["headers"] = dict(self.headers)
        if self.disabled:
            entry["disabled"] = True
        if self.timeout_s != DEFAULT_TIMEOUT_S:
            entry["timeout"] = self.timeout_s
        return entry


def parse(data: Any) -> list[McpServerConfig]:
    """Servers from an mcp.json's content; a damaged entry comes back with its problem."""
    if not isinstance(data, dict) or not isinstance(data.get("mcpServers", {}), dict):
        raise KnownError(QT_TRANSLATE_NOOP("core", "This is not an MCP server list: it needs {{\"mcpServers\": "
                                           "{{NAME: {{\"command\": ...}} or {{\"url\": ...}}}}}}."))
    from pydantic import ValidationError  # (with the first mcp.json read: pydantic costs ~0.1 s to import)

    from chatapp.core.tools.mcp_entry import Entry

    servers = []
    for name, raw in data.get("mcpServers", {}).items():
        try:
            entry = Entry.model_validate(raw)
        except ValidationError as exc:
            error = exc.errors()[0]
            where = ".".join(str(p) for p in error["loc"])
            message = str(error["msg"]).removeprefix("Value error, ")
            servers.append(McpServerConfig(str(name), problem=f"{where + ': ' if where else ''}{message}"))
            continue
        servers.append(McpServerConfig(
            str(name), entry.command or "", tuple(entry.args), dict(entry.env), entry.cwd or "", entry.url or "",
            dict(entry.headers), entry.disabled, entry.timeout))
    return servers


def load(path: Path) -> list[McpServerConfig]:
    """The servers in `path` ([] when there is no file). A file that is not JSON is one sentence."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return []
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownError(QT_TRANSLATE_NOOP("core", "Cannot read the MCP server list {path}: {reason}."),
                         path=path, reason=getattr(exc, "strerror", None) or exc) from None
    try:
        data = json.loads(text)
    except ValueError as exc:
        raise KnownError(QT_TRANSLATE_NOOP("core", "The MCP server list {path} is not valid JSON ({reason})."),
                         path=path, reason=exc) from None
    return parse(data)


def save(path: Path, servers: list[McpServerConfig]) -> None:
    """Write the servers, keeping whatever else the file holds (other apps' keys)."""
    try:
        existing = json.loads(path.read_text(encoding="utf-8"))
        if not isinstance(existing, dict):
            existing = {}
    except (OSError, ValueError):
        existing = {}
    existing["mcpServers"] = {s.name: s.to_json() for s in servers if not s.problem}
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".mcp-", suffix=".json")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(existing, fh, indent=2, ensure_ascii=False)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
