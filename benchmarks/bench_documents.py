"""Documents: indexing throughput against raw llama.cpp, search latency at 100,000 chunks, and retrieval
quality (recall@5) on questions about documents no model was trained on.

    python benchmarks/bench_documents.py [--files 150] [--chunks 100000] [--write]

- Throughput: a generated corpus is indexed by chatapp (reading, chunking, embedding, SQLite), then the
  very same chunk texts are embedded by a minimal loop of raw llama.cpp calls (llama_decode on the same
  512-token batches, llama_get_embeddings_seq), in the same process, same model, same threads. The
  ratio is chatapp's chunks/s over raw llama.cpp's.
- Latency: a collection of N chunks (real text, random unit vectors: the search does the same work
  whatever the vectors hold) searched with the real embedding model; p50/p95 of the whole search
  (query embedding, BM25, vector scan, fusion, chunk fetch) over 200 queries.
- Quality: (a) hand-written questions about chatapp's own docs (written in 2026, after every embedding
  model's training data) and (b) generated reports about invented places and people, asked in other
  words than the text uses. A question counts as found when one of the top 5 chunks holds its answer.
"""

from __future__ import annotations

import argparse
import ctypes
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import cpu_name, markdown_table, publish  # noqa: E402

from chatapp.core.storage.paths import AppPaths  # noqa: E402
from chatapp.documents.collections import Documents  # noqa: E402

# ----- a corpus nobody trained on -------------------------------------------------------------------
SYLLABLES = ["ka", "lo", "mir", "ve", "dan", "sol", "tre", "bu", "qua", "nis", "zel", "or", "pet", "ru", "xan",
             "hol", "gri", "mea", "tov", "sal", "ek", "lun", "dor", "fi"]
FILLER = [
    "The morning was grey and the wind came from the north for most of the week.",
    "Several visitors asked about the opening hours of the local museum and the harbour office.",
    "Records from the previous decade are kept in the archive above the post office.",
    "The council met twice to discuss the state of the roads after the winter storms.",
    "Most households in the valley still heat their homes with wood from the nearby forest.",
    "A small market is held on the square every second Saturday, weather permitting.",
    "The old railway line was closed long ago and is now a path for walkers and cyclists.",
    "School children planted a row of lime trees along the main street last spring.",
]
FACTS = [
    ("The observatory at {place} was completed in {year} under the direction of {person}.",
     "When was the observatory in {place} finished, and who led the work?", "{year}"),
    ("{person} measured a peak flow of {n} cubic metres per second on the {river} river.",
     "What was the highest discharge recorded on the {river}?", "{n} cubic metres"),
    ("The cooperative in {place} exports {product} mostly to {place2}.",
     "Where does the {place} cooperative sell most of its {product}?", "{place2}"),
    ("The ferry between {place} and {place2} takes {n} minutes in calm weather.",
     "How long is the boat crossing from {place} to {place2}?", "{n} minutes"),
    ("{person}'s recipe for {dish} uses {ingredient} instead of butter.",
     "What does {person} put in {dish} in place of butter?", "{ingredient}"),
    ("The bell tower of {place} is {n} metres tall and was rebuilt after the fire of {year}.",
     "How high is the church tower in {place}?", "{n} metres"),
]
PRODUCTS = ["walnut oil", "sheep cheese", "linen cloth", "smoked trout", "heather honey", "clay tiles"]
DISHES = ["barley soup", "plum cake", "river fish stew", "onion tart", "buckwheat pancakes"]
INGREDIENTS = ["rapeseed oil", "sour cream", "goose fat", "pumpkin puree", "hazelnut paste"]


def name(rng: random.Random, parts: int = 2) -> str:
    return "".join(rng.choice(SYLLABLES) for _ in range(parts)).capitalize()


def make_corpus(folder: Path, files: int, seed: int = 7) -> list[tuple[str, str]]:
    """Write `files` reports; return (question, answer) pairs, one per fact."""
    rng = random.Random(seed)
    questions = []
    for i in range(files):
        place = name(rng, 3)
        paragraphs = [f"# Field report {i}: {place}"]
        for fact, question, answer in rng.sample(FACTS, 3):
            values = {"place": place, "place2": name(rng, 3), "person": f"{name(rng)} {name(rng, 3)}",
                      "river": name(rng), "year": str(rng.randint(1820, 1990)), "n": str(rng.randint(12, 480)),
                      "product": rng.choice(PRODUCTS), "dish": rng.choice(DISHES),
                      "ingredient": rng.choice(INGREDIENTS)}
            filler = " ".join(rng.sample(FILLER, 4))
            paragraphs.append(f"{filler} {fact.format(**values)} {' '.join(rng.sample(FILLER, 3))}")
            questions.append((question.format(**values), answer.format(**values)))
        (folder / f"report_{i:04d}.md").write_text("\n\n".join(paragraphs), encoding="utf-8")
    return questions


