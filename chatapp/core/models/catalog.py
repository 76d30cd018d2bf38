"""The models a server may load by name: every GGUF in the library and the model folders, by id.

A request names a model; this is the only place a name becomes a file, and only a file found here: a
path, `..` or anything not in the folders is never opened (a client must not be able to make the server
read or load an arbitrary file). The id is the file's name as people write a model
(`smollm2-135m-instruct-q4_1`); the file's name itself, with or without `.gguf`, and the user's aliases
(`chatapp models alias NAME MODEL`, for clients that hard-code a model name) name it too.

Listing the folders is cheap (file names only) and done again when a name is not found; the facts a
client needs (context length, images, tools, reasoning) come from the file's header, read once per
file version.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from chatapp.core.errors import KnownError
from chatapp.core.models.library import SPLIT_FIRST, find_projector, library_models, model_files, projector_encoders

RESCAN_S = 2.0  # a listing younger than this is reused (a burst of requests lists the folders once)
_NOT_ID = re.compile(r"[^a-z0-9_]+")


def model_id(path: str | Path) -> str:
    """The id a model is known by to clients: its file name, lower case, without `.gguf` or the split
    part, other characters as hyphens ("SmolLM2-135M-Instruct.Q4_1.gguf" → "smollm2-135m-instruct-q4_1")."""
    name = Path(path).name
    split = SPLIT_FIRST.match(name)
    stem = split.group("base") if split else name.removesuffix(".gguf").removesuffix(".GGUF")
    return _NOT_ID.sub("-", stem.lower()).strip("-") or "model"


@dataclass(frozen=True)
class CatalogEntry:
    """A model a request may name."""

    id: str
    path: Path


@dataclass(frozen=True)
class ModelFacts:
    """What a client needs to pick a model, from its file's header."""

    size: int  # bytes on disk, all parts
    name: str = ""
    architecture: str = ""
    parameters: int = 0
    quantization: str = ""
    context_length: int = 0
    vision: bool = False  # a projector beside it that sees images
    audio: bool = False  # a projector beside it that hears recordings
    tools: bool = False  # its template renders tools itself (others are told of them in the system prompt)
    reasoning: bool = False  # its template has a thinking block
    problem: str = ""  # why it cannot be loaded


class ModelCatalog:
    """Model ids → files, over `folders()` (read on each scan, so a folder added in Settings counts),
    plus `pinned` files (the one `chatapp serve --model` was given, the demo) and `aliases()`."""

    def __init__(self, folders: Callable[[], Iterable[Path]], pinned: Iterable[Path] = (),
                 aliases: Callable[[], Mapping[str, str]] = dict,
                 found: Callable[[], Iterable[Path]] = tuple) -> None:
        """`found`: more pinned files, looked up at the first scan rather than here (the demo's package:
        the window builds its catalog before it shows)."""
        self._folders = folders
        self._pinned = list(pinned)
        self._found = found
        self._aliases = aliases
        self._lock = threading.Lock()
        self._entries: list[CatalogEntry] = []
        self._scanned = float("-inf")
        self._facts: dict[tuple[Path, int, int], ModelFacts] = {}

    def pin(self, path: Path) -> CatalogEntry:
        """Add a file given outside the folders (by whoever runs the server, never by a request)."""
        with self._lock:
            if path not in self._pinned:
                self._pinned.append(path)
            self._scanned = float("-inf")
        entry = self.find(str(path.name))
        assert entry is not None
        return entry

    def entries(self, fresh: bool = False) -> list[CatalogEntry]:
        """Every model, by id (the first file with an id keeps it; pinned files first)."""
        with self._lock:
            if fresh or time.monotonic() - self._scanned > RESCAN_S:
                self._entries = _scan([*self._pinned, *self._found()], list(self._folders()))
                self._scanned = time.monotonic()
            return list(self._entries)

    def find(self, name: str) -> CatalogEntry | None:
        """The model `name` means: an id, a file name (with or without .gguf), or an alias; any case.
        Names that look like paths never match."""
        if not name or "/" in name or "\\" in name or name in (".", ".."):
            return None
        for fresh in (False, True):  # a model just downloaded: list the folders again before giving up
            entries = self.entries(fresh)
            found = _match(name, entries)
            if found is None:
                target = _alias(self._aliases(), name)
                found = _match(target, entries) if target else None
            if found is not None:
                return found
        return None

    def suggestions(self, limit: int = 5) -> list[str]:
        """A few ids that exist, for an error about one that does not."""
        return [e.id for e in self.entries()[:limit]]

    def facts(self, entry: CatalogEntry) -> ModelFacts:
        """The header's facts (read once per file version; slow for a large vocabulary: off the event loop)."""
        return self.facts_of(entry.path)

    def facts_of(self, path: Path) -> ModelFacts:
        """`facts` of a file by its path (a model loaded by whoever runs the server)."""
        try:
            stat = path.stat()
        except OSError as exc:
            return ModelFacts(0, path.stem, problem=f"{path.name}: {exc.strerror or exc}")
        key = (path, stat.st_size, stat.st_mtime_ns)
        with self._lock:
            known = self._facts.get(key)
        if known is None:
            known = _read_facts(path)
            with self._lock:
                self._facts[key] = known
        return known


def _scan(pinned: list[Path], folders: list[Path]) -> list[CatalogEntry]:
    entries: dict[str, CatalogEntry] = {}
    for path in model_files([*pinned, *(p for folder in folders for p in library_models(folder))]):
        entries.setdefault(model_id(path), CatalogEntry(model_id(path), path))
    return sorted(entries.values(), key=lambda e: e.id)


def _match(name: str, entries: list[CatalogEntry]) -> CatalogEntry | None:
    wanted = name.lower()
    for entry in entries:
        if wanted in (entry.id, entry.path.name.lower(), entry.path.name.lower().removesuffix(".gguf")):
            return entry
    normalized = model_id(name + ".gguf") if not wanted.endswith(".gguf") else model_id(name)
    return next((e for e in entries if e.id == normalized), None)


def _alias(aliases: Mapping[str, str], name: str) -> str:
    lowered = {k.lower(): v for k, v in aliases.items()}
    return lowered.get(name.lower(), "")


def _read_facts(path: Path) -> ModelFacts:
    from chatapp.core.models.gguf_info import read_header
    from chatapp.core.models.library import split_parts

    size = sum(p.stat().st_size for p in split_parts(path) if p.exists())
    try:
        h = read_header(path)
    except KnownError as exc:
        return ModelFacts(size, path.stem, problem=str(exc))
    template = h.chat_template or ""
    projector = find_projector(path)
    vision, audio = projector_encoders(projector) if projector is not None else (False, False)
    return ModelFacts(
        size, h.name, h.architecture, h.parameter_count, h.quantization, h.context_length,
        vision=vision,
        audio=audio,
        tools="tools" in template,
        reasoning=any(mark in template for mark in ("<think>", "enable_thinking", "reasoning_content")),
    )
