"""Hybrid retrieval: several rankings of the collection's chunks fused by weighted reciprocal rank.

Each ranking fails in ways users notice, so none decides alone: embeddings blur exact names, numbers and
code identifiers (and a model trained on English sees Chinese as unknown tokens); BM25 over words misses a
paraphrase, and over Chinese bigrams it scores scattered pairs like an exact phrase; a file's name often
says its subject while its text never does. Reciprocal-rank fusion (Cormack et al., 2009:
score = Σ weight / (60 + rank)) needs no score calibration between rankings, so a chunk that any ranking
puts near the top is kept, and one that several rank high wins. The rankings:

- keyword: BM25 over the chunk's words (CJK runs as overlapping bigrams);
- phrase: chunks holding the longest run of the question's words in order (a verbatim Chinese phrase,
  "X200 printer"), ahead of chunks where the same words are scattered;
- file: every chunk of the files whose name, folder or title match;
- vector: cosine similarity of embeddings, weighted by how much of the question and the collection the
  embedding model can read (its share of unknown tokens) and by whether its similarities tell the
  chunks apart at all;
- conversation: for a follow-up ("And how long does it last?"), the keyword, file and vector rankings
  are also run on the last user turns with the question, and weigh more than the question alone;
- subject: a follow-up searched in the files its conversation is about (those its latest turn naming
  files names, else those its turns were answered from), whatever other file its own words match.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from chatapp.core.storage.cjk_search import has_cjk
from chatapp.documents.embedder import Embedder
from chatapp.documents.store import (
    Collection,
    DocumentStore,
    index_tokens,
    is_stop_word,
    keyword_terms,
    without_stop_words,
)

RRF_K = 60
CANDIDATES = 50  # from each ranking, before fusion; the keyword and vector ones are searched for phrases
FILES = 5  # files from the file-name ranking
CONTEXT_TURNS = 2  # earlier user turns searched with a follow-up
QUESTION_ALONE_WEIGHT = 0.5  # a follow-up's own rankings, beside the conversation's (see _weights)
CONVERSATION_WEIGHT_FOR_A_NEW_SUBJECT = 0.5
# The question's words in order count more than the same words scattered: an exact phrase outranks a
# chunk that BM25 puts first for holding each of its bigrams apart.
PHRASE_WEIGHT = 1.5
# Characters (question words left out) for a run of Chinese to count as a phrase: runs of three (大模型,
# 上下文) are common words that paraphrased questions share with the wrong article (measured:
# recall@1 0.88 with 3, 0.96 with 4 or 5 on benchmarks/retrieval_sets.py).
MIN_CJK_RUN = 4
# A file named for what is asked holds the answer more often than any one chunk's words say (measured
# on the file-subject set: recall@1 0.4 at weight 1, 0.6 at 2, 0.7 at 3, but follow-ups fall at 3).
FILE_WEIGHT = 2.0
# A phrase counts when it carries half the question's weight (its words' rarity): two common words
# together ("first token", "chat template") in a long English question said little and, over
# chatapp's own docs, cost recall@5 0.80 → 0.70; a verbatim Chinese phrase is most of its question.
MIN_PHRASE_SHARE = 0.5
# A follow-up's chunks from the files its conversation was about: as much as two rankings, so the
# question's own words (matching another file literally) do not pull the answer away.
SUBJECT_WEIGHT = 2.0
SUBJECT_HITS = 2
# Vector similarities closer than this between the 1st and the 10th chunk say nothing about which is
# meant: the same unknown-token vector for different texts, or a query of stop words.
FLAT_SPREAD = 0.02


@dataclass(frozen=True)
class Query:
    """What is searched: the question, and the conversation's earlier user turns (oldest first)."""

    question: str
    context: tuple[str, ...] = ()

    @property
    def turns(self) -> tuple[str, ...]:
        return tuple(t for t in self.context[-CONTEXT_TURNS:] if t.strip())

    @property
    def conversation(self) -> str:
        return " ".join([*self.turns, self.question])

    def describe(self) -> str:
        """The searched text as the prompt preview shows it."""
        if not self.turns:
            return self.question
        return " / ".join([*self.turns, self.question])


