"""Speculation replayed: how good chatapp's draft schedule is, against llama-server's ngram-simple and the best.

    python benchmarks/bench_spec_replay.py [--model PATH] [--tokens 200] [--threads 2] [--write]

The server benchmark (bench_spec_vs_llama_server.py) says who is faster; this one says why, and how
far either is from the best any n-gram drafter could do, without the machine's noise. It records, once:
- each greedy text of that benchmark as the model writes it (speculation off, repeat penalty 1.0 as
  the API's default), token by token;
- what one checked batch costs for 1 to 64 rows (the same context position, 15 interleaved
  repetitions, medians), relative to one row.
Then it replays drafters over the recorded tokens, charging each step the cost of its batch:
- chatapp's `NgramDrafter`, the class the engine uses, given the batch costs measured here;
- llama-server's ngram-simple as the vendored common/ngram-simple reads: the last 12 tokens as key,
  the most recent earlier occurrence, up to 48 tokens of what followed it, at least 12 or nothing;
- the ceiling: the cheapest schedule (dynamic programming over positions) of drafts of 3, 7, …, 63
  tokens from any n-gram source (the latest earlier occurrence of the last 12, 8, 6, 4, 3 or 2 tokens,
  continued round a loop), knowing the text in advance.
Figures are speed relative to speculation off (one row per token). Greedy text differs between CPUs
at near-ties, so the recorded texts (and figures) can too.

The last column is where drafts can only cost: eight everyday prompts (a quote from a chat, a code
edit, a summary, a story, a question on a passage, a list, an essay, a letter) sampled with the app's
default sampler, three seeds each; geometric mean over the 24 replies, and the worst one.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_spec_vs_llama_server import LIGHTHOUSE_CHAT, NOTHING_TO_COPY, PASSAGE, TEXTS  # noqa: E402
from report import DEFAULT_SAMPLER, DEFAULT_SAMPLER_TEXT, cpu_name, markdown_table, publish, reference_model  # noqa: E402

from chatapp.core.runtime.engine import Engine  # noqa: E402
from chatapp.core.runtime.speculative import BatchCosts, Drafter, NgramDrafter, continuation, interpolate  # noqa: E402
from chatapp.core.types import LoadOptions, SamplingParams, Speculation  # noqa: E402

BATCH_ROWS = (1, 2, 3, 4, 8, 12, 16, 20, 24, 28, 32, 40, 48, 56, 64)
STORY = ("The keeper climbed the stairs every evening at dusk. He trimmed the wick, polished the lens and wound "
         "the clockwork that turned the light. On stormy nights he stayed awake until dawn, watching the beam "
         "sweep across the water, counting the ships that passed.")
FUNCTION = ('def parse_config(path):\n    with open(path) as f:\n        data = json.load(f)\n    if "name" not in '
            'data:\n        raise ValueError("missing name")\n    return Config(name=data["name"], port=data.get('
            '"port", 8080), debug=data.get("debug", False))\n')
SAMPLED = [  # everyday prompts, sampled: the text with nothing (or little) to copy
    f"{LIGHTHOUSE_CHAT}User: When did the last keeper leave? Quote the sentence that says so.\nAssistant:",
    f"Here is a function:\n\n```python\n{FUNCTION}```\n\nThe same function with type hints and a docstring:\n\n"
    "```python\n",
    f"{STORY}\n\nSummary of the text above in one sentence:",
    f"{STORY} One night",
    f"Text: {PASSAGE[:400]}\n\nQuestion: What does chatapp run, and where?\nAnswer:",
    "A list of twenty fruits, one per line:\n\n1. Apple\n2.",
    TEXTS[NOTHING_TO_COPY],
    "Dear Sir or Madam,\n\nI am writing to",
]
SEEDS = (1, 2, 3)


def record(engine: Engine, prompt: str, tokens: int, seed: int | None = None) -> tuple[list[int], int]:
    """The prompt's tokens followed by the reply's (greedy, or with `seed` the default sampler); and
    where the reply starts."""
    seq = engine._seq
    assert seq is not None
    seq.clear()
    params = (SamplingParams(temperature=0.0, repeat_penalty=1.0, max_tokens=tokens) if seed is None else
              SamplingParams(**DEFAULT_SAMPLER, seed=seed, max_tokens=tokens))
    stream = engine.complete(prompt, params, speculation=Speculation("off"))
    stream.text()
    assert stream.stats is not None
    return list(seq.cached_tokens), stream.stats.prompt_tokens


def batch_costs(engine: Engine, context: Sequence[int], position: int = 300) -> dict[int, float]:
    """Seconds for one checked batch of each size in BATCH_ROWS at `position`, relative to one row."""
    seq = engine._seq
    assert seq is not None
    seq.clear()
    seq.decode(list(context[:position]))
    samples: dict[int, list[float]] = {k: [] for k in BATCH_ROWS}
    for _ in range(15):
        for rows in BATCH_ROWS:
            began = time.perf_counter()
            seq.decode(list(context[:rows]), all_logits=True)
            samples[rows].append(time.perf_counter() - began)
            seq.truncate(position)
    one = statistics.median(samples[1])
    return {rows: statistics.median(v) / one for rows, v in samples.items()}


class Costs:
    """A batch's relative cost for any number of rows, interpolated between the measured sizes."""

    def __init__(self, measured: dict[int, float]) -> None:
        self.measured = measured

    def __call__(self, rows: int) -> float:
        return interpolate(self.measured, rows)


