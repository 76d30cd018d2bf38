"""Collections, files, chunks and their vectors in one SQLite file next to the chat history.

- `files` remembers size, mtime and a SHA-256 of every indexed file, so a re-scan reads only what
  changed (a touched but unchanged file is recognised by its hash and not re-embedded).
- `chunk_words` is a contentless FTS5 index of each chunk in `cjk_search.searchable` form (every CJK
  character a token), for BM25 keyword search that finds names, numbers, code identifiers and Chinese
  words anywhere in a sentence.
- `file_words` indexes each file's name (split into words: kombucha_brewing.md → kombucha brewing md)
  and its headings, searched on their own: a question naming a file's subject finds the file even when
  its text never uses the word.
- `files.tokens` / `files.unknown` count the embedding model's tokens and its unknown-token ([UNK])
  tokens in the file's chunks: a collection the model mostly cannot read (Chinese under an English-only
  model) gets its vector ranking weighed down, and the window suggests a multilingual model.
- A collection being re-indexed with another embedding model is built beside it as a hidden
  collection (`replaces` = the live one's id) and swapped in when complete, so the collection stays
  searchable with its old model until then.
- Vectors are float32 BLOBs in `chunks.embedding`, searched in memory (`vector_index.py`: exact, or
  sign bits + exact rescoring for large collections) from a matrix cached per collection and reloaded
  when the collection's `version` changes. Why not sqlite-vec: Python's sqlite3 module is often built
  without extension loading (so it is on this project's reference machine, and on macOS's system
  Python), and a vec0 table scans all vectors too (docs/benchmarks.md, "Documents").

Every change to one file (its chunks, their words and vectors) is one transaction, so an interrupted
indexing run leaves each file either wholly indexed or not at all, and the next run resumes.
"""

from __future__ import annotations

import itertools
import logging
import re
import sqlite3
import threading
import time
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.storage import cjk_search
from chatapp.core.storage.aside import is_damaged, move_aside
from chatapp.documents.vector_index import VectorIndex

if TYPE_CHECKING:
    import numpy as np

    from chatapp.documents.chunking import Chunk

SCHEMA_VERSION = 2
_SCHEMA = """
CREATE TABLE IF NOT EXISTS collections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    embedding_model TEXT NOT NULL,
    dimension INTEGER NOT NULL,
    version INTEGER NOT NULL DEFAULT 0,
    created_at REAL NOT NULL,
    indexed_at REAL,
    replaces INTEGER
);
CREATE TABLE IF NOT EXISTS roots (
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    PRIMARY KEY (collection_id, path)
);
CREATE TABLE IF NOT EXISTS files (
    id INTEGER PRIMARY KEY,
    collection_id INTEGER NOT NULL REFERENCES collections(id) ON DELETE CASCADE,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    sha256 TEXT NOT NULL,
    kind TEXT NOT NULL,
    indexed_at REAL NOT NULL,
    tokens INTEGER NOT NULL DEFAULT 0,
    unknown INTEGER NOT NULL DEFAULT 0,
    UNIQUE (collection_id, path)
);
CREATE TABLE IF NOT EXISTS chunks (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES files(id) ON DELETE CASCADE,
    ordinal INTEGER NOT NULL,
    page INTEGER,
    start INTEGER NOT NULL,
    end INTEGER NOT NULL,
    text TEXT NOT NULL,
    embedding BLOB NOT NULL
);
CREATE INDEX IF NOT EXISTS chunks_by_file ON chunks(file_id);
CREATE VIRTUAL TABLE IF NOT EXISTS chunk_words USING fts5(body, content='', tokenize='unicode61 remove_diacritics 2');
CREATE VIRTUAL TABLE IF NOT EXISTS file_words USING fts5(name, headings, tokenize='unicode61 remove_diacritics 2');
CREATE TABLE IF NOT EXISTS term_docs (term TEXT PRIMARY KEY, docs INTEGER NOT NULL) WITHOUT ROWID;
"""
# BM25 scores every chunk that holds any query term, so a common word ("the", "how", "model" in a
# collection about models) makes a search score most of the collection: 100,000 chunks take ~100 ms.
# The keyword query takes the query's terms rarest first while their chunks add up to no more than this
# share of all chunks (at least the rarest term): common words add little to BM25's ranking anyway.
POSTINGS_BUDGET_SHARE = 0.03
MIN_POSTINGS_BUDGET = 2000