# Hand-written questions about chatapp's own documents, answered by one passage each.
OWN_DOCS = [
    ("How much faster is prompt-lookup speculation on text that repeats its prompt?", "2.86"),
    ("Which template does a base model without a chat template get?", "plain"),
    ("Where does chatapp keep its settings file?", "settings.json"),
    ("How does the history search find Chinese words inside a sentence?", "zero-width"),
    ("What happens when two windows are opened on the same data folder?", "One window"),
    ("Which model is the demo, and how big is it?", "SmolLM2"),
    ("How many rows does the repacked CPU matrix multiply handle at once?", "groups of 4"),
    ("How is the API key of the local server stored?", "keyring"),
    ("What is the API's extra time to first token per request?", "9.3 ms"),
    ("How often is a streaming reply saved so a crash loses little?", "1"),
]


def quality(documents: Documents, collection: str, questions: list[tuple[str, str]]) -> dict[str, float]:
    found = {"hybrid": 0, "keyword": 0, "vector": 0}
    for question, answer in questions:
        for mode in found:
            hits = documents.search([collection], question, top=5, mode=mode).hits
            found[mode] += any(answer.lower() in h.text.lower() for h in hits)
    return {mode: count / len(questions) for mode, count in found.items()}


# ----- raw llama.cpp --------------------------------------------------------------------------------
def raw_llama_cpp_seconds(model: Path, texts: list[str], threads: int) -> float:
    """Seconds for llama.cpp alone to embed `texts`: the same batches, no Python around each token."""
    import llama_cpp

    llm = llama_cpp.Llama(str(model), embedding=True, n_ctx=512, n_batch=512, n_ubatch=512, flash_attn=True,
                          n_threads=threads, n_threads_batch=threads, verbose=False)
    tokenized = [llm.tokenize(t.encode(), add_bos=True, special=False)[:512] for t in texts]
    batches: list[list[list[int]]] = [[]]
    used = 0
    for tokens in tokenized:
        if batches[-1] and used + len(tokens) > 512:
            batches.append([])
            used = 0
        batches[-1].append(tokens)
        used += len(tokens)
    batch = llama_cpp.llama_batch_init(512, 0, 64)
    ctx = llm._ctx.ctx
    n_embd = llm.n_embd()
    started = time.perf_counter()
    for sequences in batches:
        batch.n_tokens = 0
        for seq, tokens in enumerate(sequences):
            for pos, token in enumerate(tokens):
                i = batch.n_tokens
                batch.token[i], batch.pos[i], batch.n_seq_id[i] = token, pos, 1
                batch.seq_id[i][0], batch.logits[i] = seq, True
                batch.n_tokens += 1
        if llama_cpp.llama_decode(ctx, batch) != 0:
            raise RuntimeError("llama_decode failed")
        for seq in range(len(sequences)):
            pointer = llama_cpp.llama_get_embeddings_seq(ctx, seq)
            ctypes.string_at(pointer, n_embd * 4)  # read the vector out, as any user would
    seconds = time.perf_counter() - started
    llama_cpp.llama_batch_free(batch)
    llm.close()
    return seconds


# ----- latency at scale -----------------------------------------------------------------------------
def sentences_of_real_text() -> list[str]:
    """Sentences of chatapp's own docs: real English with real word frequencies, which decide how much
    work keyword search does (common words match nearly every chunk)."""
    import re

    text = " ".join(p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))])
    return [s.strip() for s in re.split(r"(?<=[.!?])\s+", " ".join(text.split())) if len(s.split()) > 4]