@dataclass(frozen=True)
class Options:
    """Which rankings take part (all by default; the evaluation turns each off to measure it)."""

    phrases: bool = True
    files: bool = True
    conversation: bool = True
    weigh_vectors: bool = True


EVERYTHING = Options()


@dataclass(frozen=True)
class Hit:
    chunk_id: int
    path: str
    page: int | None
    start: int
    end: int
    text: str
    score: float  # the fused score: higher is better
    keyword_rank: int | None  # 1-based rank in each ranking, None when that ranking did not find it
    vector_rank: int | None
    phrase_rank: int | None = None
    file_rank: int | None = None
    file_id: int = 0

    def to_dict(self) -> dict:
        return {"path": self.path, "page": self.page, "start": self.start, "end": self.end, "text": self.text,
                "score": round(self.score, 6), "keyword_rank": self.keyword_rank, "vector_rank": self.vector_rank,
                "phrase_rank": self.phrase_rank, "file_rank": self.file_rank}


@dataclass(frozen=True)
class Retrieval:
    hits: list[Hit]
    seconds: float
    query: Query = field(default_factory=lambda: Query(""))
    vector_weight: float = 1.0  # what the vector ranking counted for (0: left out)


def search(store: DocumentStore, embedder: Embedder, collections: Sequence[Collection],
           query: str | Query, top: int = 5, mode: str = "hybrid", options: Options = EVERYTHING) -> Retrieval:
    """The `top` best chunks for `query`. `mode` "keyword" or "vector" uses one side only (for
    comparisons and tests)."""
    started = time.perf_counter()
    query = query if isinstance(query, Query) else Query(query)
    alone, together = _weights(store, collections, query, mode, options)
    rankings: list[tuple[float, dict[int, int]]] = []
    own: list[tuple[float, dict[int, int]]] = []  # the question's own words' rankings, for a follow-up's subject
    keyword: dict[int, int] = {}
    vector: dict[int, int] = {}
    phrase: dict[int, int] = {}
    files: dict[int, int] = {}
    ids: list[int] = []
    weight = 1.0
    if mode != "vector":
        ids = store.keyword_search(collections, query.question, CANDIDATES)
        keyword = _positions(ids)
        rankings.append((alone, keyword))
        own.append((1.0, keyword))
        if together:
            rankings.append((together, _positions(store.keyword_search(collections, query.conversation, CANDIDATES))))
    if mode != "keyword" and query.question.strip():
        similar = store.vector_search(collections, embedder.embed_query(query.question), CANDIDATES)
        vector = _ranks_with_ties(similar)
        if options.weigh_vectors and mode == "hybrid":
            weight = vector_weight(embedder, store, collections, query.question, similar)
        rankings.append((alone * weight, vector))
        own.append((weight, vector))
        if together:
            similar = store.vector_search(collections, embedder.embed_query(query.conversation), CANDIDATES)
            rankings.append((together * weight, _ranks_with_ties(similar)))
    if mode == "hybrid":
        if options.phrases:
            candidates = list(dict.fromkeys([*ids, *vector]))
            phrase = phrase_ranking(store, query.question, store.chunks(candidates), keyword)
            rankings.append((alone * PHRASE_WEIGHT, phrase))
            own.append((PHRASE_WEIGHT, phrase))
        if options.files:
            files = file_ranking(store, collections, query.question)
            rankings.append((alone * FILE_WEIGHT, files))
            if together:
                rankings.append((together * FILE_WEIGHT, file_ranking(store, collections, query.conversation)))
    if alone < 1.0:  # a follow-up naming no subject is searched in the conversation's subject
        rankings.append((SUBJECT_WEIGHT, subject_ranking(store, embedder, collections, query, options, _fused(own))))
    scores = _fused(rankings)
    best = sorted(scores, key=lambda cid: -scores[cid])[:top]
    stored = store.chunks(best)
    hits = [
        Hit(cid, c.path, c.page, c.start, c.end, c.text, scores[cid], keyword.get(cid), vector.get(cid),
            phrase.get(cid), files.get(cid), c.file_id)
        for cid in best if (c := stored.get(cid)) is not None
    ]
    return Retrieval(hits, time.perf_counter() - started, query, weight if mode != "keyword" else 0.0)