@dataclass(frozen=True)
class Collection:
    id: int
    name: str
    embedding_model: str  # the GGUF file it was indexed with
    dimension: int
    version: int
    roots: tuple[str, ...]
    files: int = 0  # -1 when not counted (Collection from `find`)
    chunks: int = 0
    indexed_at: float | None = None


@dataclass(frozen=True)
class IndexedFile:
    id: int
    path: str
    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class StoredChunk:
    id: int
    path: str
    page: int | None
    start: int
    end: int
    text: str
    file_id: int = 0


log = logging.getLogger(__name__)

class DocumentStore:
    """The documents database. One connection, used from one thread at a time (a lock guards it)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.notice: KnownError | None = None  # set when a damaged index was set aside on open
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self._db = self._open(path)
        except sqlite3.DatabaseError as exc:
            if not is_damaged(exc):  # locked, permissions, a full disk: said, never moved
                raise KnownError(QT_TRANSLATE_NOOP("core", "The documents index {path} cannot be opened ({reason})."),
                                 path=path, reason=exc) from None
            aside = move_aside(path)
            log.warning("documents index %s unreadable (%s); moved to %s", path, exc, aside)
            self.notice = KnownError(QT_TRANSLATE_NOOP(
                "core", "The documents index could not be read ({reason}); it was moved to {aside} and a new one "
                "was started. Add your folders to collections again to search them."), reason=exc, aside=aside.name)
            try:
                self._db = self._open(path)
            except sqlite3.DatabaseError as again:
                raise KnownError(QT_TRANSLATE_NOOP("core", "The documents index {path} cannot be created ({reason})."),
                                 path=path, reason=again) from None
        self._lock = threading.RLock()
        self._vectors: dict[int, tuple[int, VectorIndex]] = {}  # collection id -> (its version, index)

    @staticmethod
    def _open(path: Path) -> sqlite3.Connection:
        db = sqlite3.connect(str(path), timeout=10.0, isolation_level=None, check_same_thread=False)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA foreign_keys=ON")
            db.executescript(_SCHEMA)
            if db.execute("PRAGMA user_version").fetchone()[0] < 2:
                _migrate_to_2(db)
            db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
            db.execute("SELECT id, name, embedding_model, dimension, version, indexed_at, replaces FROM collections"
                       " LIMIT 1")
            db.execute("SELECT tokens, unknown FROM files LIMIT 1")
        except sqlite3.DatabaseError:
            db.close()
            raise
        return db

    def close(self) -> None:
        self._db.close()

    # ----- collections ------------------------------------------------------------------------------
    def collections(self) -> list[Collection]:
        with self._lock:
            rows = self._db.execute(
                "SELECT c.id, c.name, c.embedding_model, c.dimension, c.version, c.indexed_at,"
                " (SELECT COUNT(*) FROM files f WHERE f.collection_id = c.id),"
                " (SELECT COUNT(*) FROM chunks k JOIN files f ON k.file_id = f.id WHERE f.collection_id = c.id)"
                " FROM collections c WHERE c.replaces IS NULL ORDER BY c.name COLLATE NOCASE").fetchall()
            return [self._collection(row) for row in rows]

    def names(self) -> list[str]:
        """Collection names only: cheap enough for every menu (collections() counts every chunk)."""
        with self._lock:
            return [r[0] for r in self._db.execute(
                "SELECT name FROM collections WHERE replaces IS NULL ORDER BY name COLLATE NOCASE")]

    def roots(self) -> list[tuple[str, str]]:
        """(collection name, folder or file) for every collection."""
        with self._lock:
            return list(self._db.execute(
                "SELECT c.name, r.path FROM roots r JOIN collections c ON c.id = r.collection_id"
                " WHERE c.replaces IS NULL ORDER BY 1, 2"))

    def _collection(self, row: Sequence) -> Collection:
        roots = tuple(r[0] for r in self._db.execute(
            "SELECT path FROM roots WHERE collection_id = ? ORDER BY path", (row[0],)))
        return Collection(id=row[0], name=row[1], embedding_model=row[2], dimension=row[3], version=row[4],
                          indexed_at=row[5], files=row[6], chunks=row[7], roots=roots)

    def find(self, name: str) -> Collection:
        """The collection by name, without its file and chunk counts (a search asks for it every time)."""
        with self._lock:
            row = self._db.execute("SELECT id, name, embedding_model, dimension, version, indexed_at, -1, -1"
                                   " FROM collections WHERE name = ? AND replaces IS NULL", (name,)).fetchone()
            if row is not None:
                return self._collection(row)
        names = ", ".join(c.name for c in self.collections()) or "none yet"
        raise KnownError(QT_TRANSLATE_NOOP("core", "There is no document collection named '{name}' (collections: "
                                           "{names}). Create it with: chatapp docs add {name} FOLDER"),
                         name=name, names=names)

    def create_or_update(self, name: str, roots: Iterable[Path], embedding_model: str, dimension: int) -> Collection:
        """The collection `name` with `roots` added. A different embedding model empties it first: vectors
        from two models cannot be compared."""
        if not name.strip():
            raise KnownError(QT_TRANSLATE_NOOP("core", "A document collection needs a name."))
        with self._lock, self._transaction():
            row = self._db.execute("SELECT id, embedding_model, dimension FROM collections WHERE name = ?",
                                   (name,)).fetchone()
            if row is None:
                cid = self._db.execute(
                    "INSERT INTO collections (name, embedding_model, dimension, created_at) VALUES (?, ?, ?, ?)",
                    (name, embedding_model, dimension, time.time())).lastrowid
            else:
                cid = row[0]
                if (row[1], row[2]) != (embedding_model, dimension):
                    self._delete_files(list(self._db.execute(
                        "SELECT id FROM files WHERE collection_id = ?", (cid,))))
                    self._db.execute("UPDATE collections SET embedding_model = ?, dimension = ?, version = version + 1"
                                     " WHERE id = ?", (embedding_model, dimension, cid))
            for root in roots:
                self._db.execute("INSERT OR IGNORE INTO roots (collection_id, path) VALUES (?, ?)", (cid, str(root)))
        return self.find(name)

    # ----- re-indexing with another embedding model, beside the live collection ------------------------
    def reindex_beside(self, collection: Collection, embedding_model: str, dimension: int) -> Collection:
        """The hidden collection that will replace `collection` once indexed with `embedding_model`: the
        one begun before (an interrupted re-index goes on), or a new one with the same folders."""
        shadow_name = _shadow_name(collection.name)
        with self._lock, self._transaction():
            row = self._db.execute("SELECT id, embedding_model, dimension FROM collections WHERE name = ?",
                                   (shadow_name,)).fetchone()
            if row is not None and (row[1], row[2]) != (embedding_model, dimension):
                self._delete_collection(row[0])  # begun with a third model: start over
                row = None
            if row is None:
                cid = self._db.execute(
                    "INSERT INTO collections (name, embedding_model, dimension, created_at, replaces)"
                    " VALUES (?, ?, ?, ?, ?)", (shadow_name, embedding_model, dimension, time.time(), collection.id),
                ).lastrowid
            else:
                cid = row[0]
            self._db.execute("DELETE FROM roots WHERE collection_id = ?", (cid,))
            self._db.executemany("INSERT INTO roots (collection_id, path) VALUES (?, ?)",
                                 [(cid, root) for root in collection.roots])
        return self._find_any(shadow_name)

    def pending_reindex(self, collection: Collection) -> Collection | None:
        """The unfinished re-index of `collection` with another model, if one was begun."""
        try:
            return self._find_any(_shadow_name(collection.name))
        except KeyError:
            return None

    def finish_reindex(self, shadow: Collection) -> Collection:
        """The re-indexed collection takes the place (and the name) of the one it replaces, in one
        transaction: a search sees either the old index or the new one, never neither."""
        with self._lock, self._transaction():
            row = self._db.execute("SELECT replaces FROM collections WHERE id = ?", (shadow.id,)).fetchone()
            if row is None or row[0] is None:
                raise KeyError(shadow.name)
            old = self._db.execute("SELECT name FROM collections WHERE id = ?", (row[0],)).fetchone()
            if old is not None:
                self._delete_collection(row[0])
            name = old[0] if old is not None else shadow.name.split(_SHADOW_MARK, 1)[-1]
            self._db.execute("UPDATE collections SET name = ?, replaces = NULL, version = version + 1 WHERE id = ?",
                             (name, shadow.id))
        self._vectors.pop(int(row[0]), None)
        return self.find(name)

    def _find_any(self, name: str) -> Collection:
        with self._lock:
            row = self._db.execute("SELECT id, name, embedding_model, dimension, version, indexed_at, -1, -1"
                                   " FROM collections WHERE name = ?", (name,)).fetchone()
            if row is None:
                raise KeyError(name)
            return self._collection(row)

    def _delete_collection(self, collection_id: int) -> None:
        self._delete_files(list(self._db.execute("SELECT id FROM files WHERE collection_id = ?", (collection_id,))))
        self._db.execute("DELETE FROM collections WHERE id = ?", (collection_id,))

    def remove_root(self, collection: Collection, root: str) -> None:
        with self._lock, self._transaction():
            self._db.execute("DELETE FROM roots WHERE collection_id = ? AND path = ?", (collection.id, root))

    def delete(self, collection: Collection) -> None:
        """The collection and any re-index of it begun beside it."""
        with self._lock, self._transaction():
            shadows = self._db.execute("SELECT id FROM collections WHERE replaces = ?", (collection.id,)).fetchall()
            for (cid,) in shadows:
                self._delete_collection(cid)
            self._delete_collection(collection.id)
        self._vectors.pop(collection.id, None)

    def mark_indexed(self, collection: Collection) -> None:
        with self._lock:
            self._db.execute("UPDATE collections SET indexed_at = ? WHERE id = ?", (time.time(), collection.id))

    # ----- files ------------------------------------------------------------------------------------
    def files(self, collection: Collection) -> dict[str, IndexedFile]:
        with self._lock:
            rows = self._db.execute("SELECT id, path, size, mtime_ns, sha256 FROM files WHERE collection_id = ?",
                                    (collection.id,))
            return {r[1]: IndexedFile(*r) for r in rows}

    def touch_file(self, file: IndexedFile, size: int, mtime_ns: int) -> None:
        """Same content under a new mtime (a `touch`, a copy, a checkout): remember the new stat only."""
        with self._lock:
            self._db.execute("UPDATE files SET size = ?, mtime_ns = ? WHERE id = ?", (size, mtime_ns, file.id))

    def replace_file(self, collection: Collection, path: str, size: int, mtime_ns: int, sha256: str, kind: str,
                     chunks: Sequence[Chunk], vectors: np.ndarray, headings: Sequence[str] = (),
                     tokens: tuple[int, int] = (0, 0)) -> None:
        """The file's chunks, words, vectors, name and headings, all replaced in one transaction.
        `tokens`: (all, unknown) embedding-model tokens in its chunks."""
        import numpy as np

        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        with self._lock, self._transaction():
            old = self._db.execute("SELECT id FROM files WHERE collection_id = ? AND path = ?",
                                   (collection.id, path)).fetchall()
            self._delete_files(old)
            file_id = self._db.execute(
                "INSERT INTO files (collection_id, path, size, mtime_ns, sha256, kind, indexed_at, tokens, unknown)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (collection.id, path, size, mtime_ns, sha256, kind, time.time(), *tokens),
            ).lastrowid
            # The first heading is the document's title: it names the subject as the file name does.
            self._db.execute("INSERT INTO file_words (rowid, name, headings) VALUES (?, ?, ?)",
                             (file_id, file_label(path, headings[0] if headings else ""),
                              cjk_search.searchable("\n".join(headings[1:]))))
            for ordinal, (chunk, vector) in enumerate(zip(chunks, vectors, strict=True)):
                chunk_id = self._db.execute(
                    "INSERT INTO chunks (file_id, ordinal, page, start, end, text, embedding)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    (file_id, ordinal, chunk.page, chunk.start, chunk.end, chunk.text, vector.tobytes()),
                ).lastrowid
                self._db.execute("INSERT INTO chunk_words (rowid, body) VALUES (?, ?)",
                                 (chunk_id, cjk_search.searchable(chunk.text)))
                self._count_terms(chunk.text, +1)
            self._bump(collection.id)

    def remove_files(self, collection: Collection, paths: Iterable[str]) -> None:
        with self._lock, self._transaction():
            ids = [row for p in paths for row in self._db.execute(
                "SELECT id FROM files WHERE collection_id = ? AND path = ?", (collection.id, p))]
            self._delete_files(ids)
            self._bump(collection.id)

    def _delete_files(self, file_rows: Sequence[Sequence[int]]) -> None:
        for (file_id,) in file_rows:
            for chunk_id, text in self._db.execute("SELECT id, text FROM chunks WHERE file_id = ?", (file_id,)):
                # A contentless FTS5 table forgets a row only when given the text it indexed.
                self._db.execute("INSERT INTO chunk_words (chunk_words, rowid, body) VALUES ('delete', ?, ?)",
                                 (chunk_id, cjk_search.searchable(text)))
                self._count_terms(text, -1)
            self._db.execute("DELETE FROM file_words WHERE rowid = ?", (file_id,))
            self._db.execute("DELETE FROM files WHERE id = ?", (file_id,))

    def _count_terms(self, text: str, change: int) -> None:
        """Keep `term_docs` (in how many chunks each term occurs) as FTS5 would count it."""
        self._db.executemany(
            "INSERT INTO term_docs (term, docs) VALUES (?, ?) ON CONFLICT(term) DO UPDATE SET docs = docs + ?",
            [(term, max(change, 0), change) for term in set(index_tokens(text))])

    def _bump(self, collection_id: int) -> None:
        self._db.execute("UPDATE collections SET version = version + 1 WHERE id = ?", (collection_id,))

    # ----- search -----------------------------------------------------------------------------------
    def keyword_search(self, collections: Sequence[Collection], query: str, limit: int) -> list[int]:
        """Chunk ids by BM25, best first: any query word counts, rarer words more."""
        terms = without_stop_words(keyword_terms(query))
        if not terms or not collections:
            return []
        expression = " OR ".join(f'"{t}"' for t in self._informative(terms))
        with self._lock:
            wanted = {c.id for c in collections}
            everything = {r[0] for r in self._db.execute("SELECT id FROM collections")} <= wanted
            # Ranked by the FTS index alone (joining every matching row to its file first costs ~20%),
            # then kept to the wanted collections; with other collections present, more are fetched.
            rows = self._db.execute(
                "SELECT rowid FROM chunk_words WHERE chunk_words MATCH ? ORDER BY bm25(chunk_words) LIMIT ?",
                (expression, limit if everything else limit * 10)).fetchall()
            ids = [r[0] for r in rows]
            if everything or not ids:
                return ids
            marks = ",".join("?" * len(ids))
            # CROSS JOIN keeps the chunk ids as the outer loop: otherwise SQLite may walk every file of
            # the collection (measured: 250 ms at 100,000 chunks instead of 1 ms).
            inside = {r[0] for r in self._db.execute(
                f"SELECT k.id, f.collection_id FROM chunks k CROSS JOIN files f ON f.id = k.file_id"
                f" WHERE k.id IN ({marks})", ids) if r[1] in wanted}
        return [i for i in ids if i in inside][:limit]

    def _informative(self, terms: list[str]) -> list[str]:
        """The rarest terms, while their chunks add up to the postings budget (see POSTINGS_BUDGET_SHARE).
        A phrase counts as its rarest word."""
        words = sorted({w for t in terms for w in t.split()})
        with self._lock:
            total = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            marks = ",".join("?" * len(words))
            docs = dict(self._db.execute(f"SELECT term, docs FROM term_docs WHERE term IN ({marks})", words))
        estimate = {t: min(docs.get(w, 0) for w in t.split()) for t in terms}
        budget = max(MIN_POSTINGS_BUDGET, POSTINGS_BUDGET_SHARE * total)
        kept: list[str] = []
        used = 0
        for term in sorted(terms, key=lambda t: estimate[t]):
            if kept and used + estimate[term] > budget:
                break
            kept.append(term)
            used += estimate[term]
        return kept

    def file_search(self, collections: Sequence[Collection], terms: Sequence[str], limit: int) -> list[int]:
        """File ids whose name, folder or title hold any of `terms` (keyword_terms), by BM25, best first."""
        if not terms or not collections:
            return []
        expression = "name : (" + " OR ".join(f'"{t}"' for t in terms) + ")"
        marks = ",".join("?" * len(collections))
        with self._lock:
            rows = self._db.execute(
                "SELECT w.rowid FROM file_words w JOIN files f ON f.id = w.rowid WHERE file_words MATCH ?"
                f" AND f.collection_id IN ({marks}) ORDER BY bm25(file_words) LIMIT ?",
                (expression, *(c.id for c in collections), limit)).fetchall()
        return [r[0] for r in rows]

    def shared_name_terms(self, collections: Sequence[Collection], terms: Sequence[str]) -> set[str]:
        """The terms in the names (name, folder, title) of several of the collections' files, more than
        half of them: their folder's name, a word every title shares ("Prices and Practical Tips")."""
        if not terms or not collections:
            return set()
        marks = ",".join("?" * len(collections))
        ids = tuple(c.id for c in collections)
        with self._lock:
            files = self._db.execute(f"SELECT COUNT(*) FROM files WHERE collection_id IN ({marks})", ids).fetchone()[0]
            # CROSS JOIN keeps the index's matches as the outer loop (not every file of the collections).
            named = {t: self._db.execute(
                "SELECT COUNT(*) FROM file_words w CROSS JOIN files f ON f.id = w.rowid WHERE file_words MATCH ?"
                f" AND f.collection_id IN ({marks})", (f'name : "{t}"', *ids)).fetchone()[0] for t in set(terms)}
        return {t for t, n in named.items() if n > 1 and 2 * n > files}

    def files_holding(self, collections: Sequence[Collection], term: str, limit: int = 1000) -> dict[int, int]:
        """How many of each file's chunks hold `term` (a word, or a phrase of tokens), among the first
        `limit` chunks of the index that hold it (all collections') that are the collections'."""
        marks = ",".join("?" * len(collections))
        with self._lock:
            return dict(self._db.execute(
                "SELECT k.file_id, COUNT(*) FROM (SELECT rowid FROM chunk_words WHERE chunk_words MATCH ? LIMIT ?) m"
                " CROSS JOIN chunks k ON k.id = m.rowid JOIN files f ON f.id = k.file_id"
                f" WHERE f.collection_id IN ({marks}) GROUP BY k.file_id",
                (f'"{term}"', limit, *(c.id for c in collections))).fetchall())

    def file_labels(self, file_ids: Sequence[int]) -> dict[int, str]:
        """Each file's indexed name and headings, as one text."""
        marks = ",".join("?" * len(file_ids))
        with self._lock:
            return {r[0]: f"{r[1]}\n{r[2]}" for r in self._db.execute(
                f"SELECT rowid, name, headings FROM file_words WHERE rowid IN ({marks})", tuple(file_ids))}

    def chunks_of_files(self, file_ids: Sequence[int]) -> dict[int, list[int]]:
        """Each file's chunk ids in reading order."""
        out: dict[int, list[int]] = {fid: [] for fid in file_ids}
        if not file_ids:
            return out
        marks = ",".join("?" * len(file_ids))
        with self._lock:
            for chunk_id, file_id in self._db.execute(
                    f"SELECT id, file_id FROM chunks WHERE file_id IN ({marks}) ORDER BY file_id, ordinal",
                    tuple(file_ids)):
                out[file_id].append(chunk_id)
        return out

    def unknown_share(self, collections: Sequence[Collection]) -> float | None:
        """The share of the collections' embedding-model tokens that the model does not know ([UNK]);
        None when not counted (indexed before chatapp counted them)."""
        if not collections:
            return None
        marks = ",".join("?" * len(collections))
        with self._lock:
            tokens, unknown = self._db.execute(
                f"SELECT SUM(tokens), SUM(unknown) FROM files WHERE collection_id IN ({marks})",
                tuple(c.id for c in collections)).fetchone()
        return unknown / tokens if tokens else None

    def document_frequencies(self, tokens: Iterable[str]) -> tuple[int, dict[str, int]]:
        """(chunks in the index, in how many of them each token occurs)."""
        wanted = sorted(set(tokens))
        marks = ",".join("?" * len(wanted))
        with self._lock:
            total = self._db.execute("SELECT COUNT(*) FROM chunks").fetchone()[0]
            docs = dict(self._db.execute(f"SELECT term, docs FROM term_docs WHERE term IN ({marks})", wanted))
        return total, docs

    def vector_search(self, collections: Sequence[Collection], query: np.ndarray,
                      limit: int) -> list[tuple[int, float]]:
        """(chunk id, cosine similarity), best first."""
        found = [hit for c in collections for hit in self._vector_index(c).search(query, limit)]
        found.sort(key=lambda pair: -pair[1])
        return found[:limit]

    def _vector_index(self, collection: Collection) -> VectorIndex:
        """The collection's vectors in memory, reloaded when its version changed (any process)."""
        import numpy as np

        with self._lock:
            version = self._db.execute("SELECT version FROM collections WHERE id = ?", (collection.id,)).fetchone()
            version = version[0] if version else -1
            cached = self._vectors.get(collection.id)
            if cached is not None and cached[0] == version:
                return cached[1]
            rows = self._db.execute(
                "SELECT k.id, k.embedding FROM chunks k JOIN files f ON f.id = k.file_id WHERE f.collection_id = ?",
                (collection.id,)).fetchall()
        ids = np.fromiter((r[0] for r in rows), dtype=np.int64, count=len(rows))
        matrix = np.frombuffer(b"".join(r[1] for r in rows), dtype=np.float32).reshape(len(rows), collection.dimension)
        index = VectorIndex(ids, matrix)
        self._vectors[collection.id] = (version, index)
        return index

    def chunks(self, ids: Sequence[int]) -> dict[int, StoredChunk]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        with self._lock:
            rows = self._db.execute(
                "SELECT k.id, f.path, k.page, k.start, k.end, k.text, f.id FROM chunks k"
                f" CROSS JOIN files f ON f.id = k.file_id WHERE k.id IN ({marks})", tuple(ids)).fetchall()
        return {r[0]: StoredChunk(*r) for r in rows}

    # ----- plumbing ---------------------------------------------------------------------------------
    class _Tx:
        """One transaction; a failed write (a full disk, a locked or damaged file) is rolled back and
        becomes one sentence: what was indexed before stays, and a re-scan goes on from there."""

        def __init__(self, db: sqlite3.Connection, path: Path) -> None:
            self.db = db
            self.path = path

        def __enter__(self) -> None:
            try:
                self.db.execute("BEGIN IMMEDIATE")
            except sqlite3.Error as exc:
                raise self._error(exc) from None

        def __exit__(self, exc_type: object, exc: BaseException | None, _tb: object) -> None:
            try:
                self.db.execute("ROLLBACK" if exc_type else "COMMIT")
            except sqlite3.Error as failed:
                if self.db.in_transaction:
                    self.db.execute("ROLLBACK")
                raise self._error(failed) from None
            if isinstance(exc, sqlite3.Error):
                raise self._error(exc) from None

        def _error(self, exc: sqlite3.Error) -> KnownError:
            return KnownError(QT_TRANSLATE_NOOP("core", "The documents index {path} could not be written ({reason}); "
                                                "free some disk space and re-scan: what was indexed is kept."),
                              path=self.path, reason=exc)

    def _transaction(self) -> DocumentStore._Tx:
        return DocumentStore._Tx(self._db, self.path)


