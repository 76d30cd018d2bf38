"""Runs the API app under uvicorn on a thread of its own, so `chatapp serve` and the window alike can
start it, know when it answers, and stop it cleanly.

The listening socket is bound here, before uvicorn starts, so a port in use or a bad address is one
clear sentence for the user instead of a log line from inside uvicorn's thread.
"""

from __future__ import annotations

import asyncio
import errno
import logging
import socket
import threading
from collections.abc import Sequence

import uvicorn

from chatapp.core.errors import KnownError
from chatapp.server.app import build_app
from chatapp.server.guard import HostPolicy
from chatapp.server.limits import DEFAULT_MAX_BODY
from chatapp.server.state import ServerState

log = logging.getLogger(__name__)


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise KnownError(f"Port {port} on {host} is already in use; pick another port.") from None
        if exc.errno in (errno.EACCES, errno.EPERM):
            raise KnownError(f"Not allowed to listen on port {port}; use a port above 1023.") from None
        raise KnownError(f"Cannot listen on {host}:{port}: {exc.strerror or exc}.") from None
    except (socket.gaierror, OverflowError) as exc:
        sock.close()
        raise KnownError(f"Cannot listen on {host}:{port}: {exc}.") from None
    sock.listen(128)
    sock.setblocking(False)
    return sock


class ApiServer:
    """One uvicorn server on a background thread. `start()` returns once it accepts connections."""

    def __init__(self, state: ServerState, host: str = "127.0.0.1", port: int = 8080, api_key: str | None = None,
                 cors_origins: Sequence[str] = (), allowed_hosts: Sequence[str] = (),
                 max_body: int = DEFAULT_MAX_BODY) -> None:
        self.host, self.api_key = host, api_key or None
        self._sock = _bind(host, port)
        self.port: int = self._sock.getsockname()[1]  # the real one when port 0 asked for any
        app = build_app(state, self.api_key, cors_origins, HostPolicy.for_address(host, allowed_hosts), max_body)
        config = uvicorn.Config(app, log_level="warning",
                                access_log=False, lifespan="off", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._serve, name="api-server", daemon=True)
        self._error: BaseException | None = None

    @property
    def url(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}/v1"

    def start(self) -> ApiServer:
        self._thread.start()
        while not self._server.started and self._thread.is_alive():
            self._thread.join(0.02)
        if not self._server.started:
            raise KnownError(f"The API server did not start: {self._error or 'see the log'}.")
        log.info("API server on %s", self.url)
        return self

    def _serve(self) -> None:
        try:
            asyncio.run(self._server.serve(sockets=[self._sock]))
        except BaseException as exc:  # reported by start(); the thread must not die silently
            self._error = exc
            log.exception("API server stopped with an error")

    def stop(self, timeout: float = 5.0) -> None:
        """Stop accepting, let running responses end (their generations are cancelled), close the socket."""
        self._server.should_exit = True
        if self._thread.is_alive():
            self._thread.join(timeout)
        self._sock.close()
