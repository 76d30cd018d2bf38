"""Several clients at once: chatapp's parallel sequences against llama-server's slots, like with like.

    python benchmarks/bench_parallel.py --llama-server PATH [--rounds 5] [--tokens 128] [--write]

Both run as servers with the same model, threads and context (4096 tokens shared by 4 sequences:
`chatapp serve --parallel 4`, `llama-server -np 4 --kv-unified`), speculation off. For 1, 2 and 4
clients, that many threads each stream a `/v1/completions` of `--tokens` tokens (different prompts,
temp 0.7, top-p 0.95, top-k 40, min-p 0.05, repeat 1.1, a seed per client and round) through the
official openai client at the same moment. Measured per request: time to the first token and decode
tok/s (tokens − 1 over first to last chunk); aggregate: all tokens over the wall time from the start to
the last reply's end. Rounds interleave servers and client counts; medians; ratio chatapp ÷ llama-server.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import (  # noqa: E402
    DEFAULT_SAMPLER,
    DEFAULT_SAMPLER_TEXT,
    cpu_name,
    decode_rate,
    markdown_table,
    publish,
    reference_model,
    server_bench_arguments,
    start_llama_server,
    timed_stream,
)

PROMPTS = [
    "Here is a long story about a lighthouse keeper and the storm of the century:",
    "The history of the bicycle, from the draisine to the carbon frame, in detail:",
    "A beginner's guide to growing tomatoes on a balcony, step by step:",
    "Notes from a week walking the coast path between two fishing villages:",
]
SLOTS = 4


def start_chatapp(model: Path, threads: int) -> tuple[subprocess.Popen[str], str]:
    home = tempfile.mkdtemp(prefix="bench-parallel-")
    env = {**os.environ, "CHATAPP_DATA_DIR": home, "CHATAPP_CONFIG_DIR": home + "/config"}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--model", str(model), "--port", "0",
                             "--threads", str(threads), "--ctx", "4096", "--speculative", "off",
                             "--parallel", str(SLOTS)],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.split(" on ")[1].strip()


def one_request(url: str, prompt: str, tokens: int, seed: int, out: list[tuple[float, float, float, int]],
                began: float) -> None:
    """Appends (time to first token, decode tok/s, end time, tokens)."""
    first, last, used = timed_stream(url, prompt, tokens, seed, DEFAULT_SAMPLER)
    out.append((first - began, decode_rate(first, last, used), time.perf_counter(), used))


def clients_at_once(url: str, clients: int, tokens: int, seed: int) -> tuple[float, float, float]:
    """(aggregate tok/s, median time to first token, median per-request decode tok/s)."""
    out: list[tuple[float, float, float, int]] = []
    began = time.perf_counter()
    threads = [threading.Thread(target=one_request, args=(url, PROMPTS[i], tokens, seed + i, out, began))
               for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(out) == clients, "a request failed"
    wall = max(end for _, _, end, _ in out) - began
    return (sum(n for *_, n in out) / wall, statistics.median(t for t, *_ in out),
            statistics.median(r for _, r, _, _ in out))


def main() -> int:
    args = server_bench_arguments(__doc__.splitlines()[0], tokens=128)
    model = args.model or reference_model()

    theirs, base = start_llama_server(args.llama_server, model, args.threads, slots=SLOTS)
    servers = {"chatapp": start_chatapp(model, args.threads), "llama-server": (theirs, base + "/v1")}
    counts = (1, 2, 4)
    results: dict[tuple[str, int], list[tuple[float, float, float]]] = {
        (name, n): [] for name in servers for n in counts}
    try:
        for _, url in servers.values():
            clients_at_once(url, SLOTS, 16, 1)  # warm up every slot
        for r in range(args.rounds):  # interleaved: the machine's swings hit every server alike
            for n in counts:
                for name, (_, url) in servers.items():
                    results[(name, n)].append(clients_at_once(url, n, args.tokens, 100 + 10 * r))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()

    def med(name: str, n: int, k: int) -> float:
        return statistics.median(x[k] for x in results[(name, n)])

    rows = []
    for n in counts:
        ours, peer = [med("chatapp", n, k) for k in range(3)], [med("llama-server", n, k) for k in range(3)]
        rows.append([str(n), f"{ours[0]:.1f} / {peer[0]:.1f}", f"{ours[0] / peer[0]:.3f}",
                     f"{ours[1] * 1000:.0f} / {peer[1] * 1000:.0f} ms", f"{ours[1] / peer[1]:.2f}",
                     f"{ours[2]:.1f} / {peer[2]:.1f}", f"{ours[2] / peer[2]:.3f}",
                     " ".join(f"{x[0]:.0f}" for x in results[("chatapp", n)]) + " / "
                     + " ".join(f"{x[0]:.0f}" for x in results[("llama-server", n)])])
    header = (f"{cpu_name()}, `{model.name}`, {args.threads} threads, context 4096 shared by {SLOTS} sequences "
              f"(`chatapp serve --parallel {SLOTS}`, `llama-server -np {SLOTS} --kv-unified`), speculation off; "
              f"each client streams /v1/completions of {args.tokens} tokens through the openai client, "
              f"{DEFAULT_SAMPLER_TEXT}; {args.rounds} interleaved rounds, medians; "
              f"{time.strftime('%Y-%m-%d')}. Ratios chatapp ÷ llama-server (first token: lower is better). "
              "`python benchmarks/bench_parallel.py --llama-server PATH --write`")
    publish("Several clients at once", header, markdown_table(
        ["clients", "aggregate tok/s (chatapp / llama-server)", "ratio", "first token", "ratio",
         "per-request decode tok/s", "ratio", "aggregate, rounds"], rows), args.write, per_cpu=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
