"""What every model source lists: repositories, their GGUF files (sizes, SHA-256), grouped into models.

Source-neutral: Hugging Face, a mirror of it and ModelScope (core/models/sources.py) all answer in
these types, so the file list, the fits-in-memory estimate and the downloader are one code path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePosixPath

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError, Phrase
from chatapp.core.models.library import SPLIT_ANY
from chatapp.core.models.naming import is_projector_file, parse_quant
from chatapp.core.models.sources import HUGGING_FACE, ModelSource


class HubError(KnownError):
    """A model source (Hugging Face, a mirror, ModelScope) could not be reached or refused the request."""


class SourceUnreachable(HubError):
    """No answer from the source at all: the window offers another source (a mirror, ModelScope)."""

    def __init__(self, what: Phrase | str, source: ModelSource, reason: str) -> None:
        if reason:
            super().__init__(QT_TRANSLATE_NOOP("core", "{what}: {source} cannot be reached ({reason}). Check your "
                                               "internet connection, or choose another model source in Settings → "
                                               "Downloads."), what=what, source=source.name, reason=reason)
        else:
            super().__init__(QT_TRANSLATE_NOOP("core", "{what}: {source} cannot be reached. Check your internet "
                                               "connection, or choose another model source in Settings → "
                                               "Downloads."), what=what, source=source.name)
        self.source = source


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
    sha256: str | None  # from the source's listing (LFS metadata); None where it gives none


@dataclass(frozen=True)
class RemoteModel:
    """One downloadable model: a single GGUF, or the parts of a split one."""

    repo_id: str
    name: str  # file name, or the split's base name + "-00001-of-N.gguf"
    quant: str
    files: tuple[RemoteFile, ...]
    projector: RemoteFile | None = None  # the repo's vision projector, downloaded beside the model
    source: ModelSource = field(default=HUGGING_FACE, compare=False)  # where it was listed, so downloaded from

    @property
    def all_files(self) -> tuple[RemoteFile, ...]:
        return self.files + ((self.projector,) if self.projector is not None else ())

    @property
    def size(self) -> int:
        return sum(f.size for f in self.all_files)

    @property
    def is_split(self) -> bool:
        return len(self.files) > 1


def group_gguf_files(repo_id: str, files: list[RemoteFile], source: ModelSource = HUGGING_FACE) -> list[RemoteModel]:
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
            singles.append(RemoteModel(repo_id, name, parse_quant(name), (f,), projector, source))
    for base, parts in splits.items():
        parts.sort(key=lambda f: f.path)
        first = PurePosixPath(parts[0].path).name
        singles.append(RemoteModel(repo_id, first, parse_quant(base), tuple(parts), projector, source))
    return sorted(singles, key=lambda m: m.size)


_PROJECTOR_PRECISIONS = ("F16", "BF16", "Q8_0", "F32")


def _projector_preference(f: RemoteFile) -> tuple[int, int]:
    """F16 first (what llama.cpp's converter writes by default and vision quality asks for), then
    BF16, Q8_0, F32, then anything else; the smaller of equals."""
    quant = parse_quant(PurePosixPath(f.path).name).upper()
    rank = _PROJECTOR_PRECISIONS.index(quant) if quant in _PROJECTOR_PRECISIONS else len(_PROJECTOR_PRECISIONS)
    return rank, f.size




@dataclass(frozen=True)
class FileLocation:
    """Where one file's bytes are fetched from, as a source resolved it just before downloading."""

    url: str
    size: int
    sha256: str | None  # None: the source gives no checksum, so the file cannot be verified
    headers: dict[str, str] = field(default_factory=dict)  # sent with the GET (the HF token only to huggingface.co)
