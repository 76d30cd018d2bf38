"""Speculative decoding: chatapp with and without n-gram drafts, and llama-server's own modes, in one run.

Two texts, greedy, the same number of tokens: one whose reply repeats its prompt (asked to copy a
passage), one free (a story opening). chatapp is timed by its engine's stats (first token to last);
llama-server by its own `timings.predicted_per_second` on /completion with prompt caching off.

    python benchmarks/bench_speculative.py [--model PATH] [--tokens N] [--rounds N]
                                           [--llama-server PATH] [--write]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import cpu_name, markdown_table, publish, reference_model, start_llama_server  # noqa: E402

from chatapp.core.runtime.engine import Engine  # noqa: E402
from chatapp.core.types import (  # noqa: E402
    LoadOptions,
    SamplingParams,
    Speculation,
)

PASSAGE = (ROOT / "README.md").read_text(encoding="utf-8").split("## Set up")[0][:1400]
TEXTS = {
    "repeats its prompt": f"Copy the following text exactly.\n\n{PASSAGE}\n\nThe same text, copied:\n\n{PASSAGE[:120]}",
    "free text": "Once upon a time, in a village by the sea, there lived an old lighthouse keeper who",
}
LLAMA_SERVER_MODES = ("none", "ngram-simple", "ngram-map-k", "ngram-cache")


def chatapp_rate(engine: Engine, prompt: str, tokens: int, mode: str) -> tuple[float, int, int]:
    assert engine._seq is not None
    engine._seq.clear()  # the prompt read afresh every time, like llama-server with cache_prompt off
    params = SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=tokens)
    stream = engine.complete(prompt, params, speculation=Speculation(mode))
    stream.text()
    assert stream.stats is not None
    return stream.stats.tokens_per_s, stream.stats.draft_tokens, stream.stats.accepted_tokens


def llama_server_rate(binary: Path, model: Path, threads: int, mode: str, prompt: str, tokens: int) -> float:
    import httpx2

    proc, base = start_llama_server(binary, model, threads, "--spec-type", mode)
    try:
        reply = httpx2.post(base + "/completion", timeout=600, json={
            "prompt": prompt, "n_predict": tokens, "temperature": 0, "repeat_penalty": 1.0, "cache_prompt": False,
            "ignore_eos": True,
        }).json()
        return float(reply["timings"]["predicted_per_second"])
    finally:
        proc.terminate()
        proc.wait()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--llama-server", type=Path, default=None)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    model = args.model or reference_model()

    engine = Engine()
    engine.load(model, LoadOptions(n_ctx=4096, n_threads=args.threads, n_gpu_layers=0))
    results: dict[tuple[str, str], list[float]] = {}
    accepted: dict[str, tuple[int, int]] = {}
    for _ in range(args.rounds):  # interleaved, so machine noise hits every configuration alike
        for name, prompt in TEXTS.items():
            for mode in ("off", "prompt-lookup"):
                rate, drafted, kept = chatapp_rate(engine, prompt, args.tokens, mode)
                results.setdefault((f"chatapp {mode}", name), []).append(rate)
                if mode != "off":
                    accepted[name] = (drafted, kept)
            if args.llama_server:
                for mode in LLAMA_SERVER_MODES:
                    rate = llama_server_rate(args.llama_server, model, args.threads, mode, prompt, args.tokens)
                    results.setdefault((f"llama-server --spec-type {mode}", name), []).append(rate)
    engine.unload()

    best = {k: max(v) for k, v in results.items()}  # best of N, as the issue's own figures
    configs = list(dict.fromkeys(k[0] for k in results))
    rows = []
    for config in configs:
        cells = []
        for name in TEXTS:
            rate = best[(config, name)]
            cells.append(f"{rate:.1f} ({rate / best[('chatapp off', name)]:.2f}×)")
        rows.append((config, *cells))
    notes = "; ".join(f"{name}: {kept} of {drafted} drafted tokens accepted" for name, (drafted, kept) in
                      accepted.items())
    header = (
        f"Model `{model.name}`, {args.threads} threads, CPU {cpu_name()}; greedy, {args.tokens} tokens, the prompt "
        f"read afresh each run; tokens/s, best of {args.rounds} interleaved rounds, ratio to chatapp without "
        f"speculation. chatapp prompt-lookup: {notes}. {time.strftime('%Y-%m-%d')}."
    )
    table = markdown_table(("configuration", *TEXTS), rows)
    publish("Speculative decoding", header, table, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
