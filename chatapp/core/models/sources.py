"""Where models come from: Hugging Face, a Hugging Face mirror, or ModelScope.

From mainland China huggingface.co is blocked or too slow; a mirror (hf-mirror.com by default) serves
the same repositories through the same API, and ModelScope is where Qwen, DeepSeek, GLM, MiniCPM and
InternLM publish their own GGUFs. The user picks one in Settings → Downloads (`model_source`,
`model_mirror`); `CHATAPP_MODEL_SOURCE` (hf, mirror, modelscope, or a mirror's URL) and `--source`
override it for the terminal.

The user's Hugging Face token goes to huggingface.co (or the endpoint HF_ENDPOINT names) and never to
a mirror or ModelScope: a `ModelSource` says whether it may carry it.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol
from urllib.parse import urlsplit

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError, Phrase
from chatapp.core.types import DEFAULT_MIRROR_URL, MODEL_SOURCE_KINDS

if TYPE_CHECKING:
    from chatapp.core.models.remote import FileLocation, RemoteFile, RemoteModel, RepoSummary

MODELSCOPE_URL = "https://www.modelscope.cn"
SOURCE_ENV = "CHATAPP_MODEL_SOURCE"
# The ModelScope SDK's own variable for its site (a host name, e.g. "www.modelscope.cn"), honoured like
# HF_ENDPOINT is for Hugging Face.
MODELSCOPE_DOMAIN_ENV = "MODELSCOPE_DOMAIN"


@dataclass(frozen=True)
class ModelSource:
    """One place to search and download from. `endpoint` "" means huggingface_hub's own (HF_ENDPOINT)."""

    kind: str  # one of MODEL_SOURCE_KINDS
    endpoint: str = ""

    def __post_init__(self) -> None:
        if self.kind not in MODEL_SOURCE_KINDS:
            raise ValueError(f"not a model source kind: {self.kind!r}")

    @property
    def sends_hf_token(self) -> bool:
        """Only Hugging Face itself gets the user's Hugging Face token."""
        return self.kind == "hf"

    @property
    def name(self) -> str:
        """For sentences: "Hugging Face", the mirror's host name, or "ModelScope"."""
        if self.kind == "mirror":
            return urlsplit(self.endpoint).netloc or self.endpoint
        return "ModelScope" if self.kind == "modelscope" else "Hugging Face"

    def base_url(self) -> str:
        if self.endpoint:
            return self.endpoint
        if self.kind == "modelscope":
            domain = os.environ.get(MODELSCOPE_DOMAIN_ENV, "").strip().rstrip("/")
            if domain:
                return domain if "://" in domain else f"https://{domain}"
            return MODELSCOPE_URL
        from huggingface_hub import constants

        return constants.ENDPOINT.rstrip("/")


HUGGING_FACE = ModelSource("hf")
MODELSCOPE = ModelSource("modelscope")


def mirror(url: str = DEFAULT_MIRROR_URL) -> ModelSource:
    return ModelSource("mirror", check_mirror_url(url))


def check_mirror_url(url: str) -> str:
    """A mirror's address, normalised, or one sentence saying what is wrong with it."""
    url = url.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise KnownError(QT_TRANSLATE_NOOP("core", "'{url}' is not a mirror's address; it looks like "
                                           "https://hf-mirror.com."), url=url)
    return url


def source_from(kind: str, mirror_url: str = "") -> ModelSource:
    """The source a setting or `--source` names: hf, mirror (at `mirror_url`), modelscope, or a URL."""
    choice = kind.strip().lower()
    if choice in ("", "hf", "huggingface", "hugging-face"):
        return HUGGING_FACE
    if choice in ("modelscope", "ms"):
        return MODELSCOPE
    if choice == "mirror":
        return mirror(mirror_url or DEFAULT_MIRROR_URL)
    if "://" in choice:
        return mirror(kind)
    raise KnownError(QT_TRANSLATE_NOOP("core", "Unknown model source '{kind}': use hf, mirror, modelscope or a "
                                       "mirror's address."), kind=kind)


def configured_source(setting: str, mirror_url: str, env: Mapping[str, str] = os.environ) -> ModelSource:
    """What the terminal and the window use: CHATAPP_MODEL_SOURCE if set, else the saved setting."""
    override = env.get(SOURCE_ENV, "").strip()
    return source_from(override, mirror_url) if override else source_from(setting, mirror_url)


class SourceClient(Protocol):
    """What the model manager, `chatapp search/download` and the downloader ask of a source."""

    source: ModelSource

    def search(self, query: str, limit: int = 30) -> list[RepoSummary]: ...

    def list_models(self, repo_id: str) -> list[RemoteModel]: ...

    def list_files(self, repo_id: str) -> list[RemoteFile]: ...

    def locate(self, repo_id: str, remote: RemoteFile) -> FileLocation:
        """The URL, size, checksum and headers to fetch one file with (the download resumes with Range)."""
        ...

    def errors(self, what: Phrase | str) -> AbstractContextManager[None]:
        """Turns this source's failures into one sentence starting with `what`."""
        ...


def client_for(source: ModelSource) -> SourceClient:
    if source.kind == "modelscope":
        from chatapp.core.models.modelscope import ModelScopeClient

        return ModelScopeClient(source)
    from chatapp.core.models.hub import HubClient

    return HubClient(source)
