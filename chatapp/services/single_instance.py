"""One chatapp window per data folder: a second `chatapp` hands its request to the running one.

Like other desktop apps, starting chatapp while it runs brings the running window forward (and loads
the model asked for there) instead of opening a second app on the same history and models. The
running app listens on a local socket (QLocalServer: a Unix socket or a Windows named pipe) whose
name is derived from the data folder, so runs with their own CHATAPP_DATA_DIR (tests, portable
installs) stay separate. Headless commands (`chatapp chat`, `download`, ...) never use it.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import logging
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtNetwork import QLocalServer, QLocalSocket

log = logging.getLogger(__name__)
CONNECT_TIMEOUT_MS = 500
REPLY_TIMEOUT_MS = 3000


def server_name(data_dir: Path) -> str:
    """A socket name unique to this user and data folder (short enough for Unix socket paths)."""
    try:
        user = getpass.getuser()
    except (KeyError, OSError):
        user = "user"
    key = f"{user}\0{data_dir.expanduser().resolve()}".encode()
    return f"chatapp-{hashlib.sha256(key).hexdigest()[:20]}"


def model_argument(spec: str | None) -> str | None:
    """A --model value the running app can use from its own working folder: paths made absolute."""
    if spec is None:
        return None
    path = Path(spec).expanduser()
    return str(path.resolve()) if path.exists() else spec


def hand_over(data_dir: Path, model: str | None) -> bool:
    """If chatapp already runs on `data_dir`, ask it to come forward (and load `model`); True if it did."""
    socket = QLocalSocket()
    socket.connectToServer(server_name(data_dir))
    if not socket.waitForConnected(CONNECT_TIMEOUT_MS):
        return False
    socket.write(json.dumps({"action": "activate", "model": model_argument(model)}).encode() + b"\n")
    socket.flush()
    answered = socket.waitForReadyRead(REPLY_TIMEOUT_MS) and bytes(socket.readAll().data()).startswith(b"ok")
    socket.disconnectFromServer()
    return answered


class InstanceServer(QObject):
    """Listens for later `chatapp` starts on the same data folder; `activated(model or "")` per start."""

    activated = Signal(str)

    def __init__(self, data_dir: Path, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.name = server_name(data_dir)
        self._server = QLocalServer(self)
        self._server.setSocketOptions(QLocalServer.SocketOption.UserAccessOption)
        self._server.newConnection.connect(self._on_connection)

    def listen(self) -> bool:
        """Start listening; a socket left by a crashed run (no one answered `hand_over`) is replaced."""
        if self._server.listen(self.name):
            return True
        QLocalServer.removeServer(self.name)
        if self._server.listen(self.name):
            return True
        log.warning("single-instance socket %s unavailable: %s", self.name, self._server.errorString())
        return False

    def close(self) -> None:
        self._server.close()

    def _on_connection(self) -> None:
        while (socket := self._server.nextPendingConnection()) is not None:
            socket.readyRead.connect(lambda s=socket: self._on_ready(s))
            socket.disconnected.connect(socket.deleteLater)

    def _on_ready(self, socket: QLocalSocket) -> None:
        if not socket.canReadLine():
            return
        line = bytes(socket.readLine().data())
        try:
            request = json.loads(line)
            model = request.get("model") or ""
            if request.get("action") != "activate" or not isinstance(model, str):
                raise ValueError("unknown request")
        except ValueError:
            log.warning("ignored a malformed single-instance request: %r", line[:200])
            socket.write(b"error\n")
            return
        socket.write(b"ok\n")
        socket.flush()
        self.activated.emit(model)
