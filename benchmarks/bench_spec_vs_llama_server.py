"""Speculation on four kinds of text, chatapp against llama-server's draft-free modes, server to server.

    python benchmarks/bench_spec_vs_llama_server.py --llama-server PATH [--rounds 5] [--tokens 200] [--write]

All five run as warm servers with the same model, threads and context, one slot each: chatapp with
speculation off and with prompt-lookup (its default), llama-server with `--spec-type` none,
ngram-simple and ngram-map-k. Each is asked the same greedy streamed `/v1/completions` by the same
openai client; decode tok/s = (tokens − 1) ÷ (first to last chunk), tokens from the usage chunk.
Texts: code that repeats its structure, a passage being copied, free text, and a multi-turn chat whose
next reply quotes an earlier turn, all greedy; and text with nothing to copy: an essay opening sampled
with the app's default sampler (seeds 100 + round), where drafts can only cost. Rounds interleave texts
and servers; medians; ratios to llama-server without speculation, chatapp's to the best llama-server
mode on that text, and chatapp's prompt-lookup to its own speculation off.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from report import (  # noqa: E402
    DEFAULT_SAMPLER,
    DEFAULT_SAMPLER_TEXT,
    cpu_name,
    decode_rate,
    markdown_table,
    publish,
    reference_model,
    server_bench_arguments,
    start_llama_server,
    timed_stream,
)

# 700 characters: with 1400, greedy Gemma 3 270M answered "0000…" on one CPU instead of copying.
PASSAGE = (ROOT / "README.md").read_text(encoding="utf-8").split("## Set up")[0][:700]
HANDLERS = "\n".join(f"def handler_{i}(request):\n    return respond(request, status=200, body='ok {i}')\n"
                     for i in range(1, 5))
ANSWER = ("The lighthouse was built in 1871 on the northern cliff. Its lamp burned whale oil until 1902, when "
          "paraffin replaced it.\n\nThe keeper's cottage stands beside the tower. Three families lived there in "
          "turn, and the last keeper left in 1968, when the light was automated and the cottage became a museum.")
# A first exchange that later turns quote from (here, and in bench_spec_replay.py's sampled prompts).
LIGHTHOUSE_CHAT = f"User: Tell me about the old lighthouse.\nAssistant: {ANSWER}\n"
TEXTS = {
    "code repeating its structure": f"# handlers.py: one handler per route\n\n{HANDLERS}\ndef handler_5(request):\n",
    "copying a passage": f"Copy the following text exactly.\n\n{PASSAGE}\n\nThe same text, copied:\n\n{PASSAGE[:120]}",
    "free text": "Once upon a time, in a village by the sea, there lived an old lighthouse keeper who",
    "multi-turn, quoting": (f"{LIGHTHOUSE_CHAT}User: Thanks. Repeat your whole answer word for word.\nAssistant: Of "
                            "course. Here it is again:\n\n"),
}
# Sampled, not greedy: a small model's greedy text soon loops, which is just what drafts are good at.
NOTHING_TO_COPY = "nothing to copy (sampled)"
TEXTS[NOTHING_TO_COPY] = "An essay on why cities grow where they do.\n\nCities"
CHATAPP = {"chatapp off": "off", "chatapp prompt-lookup": "prompt-lookup"}
LLAMA = {"llama-server none": "none", "llama-server ngram-simple": "ngram-simple",
         "llama-server ngram-map-k": "ngram-map-k"}


def start_chatapp(model: Path, threads: int, speculation: str) -> tuple[subprocess.Popen[str], str]:
    home = tempfile.mkdtemp(prefix="bench-spec-")
    env = {**os.environ, "CHATAPP_DATA_DIR": home, "CHATAPP_CONFIG_DIR": home + "/config"}
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "serve", "--model", str(model), "--port", "0",
                             "--threads", str(threads), "--ctx", "4096", "--speculative", speculation,
                             "--parallel", "1"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env)
    assert proc.stdout is not None
    return proc, proc.stdout.readline().split(" on ")[1].strip()


def rate(url: str, text: str, tokens: int, seed: int) -> float:
    """Greedy, except for the text with nothing to copy (the default sampler, `seed`)."""
    if text == NOTHING_TO_COPY:
        return decode_rate(*timed_stream(url, TEXTS[text], tokens, seed, DEFAULT_SAMPLER))
    return decode_rate(*timed_stream(url, TEXTS[text], tokens))


def main() -> int:
    args = server_bench_arguments(__doc__.splitlines()[0], tokens=200)
    model = args.model or reference_model()

    servers: dict[str, tuple[subprocess.Popen[Any], str]] = {}
    for name, mode in CHATAPP.items():
        servers[name] = start_chatapp(model, args.threads, mode)
    for name, mode in LLAMA.items():
        proc, base = start_llama_server(args.llama_server, model, args.threads,
                                        *(["--spec-type", mode] if mode != "none" else []))
        servers[name] = (proc, base + "/v1")
    rates: dict[tuple[str, str], list[float]] = {(s, t): [] for s in servers for t in TEXTS}
    try:
        for _, url in servers.values():
            decode_rate(*timed_stream(url, "Hello", 8))  # warm up
        for round_ in range(args.rounds):  # interleaved: the machine's swings hit every server alike
            for text in TEXTS:
                for name, (_, url) in servers.items():
                    rates[(name, text)].append(rate(url, text, args.tokens, 100 + round_))
    finally:
        for proc, _ in servers.values():
            proc.terminate()
            proc.wait()

    med = {key: statistics.median(v) for key, v in rates.items()}
    rows = []
    for name in servers:
        row = [name]
        for text in TEXTS:
            plain = med[("llama-server none", text)]
            row.append(f"{med[(name, text)]:.1f} ({med[(name, text)] / plain:.2f}×)")
        rows.append(row)
    best = ["chatapp prompt-lookup ÷ best llama-server mode"]
    for text in TEXTS:
        peer = max(med[(name, text)] for name in LLAMA)
        best.append(f"{med[('chatapp prompt-lookup', text)] / peer:.2f}")
    rows.append(best)
    rows.append(["chatapp prompt-lookup ÷ chatapp off",
                 *(f"{med[('chatapp prompt-lookup', text)] / med[('chatapp off', text)]:.2f}" for text in TEXTS)])
    header = (f"{cpu_name()}, `{model.name}`, {args.threads} threads, context 4096, one slot each; streamed "
              f"/v1/completions of {args.tokens} tokens through one openai client, greedy but the last text "
              f"({DEFAULT_SAMPLER_TEXT}, seeds 100+round); all five servers warm; "
              f"{args.rounds} interleaved rounds, medians, tok/s (ratio to llama-server without speculation); "
              f"{time.strftime('%Y-%m-%d')}. `python benchmarks/bench_spec_vs_llama_server.py --llama-server PATH "
              "--write`")
    publish("Speculation against llama-server", header, markdown_table(["server", *TEXTS], rows), args.write,
            per_cpu=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
