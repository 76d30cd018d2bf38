"""Full-text search over a large history: 10,000 messages in 500 conversations, real SQLite file.

    python benchmarks/bench_history.py [--messages N] [--write]
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import markdown_table, publish  # noqa: E402

from chatapp.core.history import HistoryStore  # noqa: E402

WORDS = [
    "model", "token", "context", "python", "rust", "lighthouse", "keeper", "storm", "ocean", "graph",
    "cache", "thread", "window", "search", "history", "export", "branch", "reply", "prompt", "template",
    "sampler", "memory", "download", "library", "quantized", "weights", "gradient", "matrix", "vector",
    "kernel", "compile", "network", "socket", "server", "client", "request", "response", "error",
]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=10_000)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rng = random.Random(3)
    store = HistoryStore(Path(tempfile.mkdtemp()) / "history.sqlite3")
    started = time.perf_counter()
    per_conv = 20
    for _c in range(args.messages // per_conv):
        conv = store.create_conversation()
        parent = None
        for i in range(per_conv):
            text = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 120)))
            parent = store.add_message(conv.id, "user" if i % 2 == 0 else "assistant", text, parent_id=parent).id
    fill = time.perf_counter() - started
    store.add_message(store.conversations()[0].id, "user", "a unique xylophone question")

    queries = ["lighthouse", "storm ocean", "pyth", "xylophone", "quantized weights kernel", "error"]
    timings = {}
    for q in queries:
        runs = []
        for _ in range(20):
            t = time.perf_counter()
            store.search(q)
            runs.append(time.perf_counter() - t)
        timings[q] = statistics.median(runs)
    store.close()
    header = (
        f"{args.messages:,} messages (20–120 words each) in {args.messages // per_conv} conversations, SQLite FTS5, "
        f"50 hits per query, median of 20 runs; filling took {fill:.1f} s; {time.strftime('%Y-%m-%d')}."
    )
    rows = [(f"`{q}`", f"{t * 1000:.1f} ms") for q, t in timings.items()]
    publish("History search", header, markdown_table(("query", "median time"), rows), args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
