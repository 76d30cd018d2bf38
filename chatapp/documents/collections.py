"""The one entry point to documents for the CLI, the API server and the window: collections by name,
their embedding model, indexing and search.

The embedding model is loaded on first need and kept; a collection remembers the model file it was
indexed with, and searching it later loads that same model (vectors of two models cannot be compared).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from pathlib import Path

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.storage.paths import AppPaths
from chatapp.documents.bert_gguf import BUILTIN_FILE, BUILTIN_NAME, builtin_embedding_model
from chatapp.documents.embedder import Embedder
from chatapp.documents.indexer import Indexer, IndexProgress, ScanReport
from chatapp.documents.retrieval import EVERYTHING, Options, Query, Retrieval, search
from chatapp.documents.store import Collection, DocumentStore


def embedding_models_dir(paths: AppPaths) -> Path:
    """Kept apart from the chat models, so the model list never offers an encoder as a chat model."""
    return paths.data_dir / "embedding-models"


def resolve_embedding_model(paths: AppPaths, spec: str | None) -> Path:
    """A GGUF path, a name in the embedding-models folder or the library, or (None, or
    "all-MiniLM-L6-v2") the built-in model."""
    folder = embedding_models_dir(paths)
    if spec is None or spec.lower().removesuffix(".gguf") in (BUILTIN_NAME.lower(), BUILTIN_FILE.lower()[:-5]):
        return builtin_embedding_model(folder)
    from chatapp.core.models.library import resolve_model

    return resolve_model(spec, folder, [paths.models_dir])


def available_embedding_models(paths: AppPaths) -> list[Path]:
    """GGUF embedding models in the embedding-models folder and the library (header says it pools)."""
    from chatapp.core.errors import ModelFileError
    from chatapp.core.models.gguf_info import read_header
    from chatapp.core.models.library import library_models

    found: list[Path] = []
    for folder in (embedding_models_dir(paths), paths.models_dir):
        for path in library_models(folder):
            try:
                header = read_header(path, chat=False)
            except ModelFileError:
                continue
            if header.arch_value("pooling_type") not in (None, 0) and path not in found:
                found.append(path)
    return found


class Documents:
    def __init__(self, paths: AppPaths) -> None:
        self.paths = paths
        self.store = DocumentStore(paths.data_dir / "documents.sqlite3")
        self._embedders: dict[Path, Embedder] = {}
        self._lock = threading.Lock()

    def close(self) -> None:
        for embedder in self._embedders.values():
            embedder.close()
        self._embedders.clear()
        self.store.close()

    # ----- embedding models -------------------------------------------------------------------------
    def embedder(self, spec: str | Path | None = None) -> Embedder:
        path = spec if isinstance(spec, Path) else resolve_embedding_model(self.paths, spec)
        with self._lock:
            if path not in self._embedders:
                self._embedders[path] = Embedder(path)
            return self._embedders[path]

    def embedder_for(self, collection: Collection) -> Embedder:
        """The model the collection was indexed with: where it was, or by file name in the model folders."""
        recorded = Path(collection.embedding_model)
        for path, embedder in self._embedders.items():
            if path == recorded:
                return embedder
        folder = embedding_models_dir(self.paths)
        for candidate in (recorded, folder / recorded.name, self.paths.models_dir / recorded.name):
            if candidate.is_file():
                return self.embedder(candidate)
        if recorded.name == BUILTIN_FILE:
            return self.embedder(None)
        raise KnownError(QT_TRANSLATE_NOOP("core", "Collection '{name}' needs its embedding model {model}, which is "
                                           "no longer in {folder}; put it back or add the collection again."),
                         name=collection.name, model=recorded.name, folder=folder)

    # ----- collections ------------------------------------------------------------------------------
    def collections(self) -> list[Collection]:
        return self.store.collections()

    def find(self, name: str) -> Collection:
        return self.store.find(name)

    def add(self, name: str, roots: Sequence[Path], embedding_model: str | None = None,
            cancel: threading.Event | None = None,
            progress: Callable[[IndexProgress], None] | None = None) -> ScanReport:
        """Create the collection or add folders to it, then bring its index up to date. Another embedding
        model for an existing collection re-indexes it beside the old index, which answers searches
        until the new one is complete."""
        for root in roots:
            if not root.exists():
                raise KnownError(QT_TRANSLATE_NOOP("core", "{path} does not exist; check the folder or file name."),
                                 path=root)
        existing = self.store.find(name) if name in self.store.names() else None
        resolved = [r.expanduser().resolve() for r in roots]
        if existing is not None:
            embedder = self.embedder_for(existing) if embedding_model is None else self.embedder(embedding_model)
            if (str(embedder.path), embedder.dimension) != (existing.embedding_model, existing.dimension):
                live = self.store.create_or_update(name, resolved, existing.embedding_model, existing.dimension)
                shadow = self.store.reindex_beside(live, str(embedder.path), embedder.dimension)
                return self._reindex(shadow, embedder, cancel, progress)
        else:
            embedder = self.embedder(embedding_model)
        collection = self.store.create_or_update(name, resolved, str(embedder.path), embedder.dimension)
        return Indexer(self.store, embedder, cancel, progress).update(collection)

    def rescan(self, name: str, cancel: threading.Event | None = None,
               progress: Callable[[IndexProgress], None] | None = None) -> ScanReport:
        """Bring the collection up to date; a re-index with another model that was paused goes on."""
        collection = self.store.find(name)
        shadow = self.store.pending_reindex(collection)
        if shadow is not None:  # with the collection's folders as they are now
            shadow = self.store.reindex_beside(collection, shadow.embedding_model, shadow.dimension)
            return self._reindex(shadow, self.embedder_for(shadow), cancel, progress)
        return Indexer(self.store, lambda: self.embedder_for(collection), cancel, progress).update(collection)

    def _reindex(self, shadow: Collection, embedder: Embedder, cancel: threading.Event | None,
                 progress: Callable[[IndexProgress], None] | None) -> ScanReport:
        report = Indexer(self.store, embedder, cancel, progress).update(shadow)
        if not report.cancelled:
            self.store.finish_reindex(shadow)
        return report

    def reindexing(self, name: str) -> str | None:
        """The embedding model's file name of an unfinished re-index of the collection, if any."""
        shadow = self.store.pending_reindex(self.store.find(name))
        return Path(shadow.embedding_model).name if shadow is not None else None

    def unreadable_share(self, name: str) -> float | None:
        """The share of the collection's text its embedding model reads as unknown tokens."""
        return self.store.unknown_share([self.store.find(name)])

    def remove(self, name: str) -> None:
        self.store.delete(self.store.find(name))

    def search(self, names: Sequence[str], query: str | Query, top: int = 5, mode: str = "hybrid",
               options: Options = EVERYTHING) -> Retrieval:
        collections = [self.store.find(n) for n in names]
        models = {Path(c.embedding_model).name for c in collections}
        if len(models) > 1:
            raise KnownError(QT_TRANSLATE_NOOP("core", "These collections were indexed with different embedding "
                                               "models ({models}); search them one at a time."),
                             models=", ".join(sorted(models)))
        if not collections:
            return Retrieval([], 0.0)
        return search(self.store, self.embedder_for(collections[0]), collections, query, top, mode, options)
