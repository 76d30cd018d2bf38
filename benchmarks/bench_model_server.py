"""The model server (`chatapp serve` over a library) against the single-model server it replaced, and
against llama-server's router mode where the build has it: what naming a model costs, what a switch
costs, and two models serving two clients at once.

1. First token for a request naming a model that is loaded: the library server (several models, the
   router finding the named one) against the previous revision's `chatapp serve --model` (one model,
   names ignored). Same prompt, interleaved rounds, medians (goal ≤ 1.02×).
2. A switch: with `--max-models 1`, a request for model B while A is loaded (A unloaded, B loaded, then
   the prompt read) against B's load alone (the first request to a fresh server: load, then the same
   prompt). Goal: no more than the load + 5%.
3. Two clients at once, each on its own model, against one client on one model: tokens a second,
   summed over the clients.
4. llama-server's router mode (`--models-dir`, `--models-max`), the same requests, where the binary
   has it (`--llama-server PATH`).

    python benchmarks/bench_model_server.py [--previous REV] [--llama-server PATH] [--rounds N]
                                            [--threads N] [--write]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "tests"))

from bench_revisions import checkout, short  # noqa: E402
from report import cpu_name, free_port, markdown_table, publish  # noqa: E402

PROMPT = "The lighthouse keeper climbed the stairs at dusk and looked out over the sea. He"
PREVIOUS = "32db0d5"  # the last single-model `chatapp serve`


def models() -> dict[str, Path]:
    """The two real models of the tests: the demo (SmolLM2 135M) and Gemma 3 270M."""
    from real_models import gemma_path

    from chatapp.core.models.library import demo_model_path

    return {"smollm2-135m-instruct-q4_1": demo_model_path(), "gemma-3-270m-q4_k_m": gemma_path()}


def library(paths: dict[str, Path]) -> Path:
    """A data folder whose library holds the two models (linked by their ids' file names)."""
    home = Path(tempfile.mkdtemp(prefix="bench-library-"))
    (home / "models").mkdir()
    for name, path in paths.items():
        (home / "models" / f"{name}.gguf").symlink_to(path)
    return home


def env_for(home: Path, tree: Path = ROOT) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(tree), "CHATAPP_DATA_DIR": str(home),
            "CHATAPP_CONFIG_DIR": str(home / "config")}


def start(args: list[str], home: Path, tree: Path = ROOT) -> tuple[subprocess.Popen[str], str]:
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--port", "0", "--ctx", "2048", *args],
                            cwd=tree, env=env_for(home, tree), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    assert proc.stdout is not None
    line = proc.stdout.readline()
    if " on http" not in line:
        proc.kill()
        raise RuntimeError(f"chatapp serve did not start: {line} {proc.stderr.read() if proc.stderr else ''}")
    return proc, line.rsplit(" on ", 1)[1].strip()


def stop(proc: subprocess.Popen[str] | subprocess.Popen[bytes]) -> None:
    proc.terminate()
    try:
        proc.wait(30)
    except subprocess.TimeoutExpired:
        proc.kill()


def first_token(url: str, model: str, tokens: int = 1, seed: int = 1) -> tuple[float, float, int]:
    """One streamed /v1/completions: (seconds to the first text, seconds to the last, tokens)."""
    import openai

    client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=600)
    sent = time.perf_counter()
    first = last = 0.0
    used = 0
    for chunk in client.completions.create(model=model, prompt=PROMPT, max_tokens=tokens, temperature=0.7,
                                           seed=seed, stream=True, stream_options={"include_usage": True},
                                           extra_body={"ignore_eos": True}):
        if chunk.choices and chunk.choices[0].text:
            last = time.perf_counter() - sent
            first = first or last
        if chunk.usage is not None:
            used = chunk.usage.completion_tokens
    return first, last, used


def loaded_first_token(previous: Path, paths: dict[str, Path], rounds: int, threads: int) -> dict[str, list[float]]:
    """(1) first token, model loaded: library server vs the previous single-model server, interleaved."""
    name, path = next(iter(paths.items()))
    home = library(paths)
    ours, our_url = start(["--threads", str(threads), "--model", name], home)
    old_home = Path(tempfile.mkdtemp(prefix="bench-old-"))
    theirs, their_url = start(["--threads", str(threads), "--model", str(path)], old_home, previous)
    times: dict[str, list[float]] = {"library": [], "previous": []}
    try:
        for url in (our_url, their_url):  # warm: the first request of each pays its own caches
            first_token(url, name)
        for round_ in range(rounds):
            order = [("library", our_url), ("previous", their_url)]
            for side, url in order if round_ % 2 == 0 else order[::-1]:
                times[side].append(first_token(url, name, seed=round_)[0])
    finally:
        stop(ours)
        stop(theirs)
    return times


def switch_cost(paths: dict[str, Path], rounds: int, threads: int) -> dict[str, list[float]]:
    """(2) a switch (A loaded, B requested, --max-models 1) against B's load on a fresh server."""
    (a, _), (b, _) = list(paths.items())
    times: dict[str, list[float]] = {"switch": [], "load": []}
    for round_ in range(rounds):
        for side in (("switch", "load") if round_ % 2 == 0 else ("load", "switch")):
            home = library(paths)
            proc, url = start(["--threads", str(threads), "--max-models", "1"], home)
            try:
                if side == "switch":
                    first_token(url, a)  # A loaded
                times[side].append(first_token(url, b, seed=round_)[0])
            finally:
                stop(proc)
                shutil.rmtree(home, ignore_errors=True)
    return times