def _fused(rankings: list[tuple[float, dict[int, int]]]) -> dict[int, float]:
    """Each chunk's weighted reciprocal-rank score over `rankings` ((weight, chunk id → rank))."""
    scores: dict[int, float] = {}
    for ranking_weight, ranks in rankings:
        if ranking_weight <= 0:
            continue
        for chunk_id, rank in ranks.items():
            scores[chunk_id] = scores.get(chunk_id, 0.0) + ranking_weight / (RRF_K + rank)
    return scores


def _weights(store: DocumentStore, collections: Sequence[Collection], query: Query, mode: str,
             options: Options) -> tuple[float, float]:
    """(weight of the question's own rankings, weight of the conversation's; 0 when not searched). A
    question with earlier turns that names no file of the collection ("And how long does it last?")
    is a follow-up: the conversation says what it is about and weighs more. One that names a file
    ("What about the Z9 scanner?") may change the subject: its own rankings weigh more."""
    if not (options.conversation and query.turns and mode == "hybrid"):
        return 1.0, 0.0
    if named_files(store, collections, query.question):
        return 1.0, CONVERSATION_WEIGHT_FOR_A_NEW_SUBJECT
    return QUESTION_ALONE_WEIGHT, 1.0


def subject_ranking(store: DocumentStore, embedder: Embedder, collections: Sequence[Collection], query: Query,
                    options: Options, own: dict[int, float] | None = None) -> dict[int, int]:
    """The follow-up searched in the files the conversation is about: their chunks in the order the
    question's own rankings (`own`: chunk id → fused score) put them, then in reading order, each
    file's best at the file's rank. The files: those the latest turn naming files names (its subject,
    though another file's words may answer the follow-up as well: a guide to London and one to Paris
    both tell what meals cost), else those the earlier turns were answered from (their own search's
    best hits)."""
    own = own or {}
    subject: list[int] = []
    if options.files:
        for turn in reversed(query.turns):
            if subject := named_files(store, collections, turn):
                break
    if not subject:
        earlier = search(store, embedder, collections, Query(" ".join(query.turns)), top=SUBJECT_HITS,
                         options=Options(options.phrases, options.files, False, options.weigh_vectors))
        subject = list(dict.fromkeys(h.file_id for h in earlier.hits))
    chunks = store.chunks_of_files(subject)
    ranks: dict[int, int] = {}
    for rank, file_id in enumerate(subject, start=1):
        ordered = sorted(chunks[file_id], key=lambda cid: -own.get(cid, 0.0))  # stable: reading order after
        ranks.update((cid, rank + i) for i, cid in enumerate(ordered))
    return ranks


def vector_weight(embedder: Embedder, store: DocumentStore, collections: Sequence[Collection], question: str,
                  similar: list[tuple[int, float]]) -> float:
    """How much the vector ranking counts, 0 to 1: less the more of the question or the collection the
    model sees as unknown tokens (a quarter unknown halves it, half unknown leaves it out), and less
    when its similarities are flat (the 1st and the 10th chunk nearly alike)."""
    readable = _readable(embedder.unknown_share(question)) * _readable(store.unknown_share(collections) or 0.0)
    if len(similar) >= 10:
        spread = similar[0][1] - similar[9][1]
        readable *= min(1.0, spread / FLAT_SPREAD)
    return max(0.0, readable)


def _readable(unknown_share: float) -> float:
    return min(1.0, max(0.0, 1.0 - 2.0 * unknown_share))


def phrase_ranking(store: DocumentStore, question: str, chunks: dict, keyword: dict[int, int]) -> dict[int, int]:
    """Chunks by the longest run of the question's tokens that they hold in the same order, the
    run's length counted in how rare its tokens are (a run of question words such as 是什么意思 or
    "how does it" weighs nothing), ties in keyword order. A run counts from MIN_CJK_RUN CJK characters
    or two words other than stop words, and when it carries MIN_PHRASE_SHARE of the question's weight."""
    tokens = index_tokens(question)
    if len(tokens) < 2:
        return {}
    total, docs = store.document_frequencies(tokens)
    rarity = {t: math.log((total + 1) / (docs.get(t, 0) + 0.5)) for t in tokens}
    weights: dict[int, float] = {}
    needed = MIN_PHRASE_SHARE * sum(rarity[t] for t in set(tokens) if not is_stop_word(t))
    for chunk_id, chunk in chunks.items():
        weight = _longest_run(tokens, f" {' '.join(index_tokens(chunk.text))} ", rarity)
        if weight > 0 and weight >= needed:
            weights[chunk_id] = weight
    order = sorted(weights, key=lambda cid: (-weights[cid], keyword.get(cid, CANDIDATES + 1)))
    return _positions(order)