_SHADOW_MARK = "\x00re-index of "


def _shadow_name(name: str) -> str:
    return _SHADOW_MARK + name


def _migrate_to_2(db: sqlite3.Connection) -> None:
    """Version 1 had no re-indexing beside a collection, no token counts and no file-name index: the
    columns are added (counts unknown until a file is indexed again) and file names indexed now
    (headings follow when a file is re-read)."""
    columns = {table: {r[1] for r in db.execute(f"PRAGMA table_info({table})")} for table in ("collections", "files")}
    with db:
        if "replaces" not in columns["collections"]:
            db.execute("ALTER TABLE collections ADD COLUMN replaces INTEGER")
        for column in ("tokens", "unknown"):
            if column not in columns["files"]:
                db.execute(f"ALTER TABLE files ADD COLUMN {column} INTEGER NOT NULL DEFAULT 0")
        indexed = {r[0] for r in db.execute("SELECT rowid FROM file_words")}
        db.executemany("INSERT INTO file_words (rowid, name, headings) VALUES (?, ?, '')",
                       [(fid, file_label(path)) for fid, path in db.execute("SELECT id, path FROM files")
                        if fid not in indexed])


def file_label(path: str, title: str = "") -> str:
    """What `file_words` indexes as a file's name: the stem's words (identifiers split at _ - . and
    camelCase, so kombucha_brewing.md and KombuchaBrewing.pdf both read "kombucha brewing"), its
    folder's name and its title."""
    p = Path(path)
    words = [_CAMEL.sub(" ", p.stem), _CAMEL.sub(" ", p.parent.name), title]
    return cjk_search.searchable(" ".join(w for w in words if w))


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")


