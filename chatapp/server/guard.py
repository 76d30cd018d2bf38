"""What every request must pass before the API reads it: addressed to this server, JSON, not too big.

A server on 127.0.0.1 without a key is reachable by any web page the user visits. Two doors are shut:
- DNS rebinding (Ollama's CVE-2024-28224): a page on evil.example re-points its name at 127.0.0.1 and
  its requests arrive with `Host: evil.example`. Only requests that name this server's address, a
  loopback name, an IP literal (when listening on all addresses) or an `--allowed-host` are answered.
- Cross-site "simple" POSTs: a page may POST `text/plain` anywhere without asking first. POST bodies
  must be `application/json`, which a browser sends cross-site only after a CORS preflight that is
  refused unless `--cors-origin` allows the page. The one exception is the upload path OpenAI's API
  defines as multipart (`/v1/audio/transcriptions`): a page could have it transcribe a file, but cannot
  read the answer, and the path runs no model that acts or writes anything.
Bodies over the limit are refused from their Content-Length before a byte is read; a chunked body is
counted as it arrives and refused the moment it passes the limit (an upload path's own limit there).
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from chatapp.server.errors import ApiError
from chatapp.server.limits import DEFAULT_MAX_BODY, MAX_AUDIO_UPLOAD

LOOPBACK_NAMES = frozenset({"localhost", "localhost.localdomain"})
WILDCARDS = frozenset({"0.0.0.0", "::", ""})


def _is_ip(name: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(name)
    except ValueError:
        return None


def host_name(header: str) -> str:
    """The name in a Host header, without port, brackets, case or trailing dot."""
    header = header.strip().lower()
    if header.startswith("["):  # [::1]:8080
        return header[1:header.find("]")] if "]" in header else header
    if header.count(":") == 1:
        header = header.split(":", 1)[0]
    return header.rstrip(".")


@dataclass(frozen=True)
class HostPolicy:
    """Which Host headers are answered. `any_host` is `--allowed-host '*'`: the user's explicit choice."""

    names: frozenset[str]
    any_ip: bool = False
    any_host: bool = False

    @classmethod
    def for_address(cls, listen: str, allowed: Iterable[str] = ()) -> HostPolicy:
        extra = {host_name(a) for a in allowed if a.strip()}
        names = set(LOOPBACK_NAMES) | (extra - {"*"})
        listen = host_name(listen)
        wildcard = listen in WILDCARDS
        if not wildcard:
            names.add(listen)
        ip = _is_ip(listen)
        if wildcard or ip is None or not ip.is_loopback:  # reachable from elsewhere: by the machine's names too
            hostname = socket.gethostname().lower()
            names |= {hostname, f"{hostname}.local", socket.getfqdn().lower()}
        return cls(frozenset(names), any_ip=wildcard, any_host="*" in extra)

    def allows(self, header: str) -> bool:
        if self.any_host:
            return True
        name = host_name(header)
        if name in self.names:
            return True
        ip = _is_ip(name)
        # A rebinding page can only use a DNS name; an IP literal names the machine it is sent to.
        return ip is not None and (ip.is_loopback or self.any_ip)


class RequestGuard:
    """ASGI middleware: Host, Content-Type and body size, checked before anything else runs."""

    def __init__(self, app: ASGIApp, policy: HostPolicy, respond: Callable[[ApiError, str], Response],
                 max_body: int = DEFAULT_MAX_BODY, upload_paths: frozenset[str] = frozenset()) -> None:
        """`respond` renders a refusal in the shape of the dialect its path belongs to; `upload_paths` take
        multipart bodies (files) up to MAX_AUDIO_UPLOAD, or `max_body` if that is more."""
        self.app, self.policy, self.respond, self.max_body = app, policy, respond, max_body
        self.upload_paths = upload_paths

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = max(self.max_body, MAX_AUDIO_UPLOAD) if scope["path"] in self.upload_paths else self.max_body
        try:
            self._check(scope, limit)
        except ApiError as error:
            await self.respond(error, scope["path"])(scope, receive, send)
            return
        await self.app(scope, self._counted(receive, limit), send)

    def _check(self, scope: Scope, limit: int) -> None:
        headers = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}
        host = headers.get("host", "")
        if not self.policy.allows(host):
            shown = "".join(c for c in host_name(host)[:80] if c.isprintable() and c not in "'\"") or "nothing"
            raise ApiError(403, f"This server does not answer requests addressed to '{shown}' (a web page may be "
                                f"trying to reach it); if you use that name, start it with --allowed-host {shown}.",
                           code="host_not_allowed")
        if scope["method"] not in ("POST", "PUT", "PATCH"):
            return
        content_type = headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if scope["path"] in self.upload_paths:
            if content_type != "multipart/form-data":
                raise ApiError(415, "This endpoint takes a file: send it as 'Content-Type: multipart/form-data'.",
                               code="unsupported_media_type")
        elif content_type != "application/json":
            raise ApiError(415, "Request bodies must be JSON: send 'Content-Type: application/json'.",
                           code="unsupported_media_type")
        length = headers.get("content-length")
        if length is not None:
            if not length.strip().isdigit():
                raise ApiError(400, "The Content-Length header is not a number.")
            if int(length) > limit:
                raise self._too_big(limit)

    def _too_big(self, limit: int) -> ApiError:
        return ApiError(413, f"The request body is over {limit:,} bytes; send less, or start the server "
                             "with a larger --max-body.", code="request_too_large")

    def _counted(self, receive: Receive, limit: int) -> Receive:
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > limit:
                    raise self._too_big(limit)  # answered by the app's ApiError handler, mid-read
            return message

        return counted
