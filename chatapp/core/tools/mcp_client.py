"""MCP servers' tools, through the official `mcp` SDK, for the turn runner (which is synchronous).

All sessions live on one asyncio event loop on its own thread. The SDK's context managers are
anyio task groups: they must be entered and left by the same task, so each server has one owner
task that opens the transport (stdio: a child process; Streamable HTTP: a connection) and the
session, then waits until it is told to close. Tool calls are separate tasks on that loop; the
caller waits on a future, so Stop (a cancel event) or a timeout abandons the wait at once and
cancels the call's task, which makes the SDK tell the server to cancel — the server itself keeps
running. Every failure is one sentence naming the server; the chat goes on without its tools.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import logging
import os
import threading
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.tools.mcp_config import McpServerConfig
from chatapp.core.types import ToolCall, ToolOutcome, ToolSpec

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_S = 20.0
LIST_TIMEOUT_S = 20.0
CLOSE_TIMEOUT_S = 5.0
NAME_SEPARATOR = "__"  # "server__tool" when two servers offer a tool of the same name
MAX_RESULT_CHARS = 20_000  # a result longer than this is cut (it goes into the model's context)


class McpError(KnownError):
    """An MCP server could not start, answer or run a tool; the message names it."""


def _leaf(exc: BaseException) -> BaseException:
    """The SDK's anyio task groups wrap errors in exception groups; the one that says what happened."""
    while getattr(exc, "exceptions", None):  # an (anyio) exception group, on any Python version
        exc = exc.exceptions[0]  # type: ignore[attr-defined]
    return exc


def _reason(exc: BaseException) -> str:
    leaf = _leaf(exc)
    if isinstance(leaf, FileNotFoundError):
        return f"{leaf.filename or 'the command'} was not found"
    if isinstance(leaf, TimeoutError | concurrent.futures.TimeoutError):
        return "it did not answer in time"
    text = str(leaf).strip() or type(leaf).__name__
    return text[:300]


class _Server:
    """One server's session, owned by a task on the shared loop."""

    def __init__(self, config: McpServerConfig, loop: asyncio.AbstractEventLoop, errlog: Any) -> None:
        self.config, self.loop, self.errlog = config, loop, errlog
        self.session: Any = None
        self.tools: list[Any] = []
        self._stop: asyncio.Event | None = None
        self._owner: concurrent.futures.Future[None] | None = None

    def connect(self) -> None:
        ready: concurrent.futures.Future[None] = concurrent.futures.Future()
        self._owner = asyncio.run_coroutine_threadsafe(self._own(ready), self.loop)
        try:
            ready.result(CONNECT_TIMEOUT_S)
            self.tools = self._submit(self._list()).result(LIST_TIMEOUT_S)
        except BaseException:
            self.close()
            raise

    async def _list(self) -> list[Any]:
        return list((await self.session.list_tools()).tools)

    async def _own(self, ready: concurrent.futures.Future[None]) -> None:
        from mcp import ClientSession, StdioServerParameters
        from mcp.client.stdio import stdio_client

        self._stop = asyncio.Event()
        config = self.config
        try:
            async with contextlib.AsyncExitStack() as stack:
                if config.transport == "stdio":
                    params = StdioServerParameters(command=config.command, args=list(config.args),
                                                   env={**os.environ, **config.env} if config.env else None,
                                                   cwd=config.cwd or None)
                    read, write = await stack.enter_async_context(stdio_client(params, errlog=self.errlog))
                else:
                    import httpx2
                    from mcp.client.streamable_http import streamable_http_client

                    http = await stack.enter_async_context(httpx2.AsyncClient(
                        headers=config.headers, timeout=httpx2.Timeout(30.0, read=config.timeout_s + 30)))
                    read, write, *_ = await stack.enter_async_context(streamable_http_client(config.url,
                                                                                             http_client=http))
                session = await stack.enter_async_context(ClientSession(read, write))
                await session.initialize()
                self.session = session
                ready.set_result(None)
                await self._stop.wait()
        except BaseException as exc:  # noqa: BLE001 - the connect error goes to connect(); later ones are logged
            if not ready.done():
                ready.set_exception(exc)
            else:
                log.info("MCP server %s ended: %s", config.name, _reason(exc))
        finally:
            self.session = None

    def _submit(self, coro: Any) -> concurrent.futures.Future[Any]:
        if self.session is None:
            coro.close()
            raise McpError(QT_TRANSLATE_NOOP("core", "The MCP server {name} is not running."), name=self.config.name)
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def call(self, name: str, arguments: dict[str, Any], cancel: threading.Event, timeout: float) -> Any:
        """The tool's result; raises TimeoutError, InterruptedError (cancelled) or the SDK's error."""
        future = self._submit(self.session.call_tool(name, arguments))
        deadline = time.monotonic() + timeout
        while True:
            try:
                return future.result(0.1)
            except concurrent.futures.TimeoutError:
                if cancel.is_set():
                    future.cancel()
                    raise InterruptedError from None
                if time.monotonic() >= deadline:
                    future.cancel()
                    raise TimeoutError from None

    @property
    def alive(self) -> bool:
        return self.session is not None

    def close(self) -> None:
        if self._owner is not None and not self._owner.done():
            if self._stop is not None:
                self.loop.call_soon_threadsafe(self._stop.set)
            with contextlib.suppress(BaseException):
                self._owner.result(CLOSE_TIMEOUT_S)
        self.session = None


