"""Where a decoded token's time goes in chatapp's engine: inside llama_decode, in sampling, and the rest
(Python around them: detokenizing, events, the loop), at the default sampler with speculation off.

The answer to "why is decode not further ahead of llama-server": what is not llama_decode is all the
engine could shorten, and llama-server pays for the same work too (its sampler runs over the whole
vocabulary in C++; chatapp's over a prefiltered few in numpy and llama.cpp's own samplers).

Timers wrap `KvSequence.decode` and `NativeSampler.sample` (a perf_counter pair each, ~0.2 µs); the
engine's own tokens/s is reported beside them. Rounds are medians.

    python benchmarks/bench_decode_profile.py [--tokens 300] [--rounds 5] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import both_vocabularies, cpu_name, markdown_table, publish  # noqa: E402

from chatapp.core.generation import Done, GenerationRequest  # noqa: E402
from chatapp.core.runtime.engine import Engine  # noqa: E402
from chatapp.core.runtime.kv_sequence import KvSequence  # noqa: E402
from chatapp.core.runtime.sampler import NativeSampler  # noqa: E402
from chatapp.core.types import LoadOptions, SamplingParams, Speculation  # noqa: E402

PROMPT = "Once upon a time, in a village by the sea, there lived an old lighthouse keeper who"
SPENT: dict[str, float] = {"decode": 0.0, "sample": 0.0, "decode calls": 0.0}


def timed(function: Callable[..., Any], key: str) -> Callable[..., Any]:
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        began = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            SPENT[key] += time.perf_counter() - began
            SPENT[key + " calls"] = SPENT.get(key + " calls", 0.0) + 1
    return wrapper


def profile(engine: Engine, tokens: int, seed: int) -> tuple[float, float, float, float]:
    """Per generated token after the first: ms in llama_decode, ms sampling, ms the rest; and tokens/s."""
    request = GenerationRequest(prompt=PROMPT, ignore_eos=True, speculation=Speculation("off"),
                                sampling=SamplingParams(seed=seed, max_tokens=tokens))
    events = iter(engine.generate(request))
    next(events)  # the prompt is read and the first token sampled before the first event
    SPENT.update({"decode": 0.0, "sample": 0.0, "decode calls": 0.0})
    began = time.perf_counter()
    stats = None
    for event in events:
        if isinstance(event, Done):
            stats = event.stats
    wall = time.perf_counter() - began
    assert stats is not None and stats.completion_tokens == tokens
    steps = int(SPENT["decode calls"])  # one decode per token from here on (speculation is off)
    decode, sample = SPENT["decode"] / steps * 1e3, SPENT["sample"] / steps * 1e3
    return decode, sample, wall / steps * 1e3 - decode - sample, stats.tokens_per_s


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    KvSequence.decode = timed(KvSequence.decode, "decode")  # type: ignore[method-assign]
    NativeSampler.sample = timed(NativeSampler.sample, "sample")  # type: ignore[method-assign]
    rows = []
    for label, path in both_vocabularies():
        engine = Engine()
        engine.load(path, LoadOptions(n_threads=2))
        profile(engine, 32, 0)  # warm-up
        runs = [profile(engine, args.tokens, 100 + i) for i in range(args.rounds)]
        engine.unload()
        decode, sample, rest, rate = (statistics.median(r[i] for r in runs) for i in range(4))
        total = decode + sample + rest
        rows.append((label, f"{total:.2f} ms ({rate:.1f} tok/s)", f"{decode:.2f} ms ({decode / total:.1%})",
                     f"{sample:.2f} ms ({sample / total:.1%})", f"{rest:.2f} ms ({rest / total:.1%})"))
    header = (f"{cpu_name()}, 2 threads; a story opening continued for {args.tokens} tokens at the default sampler "
              f"(temperature 0.7, top-k 40, top-p 0.95, min-p 0.05, repeat 1.1), speculation off; per token after "
              f"the first, medians of {args.rounds} runs; {time.strftime('%Y-%m-%d')}.")
    publish("Where a token's time goes", header,
            markdown_table(("model", "per token", "llama_decode", "sampling", "the rest"), rows), args.write,
            per_cpu=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
