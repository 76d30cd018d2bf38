"""The window's view of how each token was chosen: decode speed with it on ÷ off (goal ≥ 0.97).

The same prompt, seed and sampler (temperature 0.8, top-k 40, top-p 0.95, min-p 0.05, repeat 1.1),
speculation off, a fixed number of tokens (`ignore_eos`), on and off interleaved; the engine's own
tokens/s (first token to last); medians. On the reference model (Gemma 3 270M, a 262k-token
vocabulary: the most the per-token work can cost) and the demo model (SmolLM2 135M, 49k tokens).

    python benchmarks/bench_token_view.py [--tokens 300] [--rounds 9] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import both_vocabularies, cpu_name, markdown_table, publish  # noqa: E402

from chatapp.core.generation import Done, GenerationRequest  # noqa: E402
from chatapp.core.runtime.engine import Engine  # noqa: E402
from chatapp.core.types import LoadOptions, SamplingParams, Speculation  # noqa: E402

PROMPT = "Once upon a time, in a village by the sea, there lived an old lighthouse keeper who"
EXPLAINED = 10  # candidates kept per token, as the window asks


def rate(engine: Engine, tokens: int, explain: int, seed: int) -> float:
    request = GenerationRequest(prompt=PROMPT, explain=explain, ignore_eos=True, speculation=Speculation("off"),
                                sampling=SamplingParams(temperature=0.8, top_k=40, top_p=0.95, min_p=0.05,
                                                        repeat_penalty=1.1, seed=seed, max_tokens=tokens))
    for event in engine.generate(request):
        if isinstance(event, Done):
            assert event.stats is not None and event.stats.completion_tokens == tokens
            return event.stats.tokens_per_s
    raise RuntimeError("no Done")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    rows = []
    for label, path in both_vocabularies():
        engine = Engine()
        engine.load(path, LoadOptions(n_threads=2))
        rate(engine, 32, EXPLAINED, 0)  # warm-up
        off: list[float] = []
        on: list[float] = []
        for i in range(args.rounds):
            first, second = (off, on) if i % 2 == 0 else (on, off)
            first.append(rate(engine, args.tokens, 0 if first is off else EXPLAINED, 100 + i))
            second.append(rate(engine, args.tokens, 0 if second is off else EXPLAINED, 100 + i))
        engine.unload()
        ratio = statistics.median(b / a for a, b in zip(off, on, strict=True))
        rows.append((label, f"{statistics.median(off):.1f} tok/s", f"{statistics.median(on):.1f} tok/s",
                     f"{ratio:.3f} (goal ≥ 0.97)"))
    header = (f"{cpu_name()}, 2 threads; a story opening continued for {args.tokens} tokens at temperature 0.8, "
              f"top-k 40, top-p 0.95, min-p 0.05, repeat 1.1, speculation off; {EXPLAINED} candidates kept per token "
              f"when on; {args.rounds} interleaved rounds (which goes first alternates), the ratio is the median of "
              f"the paired ratios; {time.strftime('%Y-%m-%d')}.")
    publish("How each token was chosen", header,
            markdown_table(("model", "view off", "view on", "on ÷ off"), rows), args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
