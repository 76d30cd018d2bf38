"""A free loopback port, for the tests that start a server on a port they must know beforehand."""

from __future__ import annotations

import socket


def free_port() -> int:
    """A port on 127.0.0.1 that no one listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
