"""Hugging Face, or a mirror of it, as a model source: search, file listings and file locations, through
huggingface_hub only.

A mirror (hf-mirror.com…) answers the same API at another address: the same client with another
endpoint, and `token=False`, so the user's token (HF_TOKEN or `hf auth login`) reaches huggingface.co
alone. Every hub error is turned into one sentence for the user here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import TYPE_CHECKING

from chatapp.core.errors import QT_TRANSLATE_NOOP, Phrase
from chatapp.core.models.remote import (
    FileLocation,
    HubError,
    RemoteFile,
    RemoteModel,
    RepoSummary,
    SourceUnreachable,
    group_gguf_files,
)
from chatapp.core.models.sources import HUGGING_FACE, ModelSource

if TYPE_CHECKING:
    from huggingface_hub import HfApi

def route_hub_logging() -> None:
    """huggingface_hub prints its warnings (retries…) on stderr; send them to the app log instead."""
    import logging

    from huggingface_hub.utils import logging as hf_logging

    hf_logging.get_logger()  # the library configures its root logger (with a stderr handler) here
    root = logging.getLogger("huggingface_hub")
    for handler in list(root.handlers):
        root.removeHandler(handler)
    hf_logging.enable_propagation()


@contextmanager
def hub_errors(what: Phrase | str, source: ModelSource = HUGGING_FACE) -> Iterator[None]:
    """Turn huggingface_hub and network exceptions into one clear sentence."""
    route_hub_logging()
    from huggingface_hub.errors import (
        GatedRepoError,
        HfHubHTTPError,
        LocalEntryNotFoundError,
        OfflineModeIsEnabled,
        RepositoryNotFoundError,
    )

    try:
        yield
    except GatedRepoError:
        if not source.sends_hf_token:
            raise HubError(
                QT_TRANSLATE_NOOP("core", "{what}: this model is gated, and chatapp sends your Hugging Face token "
                                  "to huggingface.co only, never to a mirror. Download it from Hugging Face, or "
                                  "find it on ModelScope."),
                what=what,
            ) from None
        raise HubError(
            QT_TRANSLATE_NOOP("core", "{what}: this model is gated. Accept its licence on its Hugging Face page, then "
                              "log in (`hf auth login`, or set HF_TOKEN) and try again."),
            what=what,
        ) from None
    except RepositoryNotFoundError:
        raise HubError(QT_TRANSLATE_NOOP("core", "{what}: no such repository on {source} (or it is private; log in "
                                         "to see it)."), what=what, source=source.name) from None
    except OfflineModeIsEnabled:
        raise HubError(QT_TRANSLATE_NOOP("core", "{what}: offline mode is on (HF_HUB_OFFLINE); turn it off to reach "
                                         "the hub."), what=what) from None
    except LocalEntryNotFoundError:
        raise SourceUnreachable(what, source, "") from None
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise HubError(QT_TRANSLATE_NOOP("core", "{what}: {source} answered with an error (HTTP {status}). Try "
                                         "again later."), what=what, source=source.name, status=status) from None
    except Exception as exc:
        if isinstance(exc, OSError) or is_network_error(exc):
            raise SourceUnreachable(what, source, exc.__class__.__name__) from None
        raise


def is_network_error(exc: BaseException) -> bool:
    """A transport error from the HTTP client huggingface_hub uses (httpx2 in 2.x, httpx/requests before)."""
    return any(cls.__module__.split(".")[0] in ("httpx", "httpx2", "httpcore", "httpcore2", "requests", "urllib3")
               for cls in type(exc).__mro__)


class HubClient:
    """Hugging Face (`kind` "hf") or a mirror of it (`kind` "mirror")."""

    def __init__(self, source: ModelSource = HUGGING_FACE) -> None:
        self.source = source

    def _api(self) -> HfApi:
        from huggingface_hub import HfApi

        return HfApi(endpoint=self.source.base_url(), token=None if self.source.sends_hf_token else False)

    def errors(self, what: Phrase | str) -> AbstractContextManager[None]:
        return hub_errors(what, self.source)

    def search(self, query: str, limit: int = 30) -> list[RepoSummary]:
        """GGUF repositories matching `query`, most downloaded first."""
        with hub_errors(Phrase(QT_TRANSLATE_NOOP("core", "Searching for '{query}'"), query=query), self.source):
            models = list(
                self._api().list_models(
                    search=query or None, filter="gguf", sort="downloads", limit=limit,
                    expand=["downloads", "likes", "lastModified", "gated"],
                )
            )
        return [
            RepoSummary(m.id, int(m.downloads or 0), int(m.likes or 0), m.last_modified, bool(m.gated))
            for m in models
        ]

    def list_models(self, repo_id: str) -> list[RemoteModel]:
        """The repo's GGUF models with sizes and sha256 from the LFS metadata."""
        return group_gguf_files(repo_id, self.list_files(repo_id), self.source)

    def list_files(self, repo_id: str) -> list[RemoteFile]:
        """Every file in the repo, with its size and (for LFS files) sha256."""
        with hub_errors(Phrase(QT_TRANSLATE_NOOP("core", "Listing {repo}"), repo=repo_id), self.source):
            info = self._api().model_info(repo_id, files_metadata=True)
        return [
            RemoteFile(s.rfilename, int(s.size or (s.lfs.size if s.lfs else 0) or 0), s.lfs.sha256 if s.lfs else None)
            for s in (info.siblings or [])
        ]

    def locate(self, repo_id: str, remote: RemoteFile) -> FileLocation:
        """The file's final URL (after the hub's redirect to its CDN), size and sha256 (its LFS etag)."""
        from huggingface_hub import get_hf_file_metadata, hf_hub_url
        from huggingface_hub.utils import build_hf_headers

        token = None if self.source.sends_hf_token else False
        url = hf_hub_url(repo_id, remote.path, endpoint=self.source.base_url())
        with hub_errors(Phrase(QT_TRANSLATE_NOOP("core", "Downloading {file}"), file=remote.path), self.source):
            meta = get_hf_file_metadata(url, token=token, endpoint=self.source.base_url())
        size = meta.size if meta.size is not None else remote.size
        sha = remote.sha256 or meta.etag
        return FileLocation(meta.location, size, sha.lower() if sha else None, build_hf_headers(token=token))
