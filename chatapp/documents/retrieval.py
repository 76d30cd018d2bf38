"""Hybrid retrieval: keyword (BM25) and vector results fused by reciprocal rank.

Either side alone fails in ways users notice: embeddings blur exact names, numbers and code identifiers
(and a model trained on English sees Chinese as unknown tokens), while keywords miss a paraphrase.
Reciprocal-rank fusion (Cormack et al., 2009: score = Σ 1 / (60 + rank)) needs no score calibration
between the two, so a chunk that either side ranks near the top is kept, and one both rank high wins.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

from chatapp.documents.embedder import Embedder
from chatapp.documents.store import Collection, DocumentStore

RRF_K = 60
CANDIDATES = 50  # from each side, before fusion


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    path: str
    page: int | None
    start: int
    end: int
    text: str
    score: float  # the fused score: higher is better
    keyword_rank: int | None  # 1-based rank on each side, None when that side did not find it
    vector_rank: int | None

    def to_dict(self) -> dict:
        return {"path": self.path, "page": self.page, "start": self.start, "end": self.end, "text": self.text,
                "score": round(self.score, 6), "keyword_rank": self.keyword_rank, "vector_rank": self.vector_rank}


@dataclass(frozen=True)
class Retrieval:
    hits: list[Hit]
    seconds: float


def search(store: DocumentStore, embedder: Embedder, collections: Sequence[Collection], query: str,
           top: int = 5, mode: str = "hybrid") -> Retrieval:
    """The `top` best chunks for `query`. `mode` "keyword" or "vector" uses one side only (for
    comparisons and tests)."""
    started = time.perf_counter()
    keyword = store.keyword_search(collections, query, CANDIDATES) if mode != "vector" else []
    similar = (store.vector_search(collections, embedder.embed_query(query), CANDIDATES)
               if mode != "keyword" and query.strip() else [])
    keyword_rank = {cid: i for i, cid in enumerate(keyword, start=1)}
    vector_rank = _ranks_with_ties(similar)
    scores: dict[int, float] = {}
    for ranks in (keyword_rank, vector_rank):
        for chunk_id, rank in ranks.items():
            scores[chunk_id] = scores.get(chunk_id, 0.0) + 1.0 / (RRF_K + rank)
    best = sorted(scores, key=lambda cid: -scores[cid])[:top]
    stored = store.chunks(best)
    hits = [
        Hit(cid, c.path, c.page, c.start, c.end, c.text, scores[cid], keyword_rank.get(cid), vector_rank.get(cid))
        for cid in best if (c := stored.get(cid)) is not None
    ]
    return Retrieval(hits, time.perf_counter() - started)


def _ranks_with_ties(similar: list[tuple[int, float]], tolerance: float = 1e-6) -> dict[int, int]:
    """1-based ranks, equal for equal similarity: when the model cannot tell chunks apart (the same
    unknown-token vector for different Chinese texts), the order among them must not decide the fusion."""
    ranks: dict[int, int] = {}
    for position, (chunk_id, score) in enumerate(similar):
        tied = position and abs(similar[position - 1][1] - score) <= tolerance
        ranks[chunk_id] = ranks[similar[position - 1][0]] if tied else position + 1
    return ranks
