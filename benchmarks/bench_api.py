"""The OpenAI-compatible API against chatapp's own terminal chat, in one run, same model and sampler.

(a) Streamed tokens/s measured by the official `openai` client against `chatapp serve`, ÷ the tokens/s
    `chatapp chat --stats` reports for the same prompt, sampler and seed (each in its own process).
(b) Time the API adds to the first token: the same fully cached prompt asked directly of the engine
    and through the API on one in-process server, so prompt reading costs nothing in either and the
    difference is HTTP, JSON and thread hand-offs.
(c) With --llama-server PATH (a llama-server binary built from the llama.cpp that llama-cpp-python
    vendors), llama-server's streamed tokens/s measured by the same client.

    python benchmarks/bench_api.py [--model PATH] [--tokens N] [--rounds N] [--llama-server PATH] [--write]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import (  # noqa: E402
    DEFAULT_MODEL,
    cpu_name,
    markdown_table,
    publish,
    reference_model,
    start_llama_server,
)

PROMPT = "Here is a long story about a lighthouse keeper and the storm of the century:"
SAMPLER = {"temperature": 0.7, "top_p": 0.95, "top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1}


def isolated_env() -> dict[str, str]:
    home = tempfile.mkdtemp(prefix="bench-api-")
    return {**os.environ, "CHATAPP_DATA_DIR": home, "CHATAPP_CONFIG_DIR": home + "/config"}


def cli_rate(model: Path, tokens: int, seed: int, threads: int) -> tuple[float, int]:
    run = subprocess.run(
        [sys.executable, "-m", "chatapp", "chat", "--model", str(model), "--prompt", PROMPT, "--no-history",
         "--max-tokens", str(tokens), "--seed", str(seed), "--stats", "--threads", str(threads),
         "--temperature", str(SAMPLER["temperature"]), "--top-p", str(SAMPLER["top_p"]),
         "--top-k", str(SAMPLER["top_k"]), "--min-p", str(SAMPLER["min_p"]),
         "--repeat-penalty", str(SAMPLER["repeat_penalty"])],
        capture_output=True, text=True, env=isolated_env(), check=True,
    )
    stats = json.loads(run.stderr.strip().splitlines()[-1])
    return float(stats["tokens_per_s"]), int(stats["completion_tokens"])


def client_rate(url: str, tokens: int, seed: int, chat: bool = False) -> tuple[float, int]:
    """Tokens/s as a client sees them: streamed pieces between the first and the last."""
    import openai

    client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=600)
    extra = {k: SAMPLER[k] for k in ("top_k", "min_p", "repeat_penalty")}
    common = {"model": DEFAULT_MODEL, "max_tokens": tokens, "seed": seed, "temperature": SAMPLER["temperature"],
              "top_p": SAMPLER["top_p"], "stream": True, "extra_body": extra}
    stamps: list[float] = []
    if chat:
        stream = client.chat.completions.create(messages=[{"role": "user", "content": PROMPT}], **common)
        for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                stamps.append(time.perf_counter())
    else:
        for chunk in client.completions.create(prompt=PROMPT, **common):
            if chunk.choices and chunk.choices[0].text:
                stamps.append(time.perf_counter())
    n = len(stamps)
    return ((n - 1) / (stamps[-1] - stamps[0]) if n > 1 else 0.0), n


def start_chatapp_serve(model: Path, threads: int) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "chatapp", "serve", "--model", str(model), "--port", "0", "--threads", str(threads)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=isolated_env(),
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.split(" on ")[1].strip()


def added_ttft(model: Path, threads: int, rounds: int = 20) -> tuple[float, float, float]:
    """Median first-token time for a fully cached prompt: engine directly, and through the API."""
    import openai

    from chatapp.core.runtime.model_host import ModelHost
    from chatapp.core.runtime.router import ModelRouter
    from chatapp.core.types import LoadOptions, Message, SamplingParams
    from chatapp.server.runner import ApiServer
    from chatapp.server.state import ServerState

    host = ModelHost()
    host.call(lambda engine: engine.load(model, LoadOptions(n_ctx=4096, n_threads=threads)))
    server = ApiServer(ServerState(ModelRouter(host)), port=0).start()
    client = openai.OpenAI(base_url=server.url, api_key="none", max_retries=0)
    messages = [{"role": "user", "content": PROMPT}]
    params = SamplingParams(max_tokens=2, seed=1, **SAMPLER)

    def direct(engine):  # type: ignore[no-untyped-def]
        started = time.perf_counter()
        stream = engine.chat([Message("user", PROMPT)], params)
        next(iter(stream))
        elapsed = time.perf_counter() - started
        stream.text()
        return elapsed

    def through_api() -> float:
        started = time.perf_counter()
        for chunk in client.chat.completions.create(model=DEFAULT_MODEL, messages=messages, max_tokens=2, seed=1,
                                                    stream=True, temperature=SAMPLER["temperature"]):
            if chunk.choices and chunk.choices[0].delta.content:
                return time.perf_counter() - started
        return time.perf_counter() - started

    through_api()  # the prompt is read once, then cached for both sides
    engine_times, api_times = [], []
    for _ in range(rounds):
        engine_times.append(float(host.call(direct)))  # type: ignore[arg-type]
        api_times.append(through_api())
    server.stop()
    host.shutdown()
    e, a = statistics.median(engine_times), statistics.median(api_times)
    return e, a, a - e


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

    serve, url = start_chatapp_serve(model, args.threads)
    peer = start_llama_server(args.llama_server, model, args.threads) if args.llama_server else None
    cli, api, peer_rates, counts = [], [], [], []
    try:
        for r in range(args.rounds):  # interleaved, so machine noise hits all alike
            rate, n_cli = cli_rate(model, args.tokens, 100 + r, args.threads)
            cli.append(rate)
            rate, n_api = client_rate(url, args.tokens, 100 + r)
            api.append(rate)
            counts += [n_cli, n_api]
            if peer is not None:
                peer_rates.append(client_rate(peer[1] + "/v1", args.tokens, 100 + r)[0])
    finally:
        serve.terminate()
        serve.wait()
        if peer is not None:
            peer[0].terminate()
            peer[0].wait()
    engine_ttft, api_ttft, added = added_ttft(model, args.threads)

    cli_med, api_med = statistics.median(cli), statistics.median(api)
    rows = [
        ("`chatapp chat --stats` (engine, no HTTP)", f"{cli_med:.1f} tok/s", "1.00"),
        ("`chatapp serve`, streamed, measured by the openai client", f"{api_med:.1f} tok/s",
         f"{api_med / cli_med:.3f} (goal ≥ 0.95)"),
    ]
    if peer_rates:
        peer_med = statistics.median(peer_rates)
        rows.append(("llama-server (same llama.cpp), streamed, same client", f"{peer_med:.1f} tok/s",
                     f"{peer_med / cli_med:.3f}"))
    rows += [
        ("first token, cached prompt, engine directly", f"{engine_ttft * 1000:.1f} ms", ""),
        ("first token, cached prompt, through the API", f"{api_ttft * 1000:.1f} ms",
         f"+{added * 1000:.1f} ms added (goal ≤ 15 ms)"),
    ]
    header = (
        f"Model `{model.name}`, {args.threads} threads, CPU {cpu_name()}; raw completion of a {len(PROMPT)}-character "
        f"prompt, {args.tokens} tokens max, sampler temp {SAMPLER['temperature']} top-p {SAMPLER['top_p']} top-k "
        f"{SAMPLER['top_k']} min-p {SAMPLER['min_p']} repeat {SAMPLER['repeat_penalty']}, seeds 100+round; "
        f"{args.rounds} interleaved rounds, medians (replies {min(counts)}–{max(counts)} tokens); first-token "
        f"times: median of 20; {time.strftime('%Y-%m-%d')}."
    )
    publish("API", header, markdown_table(("measurement", "value", "ratio"), rows), args.write)
    print(f"cli {[round(x, 1) for x in cli]} api {[round(x, 1) for x in api]} peer {[round(x, 1) for x in peer_rates]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
