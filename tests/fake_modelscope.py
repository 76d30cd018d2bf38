"""A small ModelScope on 127.0.0.1 for tests and benchmarks: the endpoints chatapp (and the modelscope
SDK) use, with the answer shapes modelscope.cn gives, real HTTP, a redirect to a "CDN" for file bodies
(where Range is honoured), and the fake hub's fault switches.

Endpoints: GET /openapi/v1/models (search; modelscope-hub's `list_repos`), GET
/api/v1/models/{owner}/{name}/repo/files (the SDK's `get_model_files`), GET
/api/v1/models/{owner}/{name}/repo?Revision=&FilePath= (its download URL; 302 to /cdn/...).
"""

from __future__ import annotations

import json
import time
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, quote, unquote, urlparse

from fake_hub import FakeRepo, FakeServer, send_body

REVISION = "4f0c0a1b2c3d4e5f60718293a4b5c6d7e8f90123"
NOT_FOUND = {"Code": 10010205001, "Message": "获取模型信息失败，信息：record not found", "RequestId": "fake",
             "Success": False}


class FakeModelScope(FakeServer):
    def __init__(self) -> None:
        super().__init__()
        self.unhashed: set[str] = set()  # files listed without a Sha256 (as some non-LFS files are)

    def reset(self) -> FakeModelScope:
        self.unhashed.clear()
        return super().reset()

    def range_requests(self) -> list[str]:
        return [h["range"] for m, p, h in self.requests if p.startswith("/cdn/") and "range" in h]

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        ms = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def _json(self, payload: object, status: int = 200) -> None:
                body = json.dumps(payload, ensure_ascii=False).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def do_GET(self) -> None:
                ms.requests.append((self.command, self.path, {k.lower(): v for k, v in self.headers.items()}))
                url = urlparse(self.path)
                query = {k: v[0] for k, v in parse_qs(url.query).items()}
                parts = [unquote(p) for p in url.path.strip("/").split("/")]
                if parts[0] in ("openapi", "api") and ms.faults.answer_delay_s:
                    time.sleep(ms.faults.answer_delay_s)
                if parts == ["openapi", "v1", "models"]:
                    return self._search(query)
                if parts[:3] == ["api", "v1", "models"] and len(parts) >= 6 and parts[5] == "repo":
                    repo = ms.repos.get(f"{parts[3]}/{parts[4]}")
                    if repo is None:
                        return self._json(NOT_FOUND, 404)
                    if repo.gated and "authorization" not in {k.lower() for k in self.headers}:
                        return self._json({"Code": 10010205003, "Message": "请先登录并同意模型协议",
                                           "RequestId": "fake", "Success": False}, 403)
                    if parts[6:] == ["files"]:
                        return self._files(repo)
                    if len(parts) == 6 and "FilePath" in query:
                        return self._redirect(repo, query["FilePath"])
                if parts[0] == "cdn" and len(parts) >= 3:
                    return self._cdn(parts[1], "/".join(parts[2:]))
                return self._json(NOT_FOUND, 404)

            def _search(self, query: dict[str, str]) -> None:
                text = query.get("search", "").lower()
                size = int(query.get("page_size", "10"))
                found = [r for r in ms.repos.values() if text in r.repo_id.lower()]
                if query.get("sort") == "downloads":
                    found.sort(key=lambda r: r.downloads, reverse=True)
                models = [{"id": r.repo_id, "display_name": r.repo_id.split("/")[1], "downloads": r.downloads,
                           "likes": r.likes, "last_modified": r.last_modified, "gated": r.gated, "private": False,
                           "tags": ["gguf"]} for r in found[:size]]
                self._json({"success": True, "request_id": "fake", "data": {
                    "models": models, "total_count": len(found), "page_number": 1, "page_size": size}})

            def _files(self, repo: FakeRepo) -> None:
                files = []
                for name, f in repo.files.items():
                    sha = "" if name in ms.unhashed else (ms.faults.advertise_sha256 or repo.sha256(name))
                    files.append({"Name": name.rsplit("/", 1)[-1], "Path": name, "Size": f.size, "Sha256": sha,
                                  "Type": "blob", "IsLFS": name.endswith(".gguf"), "Revision": REVISION,
                                  "Mode": "33188", "CommitMessage": "upload", "CommittedDate": 1760000000})
                dirs = {n.rsplit("/", 1)[0] for n in repo.files if "/" in n}
                files += [{"Name": d, "Path": d, "Size": 0, "Sha256": "", "Type": "tree"} for d in dirs]
                self._json({"Code": 200, "Success": True, "Message": "success", "RequestId": "fake",
                            "Data": {"Files": files}})

            def _redirect(self, repo: FakeRepo, path: str) -> None:
                if path not in repo.files:
                    return self._json(NOT_FOUND, 404)
                self.send_response(302)
                self.send_header("Location", f"/cdn/{quote(repo.repo_id, safe='')}/{quote(path)}?auth_key=1-0-0-x")
                self.send_header("Content-Length", "0")
                self.end_headers()

            def _cdn(self, repo_id: str, path: str) -> None:
                repo = ms.repos.get(unquote(repo_id))
                if repo is None or path not in repo.files:
                    return self._json(NOT_FOUND, 404)
                f = repo.files[path]
                start = 0
                range_header = self.headers.get("Range")
                if range_header and range_header.startswith("bytes="):
                    start = int(range_header[6:].split("-")[0])
                self.send_response(206 if start else 200)
                self.send_header("Content-Length", str(f.size - start))
                self.send_header("Accept-Ranges", "bytes")
                self.send_header("Content-Type", "application/octet-stream")
                if start:
                    self.send_header("Content-Range", f"bytes {start}-{f.size - 1}/{f.size}")
                self.end_headers()
                send_body(self, f, start, ms.faults)

        return Handler
