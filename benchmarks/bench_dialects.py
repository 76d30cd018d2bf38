"""Decode through each API dialect of one `chatapp serve`: Anthropic's Messages and OpenAI's Responses
against chat completions, with each API's official client, interleaved.

All three are translations of one request and one event stream, so decoding should cost the same through
each; what differs is each stream's framing (Anthropic's and the Responses API's events are larger than a
chat completion chunk). Same server, model, prompt, sampler and seed per round; tokens a second after the
first text, as each client sees them; medians.

    python benchmarks/bench_dialects.py [--model PATH] [--tokens N] [--rounds N] [--threads N] [--write]
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
    markdown_table,
    publish,
    reference_model,
)

PROMPT = "Here is a long story about a lighthouse keeper and the storm of the century:"


def chat_completions(url: str, tokens: int, seed: int) -> tuple[float, float, int]:
    import openai

    client = openai.OpenAI(base_url=url + "/v1", api_key="x", max_retries=0, timeout=600)
    first = last = 0.0
    used = 0
    for chunk in client.chat.completions.create(
            model=DEFAULT_MODEL, messages=[{"role": "user", "content": PROMPT}], max_tokens=tokens, seed=seed,
            stream=True,
            stream_options={"include_usage": True}, temperature=DEFAULT_SAMPLER["temperature"],
            top_p=DEFAULT_SAMPLER["top_p"], extra_body={k: DEFAULT_SAMPLER[k] for k in ("top_k", "min_p",
                                                                                         "repeat_penalty")}):
        if chunk.choices and chunk.choices[0].delta.content:
            last = time.perf_counter()
            first = first or last
        if chunk.usage is not None:
            used = chunk.usage.completion_tokens
    return first, last, used


def messages(url: str, tokens: int, seed: int) -> tuple[float, float, int]:
    import anthropic

    client = anthropic.Anthropic(base_url=url, api_key="x", max_retries=0, timeout=600)
    first = last = 0.0
    used = 0
    with client.messages.stream(model=DEFAULT_MODEL, max_tokens=tokens, messages=[{"role": "user", "content": PROMPT}],
                                extra_body={**DEFAULT_SAMPLER, "seed": seed}) as stream:
        for event in stream:
            if event.type == "content_block_delta" and event.delta.type == "text_delta":
                last = time.perf_counter()
                first = first or last
            elif event.type == "message_delta":
                used = event.usage.output_tokens
    return first, last, used


def responses(url: str, tokens: int, seed: int) -> tuple[float, float, int]:
    import openai

    client = openai.OpenAI(base_url=url + "/v1", api_key="x", max_retries=0, timeout=600)
    first = last = 0.0
    used = 0
    with client.responses.stream(model=DEFAULT_MODEL, input=PROMPT, max_output_tokens=tokens,
                                 temperature=DEFAULT_SAMPLER["temperature"], top_p=DEFAULT_SAMPLER["top_p"],
                                 extra_body={"seed": seed, **{k: DEFAULT_SAMPLER[k] for k in (
                                     "top_k", "min_p", "repeat_penalty")}}) as stream:
        for event in stream:
            if event.type == "response.output_text.delta":
                last = time.perf_counter()
                first = first or last
            elif event.type in ("response.completed", "response.incomplete") and event.response.usage:
                used = event.response.usage.output_tokens
    return first, last, used


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--tokens", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    model = args.model or reference_model()
    home = tempfile.mkdtemp(prefix="bench-dialects-")
    env = {**os.environ, "CHATAPP_DATA_DIR": home, "CHATAPP_CONFIG_DIR": home + "/config"}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--model", str(model), "--port", "0", "--ctx",
                             "4096", "--threads", str(args.threads)], env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = proc.stdout.readline().split(" on ")[-1].strip().removesuffix("/v1")
    dialects = {"chat completions (openai client)": chat_completions,
                "Anthropic messages (anthropic client)": messages,
                "Responses (openai client)": responses}
    rates: dict[str, list[float]] = {name: [] for name in dialects}
    try:
        for round_ in range(args.rounds):
            names = list(dialects)
            names = names[round_ % len(names):] + names[:round_ % len(names)]  # each goes first in turn
            for name in names:
                first, last, used = dialects[name](url, args.tokens, 100 + round_)
                rates[name].append((used - 1) / (last - first) if used > 1 and last > first else 0.0)
            print(f"round {round_ + 1}:", {n: round(r[-1], 1) for n, r in rates.items()}, flush=True)
    finally:
        proc.terminate()
        proc.wait(30)
    base = rates["chat completions (openai client)"]
    rows = [(name, f"{statistics.median(r):.1f} ({min(r):.0f}–{max(r):.0f})",
             f"{statistics.median(a / b for a, b in zip(r, base, strict=True) if b):.3f}") for name, r in rates.items()]
    header = (f"Model `{model.name}`, {args.threads} threads, CPU {cpu_name()}; one `chatapp serve`, a {len(PROMPT)}-"
              f"character prompt, {args.tokens} tokens, sampler {DEFAULT_SAMPLER_TEXT}, seeds 100+round; "
              f"{args.rounds} rounds, the order rotating, medians; tokens a second after the first text, as each "
              f"API's official client sees them; {time.strftime('%Y-%m-%d')}.")
    publish("API dialects", header, markdown_table(
        ("streamed through", "tok/s: median (range)", "÷ chat completions, median of the rounds (goal ≥ 0.97)"), rows),
        args.write,
        per_cpu=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