def fill_collection(documents: Documents, n_chunks: int, dimension: int, model: str) -> None:
    """`n_chunks` chunks of real sentences, with invented names here and there, and random unit vectors."""
    import numpy as np

    from chatapp.documents.chunking import Chunk

    rng = random.Random(3)
    sentences = sentences_of_real_text() + FILLER
    collection = documents.store.create_or_update("big", [Path("/synthetic")], model, dimension)
    vectors = np.random.default_rng(5).standard_normal((n_chunks, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    per_file = 50
    for f in range(0, n_chunks, per_file):
        chunks = []
        for _ in range(min(per_file, n_chunks - f)):
            start = rng.randrange(len(sentences))
            text = " ".join(sentences[start:start + 5]) + f" {name(rng, 3)} {name(rng, 2)}."
            chunks.append(Chunk(text, None, 0, len(text)))
        documents.store.replace_file(collection, f"/synthetic/{f}.txt", 0, 0, str(f), "text", chunks,
                                     vectors[f:f + len(chunks)])


def binary_recall(documents: Documents, folder: Path, queries: list[str]) -> tuple[float, int]:
    """Recall@10 of the binary prefilter (keeping the same 5% share it keeps at 100,000 chunks) against
    the exact scan, on real embeddings of about 5,000 sentences, with real questions."""
    import numpy as np

    from chatapp.documents.vector_index import VectorIndex

    folder.mkdir()
    make_corpus(folder, 1500, seed=13)
    sentences = sentences_of_real_text() + [
        s for p in sorted(folder.glob("*.md")) for s in p.read_text(encoding="utf-8").split(". ") if "#" not in s]
    sentences = list(dict.fromkeys(sentences))[:5000]
    embedder = documents.embedder(None)
    matrix = embedder.embed_documents(sentences)
    ids = np.arange(len(sentences))
    exact = VectorIndex(ids, matrix, exact_limit=len(ids))
    binary = VectorIndex(ids, matrix, exact_limit=0, min_rescored=0)
    overlap = []
    for q in queries:
        vector = embedder.embed_query(q)
        truth = {i for i, _ in exact.search(vector, 10)}
        overlap.append(len(truth & {i for i, _ in binary.search(vector, 10)}) / 10)
    return statistics.mean(overlap), len(sentences)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--files", type=int, default=150, help="generated reports to index")
    parser.add_argument("--chunks", type=int, default=100_000, help="chunks in the latency collection")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="chatapp-bench-docs-") as tmp:
        paths = AppPaths(Path(tmp) / "data", Path(tmp) / "config")
        paths.ensure()
        documents = Documents(paths)
        embedder = documents.embedder(None)
        corpus = Path(tmp) / "corpus"
        corpus.mkdir()
        questions = make_corpus(corpus, args.files)

        raw_llama_cpp_seconds(embedder.path, [" ".join(FILLER)], args.threads)  # warm the caches
        started = time.perf_counter()
        report = documents.add("reports", [corpus])
        index_s = time.perf_counter() - started
        texts = [c.text for c in documents.store.chunks(list(range(1, report.chunks + 1))).values()]
        raw_s = min(raw_llama_cpp_seconds(embedder.path, texts, args.threads) for _ in range(2))
        ours = report.chunks / index_s
        raw = len(texts) / raw_s

        documents.add("own-docs", [ROOT / "README.md", ROOT / "docs"])
        own = quality(documents, "own-docs", OWN_DOCS)
        generated = quality(documents, "reports", questions)

        recall_binary, n_sentences = binary_recall(documents, Path(tmp) / "sentences",
                                                   [q for q, _ in OWN_DOCS + questions])
        fill_collection(documents, args.chunks, embedder.dimension, str(embedder.path))
        first = time.perf_counter()
        documents.search(["big"], "warm up the cache", top=5)
        first_s = time.perf_counter() - first
        queries = [q for q, _ in OWN_DOCS + questions]
        latencies = [documents.search(["big"], queries[i % len(queries)], top=5).seconds * 1000 for i in range(200)]
        latencies.sort()
        p50, p95 = statistics.median(latencies), latencies[int(len(latencies) * 0.95) - 1]
        documents.close()

    header = (f"{cpu_name()}, {args.threads} threads, all-MiniLM-L6-v2 F32 (built-in; 512-token batches, flash "
              f"attention). Corpus: {args.files} generated reports, {report.chunks} chunks of ≤ 200 tokens. Raw "
              "llama.cpp: the same chunk texts decoded in the same 512-token batches by a bare loop of llama_decode "
              "calls in the same process. Latency: 200 questions over a collection of real sentences (chatapp's "
              "docs) with random vectors; the whole search (query embedding, BM25, vector prefilter and rescoring, "
              "fusion, fetching the chunks). `python benchmarks/bench_documents.py --write`")
    rows = [
        ["indexing: chatapp (read + chunk + embed + SQLite)", f"{ours:.1f} chunks/s", f"{ours / raw:.2f} × raw"],
        ["indexing: raw llama.cpp on the same chunks", f"{raw:.1f} chunks/s", "1.00"],
        [f"search at {args.chunks:,} chunks, p50 / p95", f"{p50:.1f} / {p95:.1f} ms",
         f"first search (loads the vectors): {first_s * 1000:.0f} ms"],
        [f"vector prefilter (sign bits, best 5% rescored) vs exact scan, {n_sentences:,} real sentences",
         f"recall@10 {recall_binary:.2f}", "used above 20,000 chunks"],
        [f"recall@5, chatapp's own docs ({len(OWN_DOCS)} questions)",
         f"hybrid {own['hybrid']:.2f}", f"keyword {own['keyword']:.2f}, vector {own['vector']:.2f}"],
        [f"recall@5, invented reports ({len(questions)} questions)",
         f"hybrid {generated['hybrid']:.2f}", f"keyword {generated['keyword']:.2f}, vector {generated['vector']:.2f}"],
    ]
    publish("Documents", header, markdown_table(["measure", "result", "compared"], rows), args.write)


if __name__ == "__main__":
    main()
