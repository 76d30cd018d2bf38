"""ModelScope (modelscope.cn) as a model source, through the HTTP API its own SDK uses.

Why not the `modelscope` SDK: its download writes to its own cache and temporary files, so resuming,
the one-writer lock and the SHA-256 check before a file enters the library (core/models/downloads.py)
would be a second, weaker copy; and the SDK (6 MB, requests, setuptools) only wraps these calls:
- search: `GET /openapi/v1/models?search=&sort=downloads&filter.library=gguf` (modelscope-hub's
  `list_repos`), answered as `{"success", "data": {"models": [{"id", "downloads", "likes", ...}]}}`;
- files: `GET /api/v1/models/{owner}/{name}/repo/files?Revision=master&Recursive=True` (the SDK's
  `get_model_files`), `{"Code": 200, "Data": {"Files": [{"Path", "Size", "Sha256", "Type"}]}}`;
- a file: `GET /api/v1/models/{owner}/{name}/repo?Revision=master&FilePath=...` (its
  `get_file_download_url`), which redirects large files to a CDN and honours `Range` there.
The HTTP client is huggingface_hub's (the same proxies and offline switch as every other download).
A ModelScope access token, if the user has one (MODELSCOPE_API_TOKEN, the SDK's variable), is sent
to ModelScope only; the Hugging Face token never is.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from typing import Any
from urllib.parse import quote

from chatapp import __version__
from chatapp.core.errors import QT_TRANSLATE_NOOP, Phrase
from chatapp.core.models.hub import hub_errors
from chatapp.core.models.remote import (
    FileLocation,
    HubError,
    RemoteFile,
    RemoteModel,
    RepoSummary,
    group_gguf_files,
)
from chatapp.core.models.sources import MODELSCOPE, ModelSource

REVISION = "master"  # the branch the SDK falls back to; GGUF repositories publish there
TOKEN_ENV = "MODELSCOPE_API_TOKEN"
TIMEOUT_S = 15.0


class _Refused(Exception):
    """ModelScope answered, with an HTTP error or an error in its JSON envelope."""

    def __init__(self, status: int, message: str = "") -> None:
        super().__init__(f"HTTP {status}: {message}")
        self.status = status
        self.message = message


@contextmanager
def modelscope_errors(what: Phrase | str, source: ModelSource = MODELSCOPE) -> Iterator[None]:
    """ModelScope's refusals as one sentence each; the offline switch and the network's failures as the
    Hugging Face client says them (`hub_errors`, around this)."""
    from huggingface_hub.errors import HfHubHTTPError

    with hub_errors(what, source):
        try:
            yield
        except (_Refused, HfHubHTTPError) as exc:
            if isinstance(exc, _Refused):
                status = exc.status
            else:
                status = exc.response.status_code if exc.response is not None else 0
            if status == 404:
                raise HubError(QT_TRANSLATE_NOOP("core", "{what}: no such repository on ModelScope (or it is "
                                                 "private)."), what=what) from None
            if status in (401, 403):
                raise HubError(QT_TRANSLATE_NOOP("core", "{what}: this model on ModelScope asks you to sign in and "
                                                 "accept its terms. Do so on its ModelScope page, set "
                                                 "MODELSCOPE_API_TOKEN to your access token and try again."),
                               what=what) from None
            raise HubError(QT_TRANSLATE_NOOP("core", "{what}: {source} answered with an error (HTTP {status}). "
                                             "Try again later."), what=what, source=source.name,
                           status=status) from None


def _auth_headers() -> dict[str, str]:
    token = os.environ.get(TOKEN_ENV, "").strip()
    return {"Authorization": f"Bearer {token}", "Cookie": f"m_session_id={token}"} if token else {}


def _repo_path(repo_id: str) -> str:
    owner, _, name = repo_id.partition("/")
    if not owner or not name or "/" in name:
        raise HubError(QT_TRANSLATE_NOOP("core", "'{repo}' is not a ModelScope repository; it looks like "
                                         "Qwen/Qwen3-8B-GGUF."), repo=repo_id)
    return f"{quote(owner, safe='')}/{quote(name, safe='')}"


def _when(value: Any) -> datetime | None:
    """ModelScope gives times as epoch seconds or ISO text, depending on the endpoint."""
    try:
        if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()):
            return datetime.fromtimestamp(int(value), UTC)
        if isinstance(value, str) and value:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
    except (ValueError, OverflowError, OSError):
        pass
    return None


def _count(value: Any) -> int:
    return int(value) if isinstance(value, int | float) or (isinstance(value, str) and value.isdigit()) else 0


class ModelScopeClient:
    def __init__(self, source: ModelSource = MODELSCOPE) -> None:
        self.source = source

    def errors(self, what: Phrase | str) -> AbstractContextManager[None]:
        return modelscope_errors(what, self.source)

    def _get_json(self, path: str, params: dict[str, str]) -> Any:
        from huggingface_hub import get_session

        response = get_session().get(f"{self.source.base_url()}{path}", params=params, headers=_auth_headers(),
                                     timeout=TIMEOUT_S)
        if response.status_code >= 400:
            raise _Refused(response.status_code, response.text[:200])
        try:
            body = response.json()
        except ValueError:
            raise _Refused(response.status_code, "not JSON") from None
        if not isinstance(body, dict):
            raise _Refused(response.status_code, "not a JSON object")
        code = body.get("Code", body.get("code", 200))
        if body.get("Success", body.get("success", True)) is False or code not in (200, "200", None):
            status = _count(code)  # an HTTP-like code, or ModelScope's own (10010205001…): a refusal
            message = str(body.get("Message") or body.get("message") or "")
            raise _Refused(status if 400 <= status < 600 else 400, message)
        return body

    def search(self, query: str, limit: int = 30) -> list[RepoSummary]:
        """GGUF repositories matching `query`, most downloaded first."""
        with self.errors(Phrase(QT_TRANSLATE_NOOP("core", "Searching for '{query}'"), query=query)):
            body = self._get_json("/openapi/v1/models", {
                "search": query, "sort": "downloads", "page_number": "1", "page_size": str(min(limit, 100)),
                "filter.library": "gguf",
            })
        data = body.get("data") or {}
        models = data.get("models", []) if isinstance(data, dict) else []
        results = []
        for m in models:
            if not isinstance(m, dict) or not isinstance(m.get("id"), str):
                continue
            results.append(RepoSummary(m["id"], _count(m.get("downloads")), _count(m.get("likes")),
                                       _when(m.get("last_modified")), bool(m.get("gated"))))
        return results[:limit]

    def list_models(self, repo_id: str) -> list[RemoteModel]:
        """The repo's GGUF models, with the sizes and SHA-256 sums ModelScope lists."""
        return group_gguf_files(repo_id, self.list_files(repo_id), self.source)

    def list_files(self, repo_id: str) -> list[RemoteFile]:
        """Every file in the repo, with the size and SHA-256 ModelScope lists."""
        with self.errors(Phrase(QT_TRANSLATE_NOOP("core", "Listing {repo}"), repo=repo_id)):
            body = self._get_json(f"/api/v1/models/{_repo_path(repo_id)}/repo/files",
                                  {"Revision": REVISION, "Recursive": "True"})
        entries = (body.get("Data") or {}).get("Files") or []
        return [
            RemoteFile(f["Path"], int(f.get("Size") or 0), (f.get("Sha256") or "").lower() or None)
            for f in entries
            if isinstance(f, dict) and f.get("Type", "blob") == "blob" and isinstance(f.get("Path"), str)
        ]

    def locate(self, repo_id: str, remote: RemoteFile) -> FileLocation:
        """The download URL; the listing already gave size and checksum (the CDN redirect is followed)."""
        url = (f"{self.source.base_url()}/api/v1/models/{_repo_path(repo_id)}/repo"
               f"?Revision={quote(REVISION, safe='')}&FilePath={quote(remote.path, safe='')}")
        headers = {"User-Agent": f"chatapp/{__version__}", **_auth_headers()}
        return FileLocation(url, remote.size, remote.sha256, headers)
