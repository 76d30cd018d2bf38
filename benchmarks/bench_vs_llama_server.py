"""chatapp against llama.cpp's own server, like with like: decode speed and start-up to the first token.

    python benchmarks/bench_vs_llama_server.py --llama-server PATH [--rounds 5] [--tokens 200] [--write]

PATH is llama-server built from the llama.cpp that llama-cpp-python vendors (docs/benchmarks.md says
how). Both run as servers with the same model, threads and context, one slot (benchmarks/bench_parallel.py
measures several), speculation off, and are asked
the same streamed `/v1/completions` by the same openai client at the app's default sampler (temp 0.7,
top-p 0.95, top-k 40, min-p 0.05, repeat 1.1, a fixed seed per round). Tokens are counted from the
usage chunk; decode tok/s = (tokens − 1) ÷ (last chunk − first chunk), so prompt reading is left out.
chatapp is measured twice, with its sampler prefilter (core/runtime/sampler.py) and without
(CHATAPP_SAMPLER_PREFILTER=0), in the same interleaved rounds. Start-up: a fresh process of each,
from spawn to the first streamed token of a one-token request (imports, model load, warm-up and
prompt reading all counted). Medians; ratios are chatapp ÷ llama-server.
"""

from __future__ import annotations

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
    DEFAULT_SAMPLER,
    DEFAULT_SAMPLER_TEXT,
    cpu_name,
    decode_rate,
    free_port,
    markdown_table,
    publish,
    reference_model,
    server_bench_arguments,
    start_llama_server,
    timed_stream,
)

PROMPT = "Here is a long story about a lighthouse keeper and the storm of the century:"


def start_chatapp(model: Path, threads: int, prefilter: bool) -> tuple[subprocess.Popen[str], str]:
    home = tempfile.mkdtemp(prefix="bench-vs-")
    env = {**os.environ, "CHATAPP_DATA_DIR": home, "CHATAPP_CONFIG_DIR": home + "/config",
           "CHATAPP_SAMPLER_PREFILTER": "1" if prefilter else "0"}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--model", str(model), "--port", "0",
                             "--threads", str(threads), "--ctx", "4096", "--speculative", "off", "--parallel", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    return proc, line.split(" on ")[1].strip()


def timed_decode(url: str, tokens: int, seed: int) -> tuple[float, int]:
    first, last, used = timed_stream(url, PROMPT, tokens, seed, DEFAULT_SAMPLER)
    return decode_rate(first, last, used), used


def startup_seconds(command: list[str], env: dict[str, str], port: int) -> float:
    """Spawn → the first streamed token of a one-token request, polling every 20 ms for both."""
    import openai

    began = time.perf_counter()
    proc = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{port}/v1", api_key="none", max_retries=0, timeout=600)
        for _ in range(3000):
            try:
                for chunk in client.completions.create(model=DEFAULT_MODEL, prompt=PROMPT, max_tokens=1, stream=True):
                    if chunk.choices and chunk.choices[0].text:
                        break
                return time.perf_counter() - began
            except openai.APIError:  # not listening yet, or llama-server's 503 while it loads
                time.sleep(0.02)
        raise RuntimeError("the server never answered")
    finally:
        proc.terminate()
        proc.wait()


def main() -> int:
    args = server_bench_arguments(__doc__.splitlines()[0], tokens=200)
    model = args.model or reference_model()

    def theirs() -> tuple[subprocess.Popen[bytes], str]:
        proc, base = start_llama_server(args.llama_server, model, args.threads)
        return proc, base + "/v1"

    starts: dict[str, list[float]] = {"chatapp": [], "llama-server": []}
    home = tempfile.mkdtemp(prefix="bench-vs-start-")
    env = {**os.environ, "CHATAPP_DATA_DIR": home, "CHATAPP_CONFIG_DIR": home + "/config"}
    for _ in range(args.rounds):
        port = free_port()
        starts["chatapp"].append(startup_seconds(
            [sys.executable, "-m", "chatapp", "serve", "--model", str(model), "--port", str(port), "--threads",
             str(args.threads), "--ctx", "4096", "--speculative", "off", "--parallel", "1"], env, port))
        port = free_port()
        starts["llama-server"].append(startup_seconds(
            [str(args.llama_server), "-m", str(model), "-t", str(args.threads), "-tb", str(args.threads), "-c", "4096",
             "-np", "1", "--port", str(port)], env, port))

    servers = {"chatapp": start_chatapp(model, args.threads, prefilter=True),
               "chatapp, prefilter off": start_chatapp(model, args.threads, prefilter=False),
               "llama-server": theirs()}
    rates: dict[str, list[float]] = {name: [] for name in servers}
    counts: list[int] = []
    try:
        for _, url in servers.values():
            timed_decode(url, 16, 1)  # warm up
        for r in range(args.rounds):  # interleaved: the machine's swings hit every server alike
            for name, (_, url) in servers.items():
                rate, used = timed_decode(url, args.tokens, 100 + r)
                rates[name].append(rate)
                counts.append(used)
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()

    med = {name: statistics.median(v) for name, v in rates.items()}
    start = {name: statistics.median(v) for name, v in starts.items()}
    peer = med["llama-server"]
    rows = [[name, f"{rate:.1f} tok/s", f"{rate / peer:.3f}", " ".join(f"{x:.1f}" for x in rates[name])]
            for name, rate in med.items()]
    rows += [[f"start-up to the first token: {name}", f"{seconds * 1000:.0f} ms",
              f"{seconds / start['llama-server']:.2f}", " ".join(f"{x * 1000:.0f}" for x in starts[name])]
             for name, seconds in start.items()]
    header = (f"{cpu_name()}, `{model.name}`, {args.threads} threads, context 4096, speculation off on both; "
              f"streamed /v1/completions of {args.tokens} tokens (replies {min(counts)}–{max(counts)}) through one "
              f"openai client, {DEFAULT_SAMPLER_TEXT}, seeds 100+round; {args.rounds} "
              f"interleaved rounds, medians; {time.strftime('%Y-%m-%d')}. Ratio: chatapp ÷ llama-server (start-up: "
              "lower is better). `python benchmarks/bench_vs_llama_server.py --llama-server PATH --write`")
    publish("Against llama-server", header, markdown_table(["measure", "median", "ratio", "rounds"], rows),
            args.write, per_cpu=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
