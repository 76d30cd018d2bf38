"""Constrained decoding (a JSON schema) against free text, on chatapp serve and llama-server, same run.

Both as warm servers on one machine, through the same official `openai` client: streamed
`/v1/completions` with the same prompt, sampler and seed, with and without a JSON schema
(chatapp: `response_format`-equivalent `json_schema` field, as llama.cpp's server takes it), on
Gemma 3 270M (262k-token vocabulary) and SmolLM2 135M (49k). Tokens from the usage chunk, tokens/s
between the first and the last streamed piece; one warm-up each, interleaved rounds, medians.

    python benchmarks/bench_structured.py --llama-server PATH [--rounds N] [--tokens N] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_api import start_chatapp_serve  # noqa: E402
from report import (  # noqa: E402
    DEFAULT_MODEL,
    cpu_name,
    markdown_table,
    publish,
    reference_model,
    start_llama_server,
)

PROMPT = "Here is a detailed description of the city of Lisbon, as JSON:\n"
SAMPLER = {"temperature": 0.7, "top_p": 0.95, "top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1}
SCHEMA = {
    "type": "object",
    "properties": {
        "name": {"type": "string"}, "country": {"type": "string"}, "population": {"type": "integer"},
        "description": {"type": "string"},
        "landmarks": {"type": "array", "items": {"type": "object", "properties": {
            "name": {"type": "string"}, "why_visit": {"type": "string"}}, "required": ["name", "why_visit"]}},
    },
    "required": ["name", "country", "population", "description", "landmarks"],
}


def rate(url: str, tokens: int, seed: int, constrained: bool) -> tuple[float, int]:
    import openai

    client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=600)
    extra: dict[str, object] = {k: SAMPLER[k] for k in ("top_k", "min_p", "repeat_penalty")}
    if constrained:
        extra["json_schema"] = SCHEMA
    stamps: list[float] = []
    used = 0
    for chunk in client.completions.create(model=DEFAULT_MODEL, prompt=PROMPT, max_tokens=tokens, seed=seed,
                                           stream=True,
                                           temperature=SAMPLER["temperature"], top_p=SAMPLER["top_p"],
                                           stream_options={"include_usage": True}, extra_body=extra):
        if chunk.choices and chunk.choices[0].text:
            stamps.append(time.perf_counter())
        if getattr(chunk, "usage", None) is not None:
            used = chunk.usage.completion_tokens
    n = used or len(stamps)
    return ((n - 1) / (stamps[-1] - stamps[0]) if n > 1 and len(stamps) > 1 else 0.0), n


def measure(model: Path, llama_server: Path, rounds: int, tokens: int, threads: int) -> list[tuple[str, float, int]]:
    chatapp, chatapp_url = start_chatapp_serve(model, threads)
    llama, llama_base = start_llama_server(llama_server, model, threads)
    servers = {"chatapp": chatapp_url, "llama-server": llama_base + "/v1"}
    results: dict[tuple[str, bool], list[float]] = {(s, c): [] for s in servers for c in (False, True)}
    counts: dict[tuple[str, bool], list[int]] = {k: [] for k in results}
    try:
        for url in servers.values():  # warm-up: the prompt read, the grammar code paths touched
            for constrained in (False, True):
                rate(url, 16, 1, constrained)
        for r in range(rounds):
            for name, url in servers.items():
                for constrained in (False, True):
                    tok_s, n = rate(url, tokens, 100 + r, constrained)
                    results[(name, constrained)].append(tok_s)
                    counts[(name, constrained)].append(n)
    finally:
        for proc in (chatapp, llama):
            proc.terminate()
            proc.wait(30)
    return [(f"{name} {'JSON schema' if c else 'free text'}", statistics.median(v),
             int(statistics.median(counts[(name, c)]))) for (name, c), v in results.items()]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--llama-server", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--tokens", type=int, default=200)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    from chatapp.core.models.library import demo_model_path

    rows = []
    for label, model in (("Gemma 3 270M Q4_K_M (262k vocabulary)", reference_model()),
                         ("SmolLM2 135M Instruct Q4_1 (49k vocabulary)", demo_model_path())):
        figures = {name: (value, n) for name, value, n in measure(model, args.llama_server, args.rounds, args.tokens,
                                                                  args.threads)}
        for server in ("chatapp", "llama-server"):
            free, constrained = figures[f"{server} free text"], figures[f"{server} JSON schema"]
            rows.append((label, server, f"{free[0]:.1f} ({free[1]})", f"{constrained[0]:.1f} ({constrained[1]})",
                         f"{constrained[0] / free[0]:.2f}" if free[0] else "-"))
        ours, theirs = figures["chatapp JSON schema"][0], figures["llama-server JSON schema"][0]
        rows.append((label, "chatapp ÷ llama-server, JSON schema", "", "", f"{ours / theirs:.2f}" if theirs else "-"))
    header = (
        f"{cpu_name()}, {args.threads} threads, both as warm servers through the same openai client, streamed "
        f"/v1/completions, prompt “{PROMPT.strip()}”, temp {SAMPLER['temperature']}, top-p {SAMPLER['top_p']}, "
        f"top-k {SAMPLER['top_k']}, min-p {SAMPLER['min_p']}, repeat {SAMPLER['repeat_penalty']}, max {args.tokens} "
        f"tokens, a schema of a city with a list of landmarks; {args.rounds} interleaved rounds after a warm-up, "
        f"medians (tokens generated in brackets); {time.strftime('%Y-%m-%d')}. Goal: constrained ≥ 0.9× free text."
    )
    table = markdown_table(("model", "server", "free text tok/s", "JSON schema tok/s", "constrained ÷ free"), rows)
    publish("Structured output", header, table, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