class NgramSimple:
    """llama-server's `--spec-type ngram-simple`, as its source reads (see the module docstring)."""

    KEY, MOST, LEAST = 12, 48, 12

    def __init__(self, tokens: Sequence[int]) -> None:
        self.tokens = list(tokens)

    def extend(self, tokens: Sequence[int]) -> None:
        self.tokens.extend(tokens)

    def feedback(self, drafted: int, accepted: int) -> None:
        pass

    def propose(self, room: int) -> list[int]:
        after = latest_earlier(self.tokens, self.KEY)
        draft = self.tokens[after:after + min(self.MOST, room)] if after is not None else []
        return draft if len(draft) >= self.LEAST else []


def latest_earlier(tokens: Sequence[int], n: int) -> int | None:
    """Where what followed the latest earlier occurrence of the last `n` tokens starts; None if none."""
    key = list(tokens[-n:])
    for start in range(len(tokens) - n - 1, -1, -1):
        if list(tokens[start:start + n]) == key:
            return start + n
    return None


def replay(drafter: Drafter, reply: Sequence[int], cost: Costs) -> float:
    """Speed relative to speculation off when `drafter` drafts for `reply` (as Engine._produce does)."""
    spent, i = 0.0, 0  # reply[i]: the token just sampled
    while True:
        drafter.extend((reply[i],))
        if i + 1 >= len(reply):
            break
        draft = drafter.propose(len(reply) - i - 2)
        if not draft:
            spent, i = spent + cost(1), i + 1
            continue
        spent += cost(1 + len(draft))
        accepted = 0
        while accepted < len(draft) and i + 1 + accepted < len(reply) and draft[accepted] == reply[i + 1 + accepted]:
            accepted += 1
        drafter.extend(reply[i + 1:i + 1 + accepted])
        drafter.feedback(len(draft), accepted)
        i += accepted + 1
        if i >= len(reply):
            break
    return (len(reply) - 1) / spent


def _sources(text: Sequence[int]) -> list[list[int]]:
    """What each n-gram source would draft after `text` (64 tokens, continued round a loop)."""
    starts = (latest_earlier(text, n) for n in (12, 8, 6, 4, 3, 2) if len(text) > n)
    return [continuation(text, start, 64) for start in starts if start is not None]


def ceiling(prompt: Sequence[int], reply: Sequence[int], cost: Costs) -> float:
    """The best speed any schedule of drafts from those sources could reach, knowing the reply."""
    best = [float("inf")] * len(reply)
    best[0] = 0.0
    for i in range(len(reply) - 1):
        sources = _sources([*prompt, *reply[:i + 1]])
        reach = 0
        for follow in sources:
            k = 0
            while k < len(follow) and i + 1 + k < len(reply) and follow[k] == reply[i + 1 + k]:
                k += 1
            reach = max(reach, k)
        best[i + 1] = min(best[i + 1], best[i] + cost(1))
        for length in range(3, 64, 4):
            j = min(len(reply) - 1, i + 1 + min(reach, length))
            best[j] = min(best[j], best[i] + cost(1 + length))
    return (len(reply) - 1) / best[-1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    model = args.model or reference_model()
    engine = Engine()
    engine.load(model, LoadOptions(n_ctx=4096, n_threads=args.threads, n_gpu_layers=0, parallel=1))
    texts = {name: record(engine, prompt, args.tokens) for name, prompt in TEXTS.items() if name != NOTHING_TO_COPY}
    sampled = [record(engine, prompt, args.tokens, seed) for prompt in SAMPLED for seed in SEEDS]
    longest = max(texts.values(), key=lambda t: len(t[0]))[0]
    cost = Costs(batch_costs(engine, longest))
    drafters: dict[str, Callable[[Sequence[int]], Drafter]] = {
        # As the engine drafts once it has timed this machine's batches.
        "chatapp prompt-lookup": lambda prompt: NgramDrafter(prompt, costs=BatchCosts(cost.measured)),
        "llama-server ngram-simple (replayed)": NgramSimple,
    }
    rows = []
    for label, make in drafters.items():
        speeds = [replay(make(tokens[:start]), tokens[start:], cost) for tokens, start in sampled]
        mean = math.exp(statistics.mean(math.log(speed) for speed in speeds))
        rows.append([label, *(f"{replay(make(tokens[:start]), tokens[start:], cost):.2f}×"
                              for tokens, start in texts.values()), f"{mean:.3f}× ({min(speeds):.2f}×)"])
    rows.append(["best possible from n-grams", *(f"{ceiling(tokens[:start], tokens[start:], cost):.2f}×"
                                                 for tokens, start in texts.values()), ""])
    costs = ", ".join(f"{rows_}: {cost(rows_):.2f}" for rows_ in (4, 8, 16, 32, 48, 64))
    header = (f"{cpu_name()}, `{model.name}`, {args.threads} threads; greedy replies of {args.tokens} tokens recorded "
              f"once, drafts replayed against batch costs measured once (relative to one row: {costs}); the last "
              f"column: {len(SAMPLED)} everyday prompts sampled with the default sampler ({DEFAULT_SAMPLER_TEXT}), "
              f"seeds {SEEDS[0]}–{SEEDS[-1]}, geometric mean and worst reply; speed relative to speculation off; "
              f"{time.strftime('%Y-%m-%d')}. "
              "`python benchmarks/bench_spec_replay.py --write`")
    sampled_column = f"sampled, {len(sampled)} replies: mean (worst)"
    publish("Speculation replayed", header, markdown_table(["drafter", *texts, sampled_column], rows), args.write,
            per_cpu=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