class McpTools:
    """The tools of some MCP servers, started on demand, as a tool source for the turn runner."""

    def __init__(self, servers: Iterable[McpServerConfig], errlog_path: Path | None = None) -> None:
        self.configs = {s.name: s for s in servers}
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp", daemon=True)
        self._thread.start()
        self._servers: dict[str, _Server] = {}
        self._errlog_path = errlog_path
        self._errlog: Any = None
        self._lock = threading.Lock()
        self.problems: dict[str, str] = {}  # server -> why it is not running, in one sentence
        self._routes: dict[str, tuple[str, str]] = {}  # the name the model sees -> (server, tool)
        self._specs: list[ToolSpec] = []

    def _err_file(self) -> Any:
        """Servers' stderr goes to a log file (the SDK needs a real file), never the user's terminal."""
        if self._errlog is None:
            path = self._errlog_path
            self._errlog = open(path, "a", encoding="utf-8") if path else open(os.devnull, "w")  # noqa: SIM115
        return self._errlog

    def start(self, names: Iterable[str] | None = None) -> dict[str, str]:
        """Start the named servers (all usable ones by default) not running yet, in parallel; returns the
        problems of those that could not start (server -> sentence)."""
        wanted = [n for n in (names if names is not None else self.configs) if n in self.configs]
        with self._lock:
            pending = []
            for name in wanted:
                config = self.configs[name]
                if not config.usable:
                    if config.problem:
                        self.problems[name] = self._sentence(name, config.problem)
                    continue
                if name in self._servers and self._servers[name].alive:
                    continue
                pending.append(_Server(config, self._loop, self._err_file()))
            threads = [threading.Thread(target=self._connect, args=(s,), daemon=True) for s in pending]
            for t in threads:
                t.start()
            for t in threads:
                t.join(CONNECT_TIMEOUT_S + LIST_TIMEOUT_S + 5)
            self._route()
        return {n: self.problems[n] for n in wanted if n in self.problems}

    def _connect(self, server: _Server) -> None:
        name = server.config.name
        try:
            server.connect()
        except BaseException as exc:  # noqa: BLE001 - any failure: one sentence, the others go on
            self.problems[name] = self._sentence(name, _reason(exc))
            log.info("MCP server %s could not start: %s", name, _reason(exc))
            return
        self.problems.pop(name, None)
        self._servers[name] = server

    @staticmethod
    def _sentence(name: str, reason: str) -> str:
        return str(McpError(QT_TRANSLATE_NOOP("core", "The MCP server {name} could not start ({reason}); the chat "
                                              "goes on without its tools."), name=name, reason=reason))

    def _route(self) -> None:
        """Tool names as the model sees them: a tool's own name, or server__tool where two servers clash."""
        offered = [(name, tool) for name, server in self._servers.items() if server.alive for tool in server.tools]
        counts: dict[str, int] = {}
        for _, tool in offered:
            counts[tool.name] = counts.get(tool.name, 0) + 1
        self._routes, self._specs = {}, []
        import json

        for server, tool in offered:
            seen = tool.name if counts[tool.name] == 1 else f"{server}{NAME_SEPARATOR}{tool.name}"
            self._routes[seen] = (server, tool.name)
            schema = getattr(tool, "input_schema", None) or {"type": "object", "properties": {}}
            self._specs.append(ToolSpec(seen, getattr(tool, "description", "") or "", json.dumps(schema), server))

    def specs(self) -> tuple[ToolSpec, ...]:
        return tuple(self._specs)

    def server_tools(self, server: str) -> list[str]:
        running = self._servers.get(server)
        return [t.name for t in running.tools] if running is not None and running.alive else []

    def call(self, call: ToolCall, cancel: threading.Event) -> ToolOutcome:
        """Run the call on its server. Failures (unknown tool, a crashed server, a timeout) come back as
        an error result the model reads; Stop comes back cancelled."""
        started = time.monotonic()
        route = self._routes.get(call.name)
        if route is None:
            return ToolOutcome(f"There is no tool named {call.name}.", True, "", 0.0)
        server_name, tool_name = route
        server = self._servers.get(server_name)
        config = self.configs[server_name]
        try:
            if server is None or not server.alive:
                raise McpError(QT_TRANSLATE_NOOP("core", "The MCP server {name} is not running."), name=server_name)
            result = server.call(tool_name, call.parsed_arguments(), cancel, config.timeout_s)
        except InterruptedError:
            return ToolOutcome("The user stopped this call.", True, server_name, time.monotonic() - started, True)
        except TimeoutError:
            text = f"The tool {tool_name} on {server_name} did not answer within {config.timeout_s:g} s."
            return ToolOutcome(text, True, server_name, time.monotonic() - started)
        except Exception as exc:  # noqa: BLE001 - the SDK's errors, a dead connection: said to the model
            return ToolOutcome(f"The tool {tool_name} on {server_name} failed: {_reason(exc)}", True, server_name,
                               time.monotonic() - started)
        return ToolOutcome(_result_text(result), bool(getattr(result, "is_error", False)), server_name,
                           time.monotonic() - started)

    def close(self) -> None:
        """Stop every server (stdio children are ended by the SDK) and the loop."""
        with self._lock:
            for server in self._servers.values():
                server.close()
            self._servers.clear()
        if self._loop.is_running():
            self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CLOSE_TIMEOUT_S)
        if not self._loop.is_running() and not self._loop.is_closed():
            self._loop.close()
        if self._errlog is not None:
            self._errlog.close()
            self._errlog = None


def _result_text(result: Any) -> str:
    """A call's content as text for the model: its text parts; others named; structured content as JSON."""
    import json

    parts = []
    for item in getattr(result, "content", None) or ():
        kind = getattr(item, "type", "")
        if kind == "text":
            parts.append(str(item.text))
        elif kind in ("image", "audio"):
            parts.append(f"[{kind}: {getattr(item, 'mime_type', '') or 'binary'}]")
        elif kind == "resource":
            resource = getattr(item, "resource", None)
            parts.append(str(getattr(resource, "text", "") or f"[resource {getattr(resource, 'uri', '')}]"))
        else:
            parts.append(f"[{kind or 'content'}]")
    if not parts and getattr(result, "structured_content", None) is not None:
        parts.append(json.dumps(result.structured_content, ensure_ascii=False))
    text = "\n".join(parts)
    return text if len(text) <= MAX_RESULT_CHARS else text[:MAX_RESULT_CHARS] + "\n[… cut: the result was longer]"
