"""A small Hugging Face Hub on 127.0.0.1 for tests and benchmarks: the endpoints huggingface_hub uses,
real HTTP (HEAD, Range, redirects' headers), and switches to inject faults.

Endpoints: GET /api/models (search), GET /api/models/{repo}[/revision/{rev}] (with blobs), POST
/api/models/{repo}/paths-info/{rev}, HEAD/GET /{repo}/resolve/{rev}/{path}.
"""

from __future__ import annotations

import hashlib
import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, unquote, urlparse

COMMIT = "0123456789abcdef0123456789abcdef01234567"


@dataclass
class FakeFile:
    data: bytes | None = None  # in memory, or:
    path: Path | None = None  # served from disk (big files for benchmarks)

    @property
    def size(self) -> int:
        return len(self.data) if self.data is not None else self.path.stat().st_size  # type: ignore[union-attr]

    def sha256(self) -> str:
        if self.data is not None:
            return hashlib.sha256(self.data).hexdigest()
        digest = hashlib.sha256()
        with self.path.open("rb") as fh:  # type: ignore[union-attr]
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
        return digest.hexdigest()


@dataclass
class FakeRepo:
    repo_id: str
    files: dict[str, FakeFile]
    downloads: int = 0
    likes: int = 0
    last_modified: str = "2026-10-01T12:00:00.000Z"
    gated: bool = False
    _sha: dict[str, str] = field(default_factory=dict)

    def sha256(self, name: str) -> str:
        if name not in self._sha:
            self._sha[name] = self.files[name].sha256()
        return self._sha[name]


@dataclass
class Faults:
    drop_after: int | None = None  # close the connection after this many body bytes (once per count)
    drops_left: int = 0
    corrupt_at: int | None = None  # flip this byte of every body served
    advertise_sha256: str | None = None  # lie about the checksum
    delay_per_chunk_s: float = 0.0
    answer_delay_s: float = 0.0  # wait this long before answering a search or a listing (a slow endpoint)


class FakeServer:
    """A fake model source on 127.0.0.1: its repositories, fault switches and request log, served by
    the handler its subclass gives (`_handler`)."""

    def __init__(self) -> None:
        self.repos: dict[str, FakeRepo] = {}
        self.faults = Faults()
        self.requests: list[tuple[str, str, dict[str, str]]] = []  # method, path, headers (lower-case names)
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        raise NotImplementedError

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    def add_repo(self, repo: FakeRepo) -> FakeRepo:
        self.repos[repo.repo_id] = repo
        return repo

    def start(self) -> Self:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def reset(self) -> Self:
        """No repos, no faults, an empty request log (between tests)."""
        self.repos.clear()
        self.faults = Faults()
        self.requests.clear()
        return self


def tiny_chat_files(model: Path) -> dict[str, FakeFile]:
    """A repo's worth of GGUF files made from one tiny model: two quants, a split one, a vision projector."""
    data = model.read_bytes()
    return {
        "tiny-chat-Q4_K_M.gguf": FakeFile(data),
        "tiny-chat.Q8_0.gguf": FakeFile(data + b"\0" * 32),
        "split/tiny-chat-IQ3_XS-00001-of-00002.gguf": FakeFile(data[:1_000_000]),
        "split/tiny-chat-IQ3_XS-00002-of-00002.gguf": FakeFile(data[1_000_000:]),
        "mmproj-tiny-f16.gguf": FakeFile(b"GGUF" + b"\0" * 100),
        "README.md": FakeFile(b"# Tiny chat\n"),
    }


