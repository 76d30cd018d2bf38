"""Download throughput on loopback: chatapp's verified, resumable download against a plain streaming
copy of the same file from the same server (the fake hub in tests/), interleaved.

    python benchmarks/bench_download.py [--mb 1000] [--rounds 3] [--write]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_hub import FakeFile, FakeHub, FakeRepo  # noqa: E402
from report import markdown_table, publish  # noqa: E402

REPO = "bench/Big-GGUF"
NAME = "big-Q4_K_M.gguf"


def plain_copy(url: str, dest: Path) -> float:
    """The baseline: stream the bytes to a file with the same HTTP client, nothing else."""
    import httpx2

    started = time.perf_counter()
    with httpx2.stream("GET", url) as response, dest.open("wb") as fh:
        for chunk in response.iter_bytes(1 << 20):
            fh.write(chunk)
    return time.perf_counter() - started


def chatapp_download(models_dir: Path) -> float:
    from chatapp.core.models import hub
    from chatapp.core.models.downloads import download_model

    model = hub.list_models(REPO)[0]
    started = time.perf_counter()
    download_model(model, models_dir)
    return time.perf_counter() - started


def serve(source: Path) -> None:
    """Child process: the hub, so its Python work does not share a GIL with the client measured."""
    hub_server = FakeHub().start()
    hub_server.add_repo(FakeRepo(REPO, {NAME: FakeFile(path=source)}))
    print(hub_server.url, hub_server.repos[REPO].sha256(NAME), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    hub_server.stop()


def main() -> int:
    if "--serve" in sys.argv:
        serve(Path(sys.argv[-1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1000, help="file size; real GGUF models are 0.3-8 GB")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chatapp-dl-"))
    source = work / "source.gguf"
    with source.open("wb") as fh:
        for _ in range(args.mb):
            fh.write(os.urandom(1 << 20))
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(source)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    hub_url, expected = server.stdout.readline().split()
    os.environ["HF_ENDPOINT"] = hub_url
    url = f"{hub_url}/{REPO}/resolve/main/{NAME}"

    plain, ours = [], []
    for i in range(args.rounds):
        dest = work / f"plain-{i}.gguf"
        plain.append(plain_copy(url, dest))
        dest.unlink()
        models = work / f"models-{i}"
        ours.append(chatapp_download(models))
        got = next(models.rglob("*.gguf"))
        assert hashlib.sha256(got.read_bytes()).hexdigest() == expected
        got.unlink()
    server.stdin.close()
    server.wait(10)
    shutil.rmtree(work)
    size_mb = args.mb * (1 << 20) / 1e6
    p, o = size_mb / statistics.median(plain), size_mb / statistics.median(ours)
    header = (
        f"{size_mb:.0f} MB file over HTTP on 127.0.0.1 from tests/fake_hub.py (in its own process), "
        f"{args.rounds} interleaved rounds "
        f"(medians); chatapp's path includes the hub HEAD, the sha256 of every byte and the rename; "
        f"{time.strftime('%Y-%m-%d')}."
    )
    rows = [
        ("plain streaming copy (httpx2, 1 MiB chunks)", f"{p:.0f} MB/s", "1.00"),
        ("chatapp download (verified, resumable)", f"{o:.0f} MB/s", f"{o / p:.2f} (goal ≥ 0.9)"),
    ]
    publish("Downloads", header, markdown_table(("path", "throughput", "ratio"), rows), args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
