"""Download throughput on loopback, through every model source: chatapp's verified, resumable download
from the fake Hugging Face hub, a fake mirror of it and the fake ModelScope (tests/), against
huggingface_hub's own `hf_hub_download` and a plain streaming copy of the same file, interleaved.

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
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from fake_hub import FakeFile, FakeHub, FakeRepo  # noqa: E402
from fake_modelscope import FakeModelScope  # noqa: E402
from report import cpu_name, markdown_table, publish  # noqa: E402

if TYPE_CHECKING:
    from chatapp.core.models.sources import ModelSource

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


def hf_hub_download(cache: Path) -> float:
    """huggingface_hub's own download of the file (metadata, stream, its cache), the library baseline."""
    from huggingface_hub import hf_hub_download as download

    started = time.perf_counter()
    download(REPO, NAME, cache_dir=cache)
    return time.perf_counter() - started


def chatapp_download(models_dir: Path, source: ModelSource) -> float:
    """The listing is not timed (one small request); the download is, from locating the file to its rename."""
    from chatapp.core.models.downloads import download_model
    from chatapp.core.models.sources import client_for

    model = client_for(source).list_models(REPO)[0]
    started = time.perf_counter()
    download_model(model, models_dir)
    return time.perf_counter() - started


def serve(source: Path, rate_mbps: float) -> None:
    """Child process: the three sources, so their Python work does not share a GIL with the client measured;
    each sends at most `rate_mbps` MB/s when that is not 0 (1 MiB, then a pause)."""
    servers = [FakeHub().start(), FakeHub().start(), FakeModelScope().start()]
    for server in servers:
        server.add_repo(FakeRepo(REPO, {NAME: FakeFile(path=source)}))
        server.faults.delay_per_chunk_s = (1 << 20) / (rate_mbps * 1e6) if rate_mbps else 0.0
    print(*(server.url for server in servers), servers[0].repos[REPO].sha256(NAME), flush=True)
    sys.stdin.read()  # until the parent closes our stdin
    for server in servers:
        server.stop()


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main() -> int:
    if "--serve" in sys.argv:
        serve(Path(sys.argv[-2]), float(sys.argv[-1]))
        return 0
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=1000, help="file size; real GGUF models are 0.3-8 GB")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--rate", type=float, default=0.0,
                        help="MB/s each fake source sends at most (e.g. 110 for a 1 Gbit/s line; 0: loopback speed)")
    parser.add_argument("--dir", help="where the files are written (e.g. /dev/shm, so the disk's write-back "
                                          "does not add its noise to the comparison); default: the temp folder")
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="chatapp-dl-", dir=args.dir))
    source = work / "source.gguf"
    with source.open("wb") as fh:
        for _ in range(args.mb):
            fh.write(os.urandom(1 << 20))
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(source), str(args.rate)], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    hub_url, mirror_url, modelscope_url, expected = server.stdout.readline().split()
    os.environ["HF_ENDPOINT"] = hub_url  # before huggingface_hub is imported: it reads it once
    os.environ["MODELSCOPE_DOMAIN"] = modelscope_url
    os.environ.pop("HF_TOKEN", None)
    from chatapp.core.models.sources import HUGGING_FACE, MODELSCOPE, mirror

    url = f"{hub_url}/{REPO}/resolve/main/{NAME}"
    sources = {"Hugging Face": HUGGING_FACE, "a mirror": mirror(mirror_url), "ModelScope (via its CDN redirect)":
               MODELSCOPE}
    plain: list[float] = []
    library: list[float] = []
    ours: dict[str, list[float]] = {name: [] for name in sources}
    def run_plain(i: int) -> None:
        dest = work / f"plain-{i}.gguf"
        plain.append(plain_copy(url, dest))
        dest.unlink()

    def run_library(i: int) -> None:
        cache = work / f"hf-cache-{i}"
        library.append(hf_hub_download(cache))
        shutil.rmtree(cache)

    def run_ours(name: str) -> Callable[[int], None]:
        def run(i: int) -> None:
            models = work / f"models-{i}"
            ours[name].append(chatapp_download(models, sources[name]))
            assert _sha256(next(models.rglob("*.gguf"))) == expected
            shutil.rmtree(models)
        return run

    runs = [run_plain, run_library, *(run_ours(name) for name in sources)]
    for i in range(args.rounds):  # interleaved, and each round starts with another one (no one always cold)
        for run in runs[i % len(runs):] + runs[: i % len(runs)]:
            run(i)
    server.stdin.close()
    server.wait(10)
    shutil.rmtree(work)
    size_mb = args.mb * (1 << 20) / 1e6
    baseline = size_mb / statistics.median(library)
    header = (
        f"{size_mb:.0f} MB file over HTTP on 127.0.0.1 from tests/fake_hub.py and tests/fake_modelscope.py (in "
        f"their own process{f', each sending at most {args.rate:.0f} MB/s' if args.rate else ', at loopback speed'}), "
        f"{args.rounds} interleaved rounds (medians), ratios against huggingface_hub's own "
        f"`hf_hub_download` of the same file; chatapp's path includes locating the file, the sha256 of every byte "
        f"and the rename; files written to {args.dir or 'the temp folder (disk)'}; {cpu_name()}; "
        f"{time.strftime('%Y-%m-%d')}."
    )
    if not args.rate:
        header += (" At loopback speed the copy is CPU-bound: the sources' process, the client and its sha256 "
                   "share the cores, so rounds scatter widely (Hugging Face and the mirror run the very same "
                   "code here); “Downloads at 110 MB/s” is the comparison that matters for a download.")

    def rounds(times: list[float]) -> str:
        return " ".join(f"{size_mb / t:.0f}" for t in times)

    p = size_mb / statistics.median(plain)
    rows = [
        ("plain streaming copy (httpx2, 1 MiB chunks)", f"{p:.0f} MB/s", rounds(plain), f"{p / baseline:.2f}"),
        ("huggingface_hub `hf_hub_download`", f"{baseline:.0f} MB/s", rounds(library), "1.00"),
    ]
    for name, times in ours.items():
        o = size_mb / statistics.median(times)
        rows.append((f"chatapp download from {name} (verified, resumable)", f"{o:.0f} MB/s", rounds(times),
                     f"{o / baseline:.2f} (goal ≥ 0.95)"))
    title = "Downloads" + (f" at {args.rate:.0f} MB/s" if args.rate else " at loopback speed")
    table = markdown_table(("path", "throughput (median)", "each round, MB/s", "ratio"), rows)
    publish(title, header, table, args.write)
    return 0


if __name__ == "__main__":
    sys.exit(main())
