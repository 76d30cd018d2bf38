"""Images: what reading one costs, and what the KV cache saves when a follow-up asks about it again.

    python benchmarks/bench_vision.py [--rounds 7] [--write]

No vision model is installable here, so the model is SmolLM2-135M-Instruct (the demo) with random
LLaVA-style projectors written by tests/tiny_mmproj.py: one giving 16 image tokens, one giving 256 (as
many as Gemma 3 gives an image). The projector's encoder is tiny, so "encode + read" is mostly the text
model reading the image's embeddings: these figures are chatapp's own cost around libmtmd, and what
caching saves, not a real vision encoder's speed (a real one adds its encoder's time to "new").

Per round, interleaved: a question with a new image (cache holding only the system prompt), the same
question again with the same image (everything cached: the first token comes from saved logits), and a
follow-up about the image after a reply (the image found in the KV cache; only the new turn is read).
Medians over the rounds.
"""

from __future__ import annotations

import argparse
import statistics
import struct
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from report import cpu_name, markdown_table, publish  # noqa: E402
from tiny_mmproj import write_tiny_mmproj  # noqa: E402

from chatapp.core.images import image_from_bytes  # noqa: E402
from chatapp.core.models.library import demo_model_path  # noqa: E402
from chatapp.core.runtime.engine import Engine  # noqa: E402
from chatapp.core.types import Attachment, LoadOptions, Message, SamplingParams  # noqa: E402

ONE_TOKEN = SamplingParams(temperature=0.0, max_tokens=1)


def png(seed: int, size: int = 48) -> Attachment:
    """A distinct picture for each seed (a gradient), as PNG bytes."""
    rows = b"".join(b"\x00" + b"".join(bytes(((x * 5 + seed * 37) % 256, (y * 5) % 256, (seed * 11) % 256))
                                       for x in range(size)) for y in range(size))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")
    return image_from_bytes(data, f"gradient-{seed}.png")


def ttft(engine: Engine, messages: list[Message]) -> tuple[float, int, str]:
    stream = engine.chat(messages, ONE_TOKEN)
    text = stream.text()
    assert stream.stats is not None
    return stream.stats.ttft_s, stream.stats.prompt_tokens_evaluated, text


def measure(model: Path, projector_tokens: int, rounds: int, threads: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="chatapp-bench-vision-") as tmp:
        folder = Path(tmp)
        local = folder / model.name
        local.symlink_to(model)
        # image_size / patch_size squared = tokens: 32/8 → 16, 64/4 → 256.
        size, patch = (32, 8) if projector_tokens == 16 else (64, 4)
        write_tiny_mmproj(folder / "mmproj-bench-f32.gguf", n_embd_text=576, image_size=size, patch_size=patch)
        engine = Engine()
        engine.load(local, LoadOptions(n_ctx=2048, n_threads=threads, mmproj=str(folder / "mmproj-bench-f32.gguf")))
        question = "What is in this picture?"
        results: dict[str, list[float]] = {"text": [], "new": [], "cached": [], "follow": [], "encode": []}
        ttft(engine, [Message("user", "warm up", attachments=(png(999),))])
        for r in range(rounds):
            results["text"].append(ttft(engine, [Message("user", f"{question} ({r})")])[0])
            image = png(r)
            encode_before = engine.image_seconds[0]
            new_s, _, reply = ttft(engine, [Message("user", question, attachments=(image,))])
            results["new"].append(new_s)
            results["encode"].append(engine.image_seconds[0] - encode_before)
            results["cached"].append(ttft(engine, [Message("user", question, attachments=(image,))])[0])
            follow = [Message("user", question, attachments=(image,)), Message("assistant", reply),
                      Message("user", "What colour is its top left corner?")]
            encoded = engine.images_encoded
            results["follow"].append(ttft(engine, follow)[0])
            assert engine.images_encoded == encoded, "the follow-up read its image again"
        engine.unload()
    return {k: statistics.median(v) * 1000 for k, v in results.items() if v}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--write", action="store_true", help="write the results into docs/benchmarks.md")
    args = parser.parse_args()
    model = demo_model_path()
    rows = []
    for tokens in (16, 256):
        m = measure(model, tokens, args.rounds, args.threads)
        rows.append([f"{tokens} image tokens", f"{m['text']:.0f} ms", f"{m['new']:.0f} ms", f"{m['encode']:.1f} ms",
                     f"{m['new'] - m['text']:.0f} ms", f"{m['cached']:.0f} ms", f"{m['follow']:.0f} ms",
                     f"{m['new'] / max(m['follow'], 1e-6):.1f}×"])
    header = (f"{cpu_name()}, {args.threads} threads, SmolLM2-135M-Instruct Q4_1 with random LLaVA-style projectors "
              f"(tests/tiny_mmproj.py), greedy, time to the first token, medians of {args.rounds} interleaved rounds. "
              "\"Image new\" minus \"text only\" is what reading an image costs: the projector's encoding (tiny here; "
              "a real encoder takes longer) and the text model reading the image's embeddings (as long as as many "
              "text tokens take). \"Same again\": the whole prompt cached. \"Follow-up\": the image kept in "
              "the KV cache by its SHA-256, only the new turn read. `python benchmarks/bench_vision.py --write`")
    table = markdown_table(["projector", "text only", "image new", "of which encoding", "image's cost", "same again",
                            "follow-up", "new ÷ follow-up"], rows)
    publish("Vision", header, table, args.write)


if __name__ == "__main__":
    main()
