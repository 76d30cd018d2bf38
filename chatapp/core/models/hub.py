"""Finding GGUF models on the Hugging Face Hub, through huggingface_hub only.

`HF_ENDPOINT` and the user's token (HF_TOKEN or `hf auth login`) are honoured by huggingface_hub
itself; every hub error is turned into one sentence for the user here.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path, PurePosixPath

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError, Phrase
from chatapp.core.models.library import SPLIT_ANY
from chatapp.core.models.naming import is_projector_file, parse_quant


class HubError(KnownError):
    """The hub could not be reached or refused the request."""


@dataclass(frozen=True)
class RepoSummary:
    repo_id: str
    downloads: int
    likes: int
    last_modified: datetime | None
    gated: bool


@dataclass(frozen=True)
class RemoteFile:
    path: str  # path inside the repo
    size: int
    sha256: str | None  # from the LFS metadata; None for non-LFS files


@dataclass(frozen=True)
class RemoteModel:
    """One downloadable model: a single GGUF, or the parts of a split one."""

    repo_id: str
    name: str  # file name, or the split's base name + "-00001-of-N.gguf"
    quant: str
    files: tuple[RemoteFile, ...]
    projector: RemoteFile | None = None  # the repo's vision projector, downloaded beside the model

    @property
    def all_files(self) -> tuple[RemoteFile, ...]:
        return self.files + ((self.projector,) if self.projector is not None else ())

    @property
    def size(self) -> int:
        return sum(f.size for f in self.all_files)

    @property
    def is_split(self) -> bool:
        return len(self.files) > 1


def group_gguf_files(repo_id: str, files: list[RemoteFile]) -> list[RemoteModel]:
    """GGUF files as models: split parts (`-00001-of-00003.gguf`) grouped, other files dropped. A
    vision projector (mmproj-*.gguf) is never a model of its own: it comes with every model of the repo
    (one precision for all: F16, else the best there is; it is small beside the model)."""
    singles: list[RemoteModel] = []
    splits: dict[str, list[RemoteFile]] = {}
    projectors = [f for f in files if is_projector_file(PurePosixPath(f.path).name)]
    projector = min(projectors, key=_projector_preference, default=None)
    for f in files:
        if not f.path.lower().endswith(".gguf"):
            continue
        name = PurePosixPath(f.path).name
        if is_projector_file(name):
            continue  # vision projectors are not chat models
        m = SPLIT_ANY.match(f.path)
        if m:
            splits.setdefault(m.group("base"), []).append(f)
        else:
            singles.append(RemoteModel(repo_id, name, parse_quant(name), (f,), projector))
    for base, parts in splits.items():
        parts.sort(key=lambda f: f.path)
        first = PurePosixPath(parts[0].path).name
        singles.append(RemoteModel(repo_id, first, parse_quant(base), tuple(parts), projector))
    return sorted(singles, key=lambda m: m.size)


_PROJECTOR_PRECISIONS = ("F16", "BF16", "Q8_0", "F32")


def _projector_preference(f: RemoteFile) -> tuple[int, int]:
    """F16 first (what llama.cpp's converter writes by default and vision quality asks for), then
    BF16, Q8_0, F32, then anything else; the smaller of equals."""
    quant = parse_quant(PurePosixPath(f.path).name).upper()
    rank = _PROJECTOR_PRECISIONS.index(quant) if quant in _PROJECTOR_PRECISIONS else len(_PROJECTOR_PRECISIONS)
    return rank, f.size


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
def hub_errors(what: Phrase) -> Iterator[None]:
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
        raise HubError(
            QT_TRANSLATE_NOOP("core", "{what}: this model is gated. Accept its licence on its Hugging Face page, then "
                              "log in (`hf auth login`, or set HF_TOKEN) and try again."),
            what=what,
        ) from None
    except RepositoryNotFoundError:
        raise HubError(QT_TRANSLATE_NOOP("core", "{what}: no such repository on the hub (or it is private; log in to "
                                         "see it)."), what=what) from None
    except OfflineModeIsEnabled:
        raise HubError(QT_TRANSLATE_NOOP("core", "{what}: offline mode is on (HF_HUB_OFFLINE); turn it off to reach "
                                         "the hub."), what=what) from None
    except LocalEntryNotFoundError:
        raise HubError(QT_TRANSLATE_NOOP("core", "{what}: the hub cannot be reached. Check your internet connection."),
                       what=what) from None
    except HfHubHTTPError as exc:
        status = exc.response.status_code if exc.response is not None else "?"
        raise HubError(QT_TRANSLATE_NOOP("core", "{what}: the hub answered with an error (HTTP {status}). Try again "
                                         "later."), what=what, status=status) from None
    except Exception as exc:
        if isinstance(exc, OSError) or is_network_error(exc):
            raise HubError(QT_TRANSLATE_NOOP("core", "{what}: the hub cannot be reached ({reason}). Check your "
                                             "internet connection."),
                           what=what, reason=exc.__class__.__name__) from None
        raise


def is_network_error(exc: BaseException) -> bool:
    """A transport error from the HTTP client huggingface_hub uses (httpx2 in 2.x, httpx/requests before)."""
    return any(cls.__module__.split(".")[0] in ("httpx", "httpx2", "httpcore", "httpcore2", "requests", "urllib3")
               for cls in type(exc).__mro__)


def search(query: str, limit: int = 30) -> list[RepoSummary]:
    """GGUF repositories matching `query`, most downloaded first."""
    from huggingface_hub import HfApi

    with hub_errors(Phrase(QT_TRANSLATE_NOOP("core", "Searching for '{query}'"), query=query)):
        models = list(
            HfApi().list_models(
                search=query or None, filter="gguf", sort="downloads", limit=limit,
                expand=["downloads", "likes", "lastModified", "gated"],
            )
        )
    return [
        RepoSummary(m.id, int(m.downloads or 0), int(m.likes or 0), m.last_modified, bool(m.gated))
        for m in models
    ]


def list_models(repo_id: str) -> list[RemoteModel]:
    """The repo's GGUF models with sizes and sha256 from the LFS metadata."""
    from huggingface_hub import HfApi

    with hub_errors(Phrase(QT_TRANSLATE_NOOP("core", "Listing {repo}"), repo=repo_id)):
        info = HfApi().model_info(repo_id, files_metadata=True)
    files = [
        RemoteFile(s.rfilename, int(s.size or (s.lfs.size if s.lfs else 0) or 0), s.lfs.sha256 if s.lfs else None)
        for s in (info.siblings or [])
    ]
    return group_gguf_files(repo_id, files)


@dataclass(frozen=True)
class CatalogueEntry:
    repo_id: str
    title: str
    params: str
    quant: str  # the suggested quantization (the row highlighted in the file list)
    about: str  # one line: what it is good at
    licence: str = ""
    reasoning: bool = False  # thinks in <think> blocks before answering
    embedding: bool = False  # an embedding model, for document collections (not for chatting)
    tools: bool = False  # calls tools well (its template takes tools; tried with MCP servers)
    vision: bool = False  # sees images (its repo has a vision projector, downloaded with it)


def load_catalogue(path: Path) -> list[CatalogueEntry]:
    """The curated starter list shipped in resources/ (empty if the file is missing or damaged)."""
    import json

    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        chat = [CatalogueEntry(m["repo"], m["title"], m["params"], m["quant"], m["about"], m.get("licence", ""),
                               bool(m.get("reasoning", False)), tools=bool(m.get("tools", False)),
                               vision=bool(m.get("vision", False)))
                for m in data["models"]]
        embedding = [CatalogueEntry(m["repo"], m["title"], m["params"], m["quant"], m["about"], m.get("licence", ""),
                                    embedding=True) for m in data.get("embedding_models", [])]
        return chat + embedding
    except (OSError, ValueError, KeyError, TypeError):
        return []