class FakeHub(FakeServer):
    def range_requests(self) -> list[str]:
        return [h["range"] for m, p, h in self.requests if m == "GET" and "/resolve/" in p and "range" in h]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        hub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:  # keep test output clean
                pass

            def _record(self) -> None:
                hub.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))

            def _json(self, payload: object, status: int = 200, headers: dict[str, str] | None = None) -> None:
                body = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                for k, v in (headers or {}).items():
                    self.send_header(k, v)
                self.end_headers()
                self.wfile.write(body)

            def _error(self, status: int, message: str, code: str | None = None) -> None:
                self._json({"error": message}, status, {"X-Error-Code": code, "X-Error-Message": message}
                           if code else {"X-Error-Message": message})

            def _repo_for(self, parts: list[str]) -> tuple[FakeRepo | None, list[str]]:
                for n in (2, 1):
                    repo = hub.repos.get("/".join(parts[:n]))
                    if repo is not None:
                        return repo, parts[n:]
                return None, parts

            def do_GET(self) -> None:
                self._record()
                url = urlparse(self.path)
                parts = [unquote(p) for p in url.path.strip("/").split("/")]
                if parts[:2] == ["api", "models"] and hub.faults.answer_delay_s:
                    time.sleep(hub.faults.answer_delay_s)
                if parts[:2] == ["api", "models"] and len(parts) == 2:
                    return self._search(parse_qs(url.query))
                if parts[:2] == ["api", "models"]:
                    repo, _rest = self._repo_for(parts[2:])
                    if repo is None:
                        return self._error(404, "Repository not found", "RepoNotFound")
                    return self._json(self._model_info(repo))
                return self._resolve(parts, head=False)

            def do_HEAD(self) -> None:
                self._record()
                parts = [unquote(p) for p in urlparse(self.path).path.strip("/").split("/")]
                return self._resolve(parts, head=True)

            def do_POST(self) -> None:
                self._record()
                length = int(self.headers.get("Content-Length", 0))
                raw = self.rfile.read(length).decode()
                parts = [unquote(p) for p in urlparse(self.path).path.strip("/").split("/")]
                repo, rest = self._repo_for(parts[2:])
                if repo is None or not rest or rest[0] != "paths-info":
                    return self._error(404, "not found")
                wanted = parse_qs(raw).get("paths", []) if "paths=" in raw else json.loads(raw or "{}").get("paths", [])
                return self._json([self._file_entry(repo, p) for p in wanted if p in repo.files])

            def _search(self, query: dict[str, list[str]]) -> None:
                text = (query.get("search") or [""])[0].lower()
                limit = int((query.get("limit") or ["50"])[0])
                found = [r for r in hub.repos.values() if text in r.repo_id.lower()]
                found.sort(key=lambda r: r.downloads, reverse=True)
                self._json([
                    {"id": r.repo_id, "modelId": r.repo_id, "downloads": r.downloads, "likes": r.likes,
                     "lastModified": r.last_modified, "gated": r.gated, "tags": ["gguf"]}
                    for r in found[:limit]
                ])

            def _file_entry(self, repo: FakeRepo, name: str) -> dict[str, object]:
                f = repo.files[name]
                sha = hub.faults.advertise_sha256 or repo.sha256(name)
                return {"type": "file", "path": name, "size": f.size, "oid": "b" * 40,
                        "lfs": {"oid": sha, "size": f.size, "pointerSize": 134}}

            def _model_info(self, repo: FakeRepo) -> dict[str, object]:
                siblings = []
                for name, f in repo.files.items():
                    sha = hub.faults.advertise_sha256 or repo.sha256(name)
                    siblings.append({"rfilename": name, "size": f.size, "blobId": "b" * 40,
                                     "lfs": {"sha256": sha, "size": f.size, "pointerSize": 134}})
                return {"id": repo.repo_id, "modelId": repo.repo_id, "sha": COMMIT, "siblings": siblings,
                        "downloads": repo.downloads, "likes": repo.likes, "lastModified": repo.last_modified,
                        "gated": repo.gated, "private": False, "tags": ["gguf"]}

            def _resolve(self, parts: list[str], head: bool) -> None:
                repo, rest = self._repo_for(parts)
                if repo is None or len(rest) < 3 or rest[0] != "resolve":
                    return self._error(404, "Repository not found", "RepoNotFound")
                if repo.gated and "authorization" not in {k.lower() for k in self.headers}:
                    return self._error(401, "Access to this model is restricted.", "GatedRepo")
                name = "/".join(rest[2:])
                if name not in repo.files:
                    return self._error(404, "Entry not found", "EntryNotFound")
                f = repo.files[name]
                sha = hub.faults.advertise_sha256 or repo.sha256(name)
                start = 0
                range_header = self.headers.get("Range")
                if range_header and range_header.startswith("bytes="):
                    start = int(range_header[6:].split("-")[0])
                status = 206 if start else 200
                self.send_response(status)
                self.send_header("Content-Length", str(f.size - start))
                self.send_header("ETag", f'"{sha}"')
                self.send_header("X-Linked-Etag", f'"{sha}"')
                self.send_header("X-Linked-Size", str(f.size))
                self.send_header("X-Repo-Commit", COMMIT)
                self.send_header("Accept-Ranges", "bytes")
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{f.size - 1}/{f.size}")
                self.end_headers()
                if not head:
                    self._send_body(f, start)

            def _send_body(self, f: FakeFile, start: int) -> None:
                send_body(self, f, start, hub.faults)

        return Handler


def send_body(handler: BaseHTTPRequestHandler, f: FakeFile, start: int, faults: Faults) -> None:
    """Stream `f` from `start` in 1 MiB blocks, with the faults asked for (a flipped byte, a dropped
    connection after some bytes, a slow stream)."""
    drop = faults.drop_after if faults.drops_left > 0 else None
    sent = 0
    pos = start
    chunk = 1 << 20
    source = f.path.open("rb") if f.path is not None else None
    try:
        if source is not None:
            source.seek(start)
        while pos < f.size:
            n = min(chunk, f.size - pos)
            block = source.read(n) if source is not None else f.data[pos : pos + n]  # type: ignore[index]
            if faults.corrupt_at is not None and pos <= faults.corrupt_at < pos + n:
                i = faults.corrupt_at - pos
                block = block[:i] + bytes([block[i] ^ 0xFF]) + block[i + 1 :]
            if drop is not None and sent + len(block) > drop:
                handler.wfile.write(block[: drop - sent])
                faults.drops_left -= 1
                handler.wfile.flush()
                handler.close_connection = True
                handler.connection.shutdown(2)
                return
            handler.wfile.write(block)
            sent += len(block)
            pos += n
            if faults.delay_per_chunk_s:
                time.sleep(faults.delay_per_chunk_s)
    finally:
        if source is not None:
            source.close()
