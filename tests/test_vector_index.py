"""The in-memory vector search: exact below the limit, sign bits + exact rescoring above it."""

from __future__ import annotations

import numpy as np

from chatapp.documents.vector_index import VectorIndex


def clustered(n: int, dimension: int = 384, clusters: int = 300, seed: int = 1) -> np.ndarray:
    """Vectors that group by topic, as sentence embeddings do (random vectors have no neighbours)."""
    rng = np.random.default_rng(seed)
    centres = rng.standard_normal((clusters, dimension))
    vectors = centres[rng.integers(0, clusters, n)] + 0.6 * rng.standard_normal((n, dimension))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


def test_small_collections_are_searched_exactly() -> None:
    matrix = clustered(2000)
    ids = np.arange(100, 2100)
    index = VectorIndex(ids, matrix)
    assert index.bits is None
    query = matrix[7] + 0.1 * matrix[8]
    query /= np.linalg.norm(query)
    truth = np.argsort(-(matrix @ query))[:10]
    found = index.search(query, 10)
    assert [i for i, _ in found] == [int(ids[t]) for t in truth]
    assert [s for _, s in found] == sorted((s for _, s in found), reverse=True)


def test_large_collections_use_sign_bits_and_keep_the_nearest_neighbours() -> None:
    matrix = clustered(30_000)
    index = VectorIndex(np.arange(30_000), matrix)
    assert index.bits is not None and index.bits.shape == (30_000, 6)
    rng = np.random.default_rng(2)
    recall = []
    for row in rng.integers(0, 30_000, 50):
        query = matrix[row] + 0.3 * rng.standard_normal(384).astype(np.float32)
        query /= np.linalg.norm(query)
        truth = set(np.argsort(-(matrix @ query))[:10].tolist())
        found = index.search(query, 10)
        recall.append(len(truth & {i for i, _ in found}) / 10)
        assert np.allclose([s for _, s in found], matrix[[i for i, _ in found]] @ query, atol=1e-5)  # rescored exactly
    # Approximate by design: these made-up clusters are harder than real sentence embeddings, on which
    # benchmarks/bench_documents.py measures the recall against the exact scan.
    assert np.mean(recall) >= 0.85


def test_an_empty_index_finds_nothing() -> None:
    assert VectorIndex(np.arange(0), np.zeros((0, 384), np.float32)).search(np.ones(384, np.float32), 5) == []