def keyword_terms(query: str) -> list[str]:
    """The query's search terms as the index holds them (lower case, one space between the tokens of a
    phrase); chunks with any of them match, and BM25 ranks those with more, and rarer, terms first. A
    Latin word or identifier (parse_config_v2) is the phrase of its tokens; a run of CJK characters
    becomes its overlapping two-character words (大语言模型 → 大语 语言 言模 模型), the usual way to search
    Chinese without a dictionary. A possessive's 's is left out: "London's" asks about London, whose
    file is named london.md."""
    terms: list[str] = []
    for word in query.split():
        for part in _cjk_and_other(_POSSESSIVE.sub("", word)):
            if cjk_search.has_cjk(part):
                chars = [c for c in part if cjk_search.CJK_CHAR.match(c)]
                terms.extend(" ".join(pair) for pair in itertools.pairwise(chars))
                if len(chars) == 1:
                    terms.append(chars[0])
            elif tokens := index_tokens(part):
                terms.append(" ".join(tokens))
    return list(dict.fromkeys(terms))


_POSSESSIVE = re.compile(r"(?<=\w)['’]s\b", re.IGNORECASE)


def without_stop_words(terms: list[str]) -> list[str]:
    """The terms less stop words (English words, and CJK terms made only of Chinese question and
    function characters: 什么, 意思, 是什), unless nothing else is left. In a small collection a stop
    word is rare enough for BM25 to weigh it ("how does it" in one manual only outranks "X200")."""
    kept = [t for t in terms if not is_stop_word(t)]
    return kept or terms