def two_clients(paths: dict[str, Path], rounds: int, threads: int, tokens: int) -> dict[str, list[float]]:
    """(3) tokens a second: one client on one model, two clients each on its own model at once."""
    (a, _), (b, _) = list(paths.items())
    home = library(paths)
    proc, url = start(["--threads", str(threads)], home)
    rates: dict[str, list[float]] = {"one": [], "two": []}
    try:
        first_token(url, a)
        first_token(url, b)
        for round_ in range(rounds):
            started = time.perf_counter()
            _, _, used = first_token(url, a, tokens, seed=round_)
            rates["one"].append(used / (time.perf_counter() - started))
            results: list[int] = []
            clients = [threading.Thread(target=lambda m=m, out=results, seed=round_: out.append(
                first_token(url, m, tokens, seed)[2])) for m in (a, b)]
            started = time.perf_counter()
            for client in clients:
                client.start()
            for client in clients:
                client.join()
            rates["two"].append(sum(results) / (time.perf_counter() - started))
    finally:
        stop(proc)
    return rates


def llama_router(binary: Path, paths: dict[str, Path], rounds: int, threads: int) -> dict[str, list[float]] | None:
    """(4) llama-server's router mode on the same folder: first token when loaded, and a switch."""
    import httpx2

    help_text = subprocess.run([str(binary), "--help"], capture_output=True, text=True, timeout=60).stdout
    if "--models-dir" not in help_text:
        return None
    folder = library(paths) / "models"
    (a, _), (b, _) = list(paths.items())
    times: dict[str, list[float]] = {"loaded": [], "switch": []}
    port = free_port()
    proc = subprocess.Popen([str(binary), "--models-dir", str(folder), "--models-max", "1", "-t", str(threads),
                             "-c", "2048", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}/v1"
    try:
        for _ in range(600):
            try:
                if httpx2.get(url.removesuffix("/v1") + "/health", timeout=1).status_code == 200:
                    break
            except httpx2.HTTPError:
                pass
            time.sleep(0.1)
        first_token(url, a)
        for round_ in range(rounds):
            times["loaded"].append(first_token(url, a, seed=round_)[0])
            times["switch"].append(first_token(url, b, seed=round_)[0])
            first_token(url, a)  # back to A for the next round
    finally:
        stop(proc)
    return times


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--previous", default=PREVIOUS)
    parser.add_argument("--llama-server", type=Path)
    parser.add_argument("--rounds", type=int, default=9)
    parser.add_argument("--tokens", type=int, default=64)
    parser.add_argument("--threads", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    paths = models()
    tree = checkout(args.previous)
    try:
        # A first token is ~5 ms here: a 0.2 ms difference is 4%, so (1) takes four times the rounds.
        loaded = loaded_first_token(tree, paths, args.rounds * 4, args.threads)
        previous = short(tree)
    finally:
        subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(tree)], capture_output=True)
    print("first token, loaded:", {k: round(statistics.median(v) * 1000, 1) for k, v in loaded.items()}, flush=True)
    switch = switch_cost(paths, max(3, args.rounds // 2), args.threads)
    print("switch:", {k: round(statistics.median(v) * 1000) for k, v in switch.items()}, flush=True)
    pair = two_clients(paths, max(3, args.rounds // 2), args.threads, args.tokens)
    print("clients:", {k: round(statistics.median(v), 1) for k, v in pair.items()}, flush=True)
    router = llama_router(args.llama_server, paths, max(3, args.rounds // 2), args.threads) \
        if args.llama_server else None

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms"

    a, b = list(paths)
    rows = [
        ("first token, model loaded (1)", f"library server {ms(loaded['library'])}",
         f"previous single-model `chatapp serve` ({previous}) {ms(loaded['previous'])}",
         f"{statistics.median(x / y for x, y in zip(loaded['library'], loaded['previous'], strict=True)):.3f} "
         "(goal ≤ 1.02)"),
        (f"switch to {b} (2)", f"{a} loaded, --max-models 1: {ms(switch['switch'])}",
         f"{b}'s load on a fresh server: {ms(switch['load'])}",
         f"{statistics.median(switch['switch']) / statistics.median(switch['load']):.3f} (goal ≤ 1.05)"),
        (f"two clients, each on its own model, {args.tokens} tokens (3)",
         f"{statistics.median(pair['two']):.1f} tok/s summed",
         f"one client on {a}: {statistics.median(pair['one']):.1f} tok/s",
         f"{statistics.median(pair['two']) / statistics.median(pair['one']):.2f}"),
    ]
    if router is not None:
        rows.append(("llama-server router mode (4)", f"first token, loaded: {ms(router['loaded'])}",
                     f"switch (--models-max 1): {ms(router['switch'])}",
                     f"chatapp ÷ llama-server: loaded {statistics.median(loaded['library']) / statistics.median(router['loaded']):.2f}, "  # noqa: E501
                     f"switch {statistics.median(switch['switch']) / statistics.median(router['switch']):.2f}"))
    elif args.llama_server:
        rows.append(("llama-server router mode (4)", "this build has no --models-dir", "", ""))
    header = (f"Models {a} and {b} in one library folder, `--ctx 2048`, {args.threads} threads, CPU {cpu_name()}; "
              f"a {len(PROMPT)}-character prompt through the openai client's streamed completions, first text "
              f"chunk timed from the request; {args.rounds * 4} interleaved rounds for (1), "
              f"{max(3, args.rounds // 2)} for the others; "
              f"medians; {time.strftime('%Y-%m-%d')}.")
    publish("Model server", header, markdown_table(("what", "chatapp", "against", "ratio"), rows), args.write,
            per_cpu=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
