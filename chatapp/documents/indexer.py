"""Bring a collection's index up to date with its folders: only new and changed files are read.

A file is unchanged when its size and mtime are as recorded; when they differ, its SHA-256 decides (a
touched or copied file with the same bytes is not re-embedded). Files that disappeared are removed.
Each file is committed on its own, so stopping (pause, cancel, a crash) loses at most the file being
embedded, and the next run goes on from there.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from chatapp.core.errors import QT_TRANSLATE_NOOP
from chatapp.documents import chunking, readers
from chatapp.documents.embedder import Embedder, EmbeddingCancelled
from chatapp.documents.store import Collection, DocumentStore, IndexedFile

MAX_FILE_BYTES = 200 * 1024 * 1024  # a bigger "document" is a dump or a disk image, not something to chat with


@dataclass
class IndexProgress:
    files_done: int
    files_total: int
    chunks_done: int
    current: str
    elapsed_s: float

    @property
    def eta_s(self) -> float | None:
        if not self.files_done or self.files_done >= self.files_total:
            return None
        return self.elapsed_s / self.files_done * (self.files_total - self.files_done)


@dataclass
class ScanReport:
    added: int = 0
    updated: int = 0
    removed: int = 0
    unchanged: int = 0
    skipped: int = 0  # images, archives, unknown kinds
    failed: list[tuple[str, readers.UnreadableFile]] = field(default_factory=list)  # (path, why, in one sentence)
    chunks: int = 0
    cancelled: bool = False
    seconds: float = 0.0

    def summary(self) -> str:
        text = (f"{self.added} added, {self.updated} updated, {self.removed} removed, {self.unchanged} unchanged, "
                f"{self.skipped} skipped, {len(self.failed)} unreadable ({self.chunks} chunks embedded "
                f"in {self.seconds:.1f} s)")
        return text + (" — stopped before the end; run it again to go on" if self.cancelled else "")


def walk(roots: tuple[str, ...]) -> tuple[list[tuple[Path, str]], int]:
    """(readable files with their kind, count of skipped files) under the roots; hidden files and folders
    (.git, .venv, ...) are left out, as are folders of installed packages."""
    found: dict[Path, str] = {}
    skipped = 0
    for root in roots:
        for path in _files_under(Path(root)):
            kind = readers.kind_of(path)
            if kind is None:
                skipped += 1
            else:
                found[path] = kind
    return sorted(found.items()), skipped


_SKIPPED_DIRS = frozenset({"node_modules", "__pycache__", "site-packages", "venv"})


def kept_folder(name: str) -> bool:
    """Whether a sub-folder is indexed: not hidden (.git, .venv), not installed packages or caches."""
    return not name.startswith(".") and name not in _SKIPPED_DIRS


def folders_under(root: Path) -> Iterator[tuple[Path, list[Path]]]:
    """Each folder under `root` that is indexed (see kept_folder), with its files, hidden ones left out."""
    for folder, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if kept_folder(d))
        yield Path(folder), [Path(folder) / n for n in sorted(names) if not n.startswith(".")]


def _files_under(root: Path) -> Iterator[Path]:
    if root.is_file():
        yield root
        return
    for _folder, files in folders_under(root):
        yield from files


class Indexer:
    """Updates one collection with `embedder`, the collection's own model. It may be given as a function
    that loads it: a re-scan that finds nothing changed (the usual case at start-up) loads no model."""

    def __init__(self, store: DocumentStore, embedder: Embedder | Callable[[], Embedder],
                 cancel: threading.Event | None = None,
                 progress: Callable[[IndexProgress], None] | None = None) -> None:
        self.store = store
        self._embedder = embedder
        self.cancel = cancel or threading.Event()
        self.progress = progress

    @property
    def embedder(self) -> Embedder:
        if not isinstance(self._embedder, Embedder):
            self._embedder = self._embedder()
        return self._embedder

    def update(self, collection: Collection) -> ScanReport:
        started = time.monotonic()
        report = ScanReport()
        files, report.skipped = walk(collection.roots)
        known = self.store.files(collection)
        seen = {str(path) for path, _ in files}
        gone = [p for p in known if p not in seen]
        if gone:
            self.store.remove_files(collection, gone)
            report.removed = len(gone)
        for done, (path, kind) in enumerate(files):
            if self.cancel.is_set():
                report.cancelled = True
                break
            if self.progress is not None:
                self.progress(IndexProgress(done, len(files), report.chunks, path.name, time.monotonic() - started))
            try:
                outcome = self._update_file(collection, path, kind, known.get(str(path)), report)
            except readers.UnreadableFile as exc:
                report.failed.append((str(path), exc))
                continue
            except EmbeddingCancelled:
                report.cancelled = True
                break
            if outcome == "unchanged":
                report.unchanged += 1
            elif outcome == "added":
                report.added += 1
            else:
                report.updated += 1
        if not report.cancelled:
            self.store.mark_indexed(collection)
        report.seconds = time.monotonic() - started
        if self.progress is not None:
            done = len(files) if not report.cancelled else report.added + report.updated + report.unchanged
            self.progress(IndexProgress(done, len(files), report.chunks, "", report.seconds))
        return report

    def _update_file(self, collection: Collection, path: Path, kind: str, previous: IndexedFile | None,
                     report: ScanReport) -> str:
        try:
            stat = path.stat()
        except OSError as exc:
            raise readers.UnreadableFile(QT_TRANSLATE_NOOP("core", "{name} cannot be read: {reason}."),
                                         name=path.name, reason=exc.strerror or str(exc)) from None
        if previous is not None and (previous.size, previous.mtime_ns) == (stat.st_size, stat.st_mtime_ns):
            return "unchanged"
        if stat.st_size > MAX_FILE_BYTES:
            raise readers.UnreadableFile(QT_TRANSLATE_NOOP("core", "{name} is larger than 200 MB; it was left out."),
                                         name=path.name)
        digest = _sha256(path)
        if previous is not None and previous.sha256 == digest:
            self.store.touch_file(previous, stat.st_size, stat.st_mtime_ns)
            return "unchanged"
        sections = readers.read_document(path, kind)
        chunks = chunking.chunk_sections(sections, self.embedder.count_tokens)
        texts = [c.text for c in chunks]
        vectors = self.embedder.embed_documents(texts, self.cancel)
        self.store.replace_file(collection, str(path), stat.st_size, stat.st_mtime_ns, digest, kind, chunks, vectors,
                                chunking.headings(sections), self.embedder.token_counts(texts))
        report.chunks += len(chunks)
        return "added" if previous is None else "updated"


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    try:
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                digest.update(block)
    except OSError as exc:
        raise readers.UnreadableFile(QT_TRANSLATE_NOOP("core", "{name} cannot be read: {reason}."),
                                     name=path.name, reason=exc.strerror or str(exc)) from None
    return digest.hexdigest()
