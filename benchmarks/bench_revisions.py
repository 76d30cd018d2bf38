"""Decode through the API and through the window: this tree against an earlier revision, in one run.

For a change that reshapes the path every token takes (the generation contract, the router, the
dialects), the question is whether decoding got slower anywhere a user sees it. Each side runs from
its own checkout (a `git worktree` of `--before`, made for the run and removed after):
(a) `chatapp serve`, both servers warm side by side, measured by one openai client: streamed chat
    completions and streamed completions, tokens a second after the first;
(b) the window: bench_gui.py's GUI child of each side (a reply streamed into the offscreen window,
    first text on screen to end), in a fresh process each time.
Rounds alternate the sides; medians; the ratio is this tree ÷ before.

    python benchmarks/bench_revisions.py --before REV [--after REV] [--model PATH] [--tokens N] [--rounds N] [--write]

`--after` measures a revision rather than the working tree (so the tree can change while it runs).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from report import (  # noqa: E402
    DEFAULT_MODEL,
    DEFAULT_SAMPLER,
    DEFAULT_SAMPLER_TEXT,
    cpu_name,
    decode_rate,
    markdown_table,
    publish,
    reference_model,
    timed_stream,
)

PROMPT = "Here is a long story about a lighthouse keeper and the storm of the century:"


def side_env(tree: Path) -> dict[str, str]:
    home = tempfile.mkdtemp(prefix="bench-rev-")
    return {**os.environ, "PYTHONPATH": str(tree), "CHATAPP_DATA_DIR": home, "CHATAPP_CONFIG_DIR": home + "/config",
            "QT_QPA_PLATFORM": "offscreen"}


def checkout(revision: str) -> Path:
    """A worktree of `revision`, made for the run (removed at its end)."""
    tree = Path(tempfile.mkdtemp(prefix="bench-rev-tree-")) / "tree"
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(tree), revision], check=True,
                   capture_output=True)
    return tree


def short(tree: Path) -> str:
    return subprocess.run(["git", "-C", str(tree), "rev-parse", "--short", "HEAD"], capture_output=True, text=True,
                          check=True).stdout.strip()


def start_serve(tree: Path, model: Path, threads: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--model", str(model), "--port", "0", "--ctx",
                             "4096", "--threads", str(threads)], cwd=tree, env=side_env(tree),
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if " on http" not in line:
        proc.kill()
        problem = proc.stderr.read() if proc.stderr else ""
        raise RuntimeError(f"chatapp serve from {tree} did not start: {line} {problem}")
    return proc, line.split(" on ")[-1].strip()


def chat_rate(url: str, tokens: int, seed: int) -> float:
    """One streamed chat completion through the openai client: tokens a second after the first."""
    import openai

    client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=600)
    first = last = 0.0
    used = 0
    stream = client.chat.completions.create(
        model=DEFAULT_MODEL, messages=[{"role": "user", "content": PROMPT}], max_tokens=tokens, stream=True, seed=seed,
        stream_options={"include_usage": True}, temperature=DEFAULT_SAMPLER["temperature"],
        top_p=DEFAULT_SAMPLER["top_p"],
        extra_body={k: DEFAULT_SAMPLER[k] for k in ("top_k", "min_p", "repeat_penalty")})
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.perf_counter()
            first = first or last
        if chunk.usage is not None:
            used = chunk.usage.completion_tokens
    return decode_rate(first, last, used)


def window_rate(tree: Path, model: Path, tokens: int) -> float:
    out = subprocess.run([sys.executable, str(tree / "benchmarks" / "bench_gui.py"), "--gui-child", str(model),
                          str(tokens)], cwd=tree, env=side_env(tree), capture_output=True, text=True, check=True)
    return float(out.stdout.split()[0])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--before", required=True, help="the git revision to compare against")
    parser.add_argument("--after", default="", help="a revision to measure instead of the working tree")
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    model = args.model or reference_model()
    before = checkout(args.before)
    after = checkout(args.after) if args.after else ROOT
    revision = short(before)
    measured = f"{args.after} ({short(after)})" if args.after else "this tree"
    sides = {"before": before, "this tree": after}
    servers = {name: start_serve(tree, model, args.threads) for name, tree in sides.items()}
    rates: dict[tuple[str, str], list[float]] = {(name, kind): [] for name in sides
                                                 for kind in ("chat", "completions", "window")}
    try:
        for round_ in range(args.rounds):
            order = list(sides) if round_ % 2 == 0 else list(reversed(sides))  # neither side always goes first
            for name in order:
                url = servers[name][1]
                rates[(name, "chat")].append(chat_rate(url, args.tokens, 100 + round_))
                rates[(name, "completions")].append(decode_rate(*timed_stream(url, PROMPT, args.tokens,
                                                                              100 + round_, DEFAULT_SAMPLER)))
            for name in order:
                rates[(name, "window")].append(window_rate(sides[name], model, args.tokens))
            print(f"round {round_ + 1}:", {f"{n} {k}": round(v[-1], 1) for (n, k), v in rates.items()}, flush=True)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait(30)
        for tree in {before, after} - {ROOT}:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], check=False)

    rows = []
    for kind, label in (("chat", "API: streamed chat completions (openai client)"),
                        ("completions", "API: streamed completions (openai client)"),
                        ("window", "window: reply streamed on screen (first text → end)")):
        before_rates, after_rates = rates[("before", kind)], rates[("this tree", kind)]
        old, new = statistics.median(before_rates), statistics.median(after_rates)
        # Each round measures both sides back to back: the median of the rounds' ratios cancels the drift
        # of the machine between rounds, which the ratio of the two medians does not.
        paired = statistics.median(a / b for a, b in zip(after_rates, before_rates, strict=True) if b)
        rows.append((label, f"{old:.1f} ({min(before_rates):.0f}–{max(before_rates):.0f})",
                     f"{new:.1f} ({min(after_rates):.0f}–{max(after_rates):.0f})", f"{new / old:.3f}",
                     f"{paired:.3f}"))
    header = (f"Model `{model.name}`, {args.threads} threads, CPU {cpu_name()}; {args.tokens} tokens, sampler "
              f"{DEFAULT_SAMPLER_TEXT}, seeds 100+round; {measured} against {revision} (`--before`), each from its own "
              f"checkout, {args.rounds} interleaved rounds (the order alternating), medians; both servers warm, one "
              f"client; the window in a fresh process per run; {time.strftime('%Y-%m-%d')}.")
    publish("Against the previous revision", header,
            markdown_table(("measurement", "before, tok/s: median (range)", "this tree, tok/s", "ratio of medians",
                            "median of the rounds' ratios (goal ≥ 0.98)"), rows), args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