def is_stop_word(term: str) -> bool:
    if cjk_search.has_cjk(term):
        return all(ch in CJK_STOP_CHARS for ch in term if not ch.isspace())
    return term in STOP_WORDS


# The characters of Chinese questions and grammar (什么 怎么 如何 为什么 哪个 多少 是否 吗 呢 的 了…): a
# question's 是什么意思 says nothing about what is asked. A bigram of two of them is not searched.
CJK_STOP_CHARS = frozenset("是什么怎样如何为哪谁几多少吗呢吧啊的了在和与及或请问能否可以意思一下这那些个")


# Words that say nothing about what is asked ("of the", "how does it"). English only: other languages'
# words all count.
STOP_WORDS = frozenset((  # noqa: SIM905 (90 quoted words read worse)
    "a an the of to in on at for and or but is are was were be been being it its this that these those "
    "what which who whom whose how why when where does do did doing with by from as can could should "
    "would will shall may might must i you he she we they me my your our their his her them us there here "
    "not no yes so if then than into about over under up down out any all some"
).split())


def index_tokens(text: str) -> list[str]:
    """The tokens FTS5's unicode61 tokenizer (remove_diacritics 2) makes of `searchable(text)`: runs of
    letters and digits, lower case, without accents, and every CJK character alone. (The phrase
    ranking tokenizes every candidate chunk: ASCII text, which has nothing to decompose, skips that.)"""
    lowered = cjk_search.searchable(text).lower()
    if not lowered.isascii():
        lowered = "".join(ch for ch in unicodedata.normalize("NFKD", lowered) if not unicodedata.combining(ch))
    return _TOKEN.findall(lowered)


_TOKEN = re.compile(r"[^\W_]+")  # runs of letters and digits (the zero-width space is not \w)


def _cjk_and_other(word: str) -> list[str]:
    """`用python写` → ["用", "python", "写"]: CJK runs and other runs apart."""
    parts: list[str] = []
    for ch in word:
        cjk = cjk_search.CJK_CHAR.match(ch) is not None
        if parts and (cjk_search.CJK_CHAR.match(parts[-1][-1]) is not None) == cjk:
            parts[-1] += ch
        else:
            parts.append(ch)
    return parts