def _longest_run(tokens: list[str], text: str, rarity: dict[str, float]) -> float:
    """The rarity of the rarest-weighing run of `tokens` found in order in `text` (tokens joined by
    spaces, padded with one); 0 when no run is long enough."""
    best = 0.0
    for i in range(len(tokens)):
        j = i + 1
        while j < len(tokens) and f" {' '.join(tokens[i:j + 1])} " in text:
            j += 1
        if j - i < 2:
            continue
        run = [t for t in tokens[i:j] if not is_stop_word(t)]
        cjk = sum(1 for t in run if _is_cjk(t))
        if len(run) >= (MIN_CJK_RUN if cjk else 2):
            best = max(best, sum(rarity[t] for t in run))
    return best


def _is_cjk(token: str) -> bool:
    return len(token) == 1 and has_cjk(token)


def file_ranking(store: DocumentStore, collections: Sequence[Collection], text: str) -> dict[int, int]:
    """Every chunk of the files `text` names (see named_files), at its file's rank."""
    return _at_file_ranks(store, named_files(store, collections, text))


def named_files(store: DocumentStore, collections: Sequence[Collection], text: str) -> list[int]:
    """The files `text` names by their name, folder or title, best first. (Not by the headings inside:
    a heading that matches would lift every chunk of a long file, README.md's hundred among them; a
    heading counts with the chunk it heads, whose text holds it.) A word in most files' names (their
    folder's, one every title shares) names none. A file asked in Chinese must match a third of the
    query's terms, or a term that is a name of it, one most of whose chunks are the file's (上海 in
    上海旅行): one bigram of a long question found in a title (增强 in 数据增强, a word of many files) is
    no sign that the file is what is asked about."""
    terms = without_stop_words(keyword_terms(text))
    shared = store.shared_name_terms(collections, terms)
    naming = [t for t in terms if t not in shared]
    file_ids = store.file_search(collections, naming, FILES)
    labels = store.file_labels(file_ids)
    cjk = any(has_cjk(t) for t in terms)
    needed = max(1, math.ceil(len(terms) / 3)) if cjk else 1
    kept: list[int] = []
    for fid in file_ids:
        label = f" {' '.join(index_tokens(labels.get(fid, '')))} "
        matched = [t for t in naming if f" {t} " in label]
        if len(matched) >= needed or (cjk and any(_names(store, collections, t, fid) for t in matched)):
            kept.append(fid)
    return kept


def _names(store: DocumentStore, collections: Sequence[Collection], term: str, file_id: int) -> bool:
    """Whether most of the chunks holding `term` are the file's."""
    holding = store.files_holding(collections, term)
    return 2 * holding.get(file_id, 0) > sum(holding.values())


def _at_file_ranks(store: DocumentStore, file_ids: list[int]) -> dict[int, int]:
    """Every chunk of each file, at the file's (1-based) place in `file_ids`."""
    chunks = store.chunks_of_files(file_ids)
    return {chunk_id: rank for rank, file_id in enumerate(file_ids, start=1) for chunk_id in chunks[file_id]}


def _positions(ids: Sequence[int]) -> dict[int, int]:
    return {cid: i for i, cid in enumerate(ids, start=1)}


def _ranks_with_ties(similar: list[tuple[int, float]], tolerance: float = 1e-6) -> dict[int, int]:
    """1-based ranks, equal for equal similarity: when the model cannot tell chunks apart (the same
    unknown-token vector for different Chinese texts), the order among them must not decide the fusion."""
    ranks: dict[int, int] = {}
    for position, (chunk_id, score) in enumerate(similar):
        tied = position and abs(similar[position - 1][1] - score) <= tolerance
        ranks[chunk_id] = ranks[similar[position - 1][0]] if tied else position + 1
    return ranks
