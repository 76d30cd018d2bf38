"""Hub search, listing and verified, resumable downloads against a real HTTP hub on 127.0.0.1."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from fake_hub import FakeFile, FakeHub, FakeRepo, tiny_chat_files
from test_cli import run_chatapp

from chatapp.core.errors import KnownError
from chatapp.core.models import hub as hub_client
from chatapp.core.models.downloads import DownloadCancelled, DownloadQueue, download_model, local_path
from chatapp.core.models.hub import HubClient
from chatapp.core.models.library import scan_library
from chatapp.core.models.naming import parse_quant
from chatapp.core.runtime.engine import Engine

REPO = "acme/Tiny-Chat-GGUF"


@pytest.fixture
def repo(hub: FakeHub, tiny_model: Path) -> FakeRepo:
    return hub.add_repo(FakeRepo(REPO, tiny_chat_files(tiny_model), downloads=1200, likes=7))


def _model(quant: str):
    return next(m for m in HubClient().list_models(REPO) if m.quant == quant)


def test_search_sorted_by_downloads(hub: FakeHub, repo: FakeRepo) -> None:
    hub.add_repo(FakeRepo("other/tiny-chat-base-GGUF", {}, downloads=99_999, likes=1))
    results = HubClient().search("tiny-chat")
    assert [r.repo_id for r in results] == ["other/tiny-chat-base-GGUF", REPO]
    assert (results[1].downloads, results[1].likes, results[1].last_modified.year) == (1200, 7, 2026)
    assert any("/api/models" in p and "search=tiny-chat" in p for _, p, _ in hub.requests)


def test_listing_parses_quants_sizes_checksums_and_groups_splits(repo: FakeRepo, tiny_model: Path) -> None:
    models = HubClient().list_models(REPO)
    assert sorted(m.quant for m in models) == ["IQ3_XS", "Q4_K_M", "Q8_0"]
    q4 = _model("Q4_K_M")
    assert q4.projector is not None and q4.projector.path == "mmproj-tiny-f16.gguf"  # comes with every model
    assert q4.size == tiny_model.stat().st_size + 104
    assert q4.files[0].sha256 == repo.sha256("tiny-chat-Q4_K_M.gguf")
    split = _model("IQ3_XS")
    assert split.is_split and len(split.files) == 2 and split.name.endswith("-00001-of-00002.gguf")
    assert split.size == tiny_model.stat().st_size + 104


@pytest.mark.parametrize(
    ("name", "quant"),
    [("Qwen2.5-7B-Instruct-Q4_K_M.gguf", "Q4_K_M"), ("llama-2-7b.Q8_0.gguf", "Q8_0"),
     ("model-IQ3_XS.gguf", "IQ3_XS"), ("phi-3-mini-4k-instruct-fp16.gguf", "F16"),
     ("gemma-2-2b-it-Q6_K.gguf", "Q6_K"), ("model-bf16-00001-of-00002.gguf", "BF16"), ("weird.gguf", "unknown")],
)
def test_quant_names(name: str, quant: str) -> None:
    assert parse_quant(name) == quant


def test_full_download_is_verified_and_loads(repo: FakeRepo, isolated_dirs: Path, tiny_model: Path) -> None:
    models_dir = isolated_dirs / "models"
    seen = []
    path = download_model(_model("Q4_K_M"), models_dir, progress=seen.append)
    assert path == models_dir / "acme" / "Tiny-Chat-GGUF" / "tiny-chat-Q4_K_M.gguf"
    assert path.read_bytes() == tiny_model.read_bytes()
    assert not list(path.parent.glob("*.part*"))
    assert seen[-1].done == seen[-1].total == path.stat().st_size + 104
    assert (path.parent / "mmproj-tiny-f16.gguf").stat().st_size == 104  # the projector lands beside it
    assert Engine().load(path).architecture == "llama"  # a broken projector leaves the model usable for text
    assert [m.path for m in scan_library([models_dir])] == [path]


def test_split_model_downloads_all_parts(repo: FakeRepo, isolated_dirs: Path) -> None:
    first = download_model(_model("IQ3_XS"), isolated_dirs / "models")
    assert first.name == "tiny-chat-IQ3_XS-00001-of-00002.gguf"
    assert (first.parent / "tiny-chat-IQ3_XS-00002-of-00002.gguf").exists()
    listed = scan_library([isolated_dirs / "models"])
    assert [m.path.name for m in listed] == [first.name]  # one entry for the split model


def test_dropped_connection_resumes_with_a_range_request(hub: FakeHub, repo: FakeRepo, isolated_dirs: Path) -> None:
    hub.faults.drop_after = 1_500_000
    hub.faults.drops_left = 1
    path = download_model(_model("Q4_K_M"), isolated_dirs / "models")
    assert path.read_bytes() == repo.files["tiny-chat-Q4_K_M.gguf"].data
    assert hub.range_requests() == ["bytes=1048576-"]  # what arrived in whole chunks was kept


def test_corrupted_bytes_are_rejected_and_nothing_enters_the_library(
    hub: FakeHub, repo: FakeRepo, isolated_dirs: Path
) -> None:
    hub.faults.corrupt_at = 123_456
    with pytest.raises(KnownError, match=r"arrived corrupted .* so it was deleted"):
        download_model(_model("Q4_K_M"), isolated_dirs / "models")
    folder = isolated_dirs / "models" / "acme" / "Tiny-Chat-GGUF"
    assert list(folder.iterdir()) == []
    assert scan_library([isolated_dirs / "models"]) == []


def test_cancel_keeps_the_part_and_the_next_download_resumes(
    hub: FakeHub, repo: FakeRepo, isolated_dirs: Path
) -> None:
    hub.faults.delay_per_chunk_s = 0.2  # 1 MiB chunks, slowly
    cancel = threading.Event()

    def on_progress(p) -> None:
        if p.done >= 1 << 20:
            cancel.set()

    with pytest.raises(DownloadCancelled):
        download_model(_model("Q4_K_M"), isolated_dirs / "models", progress=on_progress, cancel=cancel)
    part = isolated_dirs / "models" / "acme" / "Tiny-Chat-GGUF" / "tiny-chat-Q4_K_M.gguf.part"
    kept = part.stat().st_size
    assert kept >= 1 << 20
    hub.faults.delay_per_chunk_s = 0
    path = download_model(_model("Q4_K_M"), isolated_dirs / "models")
    assert path.read_bytes() == repo.files["tiny-chat-Q4_K_M.gguf"].data
    assert f"bytes={kept}-" in hub.range_requests()


def test_killed_download_process_resumes_on_rerun(hub: FakeHub, repo: FakeRepo, isolated_dirs: Path) -> None:
    hub.faults.delay_per_chunk_s = 0.3
    proc = subprocess.Popen([sys.executable, "-m", "chatapp", "download", REPO, "--quant", "Q4_K_M"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=os.environ.copy())
    part = isolated_dirs / "data" / "models" / "acme" / "Tiny-Chat-GGUF" / "tiny-chat-Q4_K_M.gguf.part"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (part.exists() and part.stat().st_size >= 1 << 20):
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    kept = part.stat().st_size
    assert kept >= 1 << 20
    hub.faults.delay_per_chunk_s = 0
    run = run_chatapp("download", REPO, "--quant", "Q4_K_M")
    assert run.returncode == 0, run.stderr
    final = Path(run.stdout.strip())
    assert final.read_bytes() == repo.files["tiny-chat-Q4_K_M.gguf"].data
    assert f"bytes={kept}-" in hub.range_requests()


def test_not_enough_disk_space_is_refused_before_starting(repo: FakeRepo, isolated_dirs: Path, hub: FakeHub) -> None:
    with pytest.raises(KnownError, match=r"Not enough disk space for tiny-chat-Q4_K_M\.gguf"):
        download_model(_model("Q4_K_M"), isolated_dirs / "models", free_space=lambda _: 1000)
    assert not any("/resolve/" in p for m, p, _ in hub.requests if m == "GET")


@pytest.mark.parametrize("bad", ["../evil.gguf", "/etc/evil.gguf", "a/../../evil.gguf", "sub\\..\\evil.gguf",
                                 "..", ".hidden.gguf"])
def test_unsafe_names_from_the_hub_are_refused(bad: str, tmp_path: Path) -> None:
    with pytest.raises(KnownError, match="unsafe"):
        local_path(tmp_path, REPO, bad)
    with pytest.raises(KnownError, match="unsafe"):
        local_path(tmp_path, "../escape", "ok.gguf")


def test_gated_repo_says_what_to_do(hub: FakeHub, tiny_model: Path) -> None:
    hub.add_repo(FakeRepo("corp/Gated-GGUF", {"gated-Q4_K_M.gguf": FakeFile(tiny_model.read_bytes())}, gated=True))
    run = run_chatapp("download", "corp/Gated-GGUF")
    assert run.returncode == 1
    assert "gated" in run.stderr and "licence" in run.stderr and "log in" in run.stderr
    assert "Traceback" not in run.stderr and len(run.stderr.strip().splitlines()) == 1


def test_cli_search_download_models(repo: FakeRepo, hub: FakeHub) -> None:
    run = run_chatapp("search", "tiny")
    assert run.returncode == 0 and REPO in run.stdout and "1,200 downloads" in run.stdout
    run = run_chatapp("download", REPO)
    assert run.returncode == 1 and "Pick one with --file or --quant" in run.stderr and "Q8_0" in run.stderr
    run = run_chatapp("download", REPO, "--file", "tiny-chat.Q8_0.gguf")
    assert run.returncode == 0, run.stderr
    run = run_chatapp("models")
    assert "tiny-chat.Q8_0.gguf" in run.stdout and "llama" in run.stdout
    run = run_chatapp("chat", "--model", "tiny-chat.Q8_0", "--prompt", "hi", "--max-tokens", "2")
    assert run.stdout == " Hello world\n"


def test_unreachable_hub_is_one_clear_sentence() -> None:
    import httpx2
    from local_ports import free_port

    port = free_port()
    with pytest.raises(KnownError, match=r"Searching: Hugging Face cannot be reached .* internet connection, or "
                                         r"choose another model source"), \
            hub_client.hub_errors("Searching"):
        httpx2.get(f"http://127.0.0.1:{port}/api/models")  # a real refused connection


def test_queue_runs_downloads_in_order_and_reports(repo: FakeRepo, isolated_dirs: Path) -> None:
    events = []
    done = threading.Event()

    def on_event(e) -> None:
        events.append(e)
        if e.kind in ("done", "failed") and e.model.quant == "Q8_0":
            done.set()

    q = DownloadQueue(isolated_dirs / "models", on_event)
    q.enqueue(_model("Q4_K_M"))
    q.enqueue(_model("Q8_0"))
    assert done.wait(30)
    q.shutdown()
    kinds = [(e.job_id, e.kind) for e in events if e.kind != "progress"]
    assert [k for j, k in kinds if j == 1] == [k for j, k in kinds if j == 2] == ["queued", "started", "done"]
    assert kinds.index((2, "started")) > kinds.index((1, "done"))  # one at a time
    assert any(e.kind == "progress" for e in events)


def test_queue_says_when_another_process_downloads_the_file(repo: FakeRepo, isolated_dirs: Path) -> None:
    from filelock import FileLock

    models = isolated_dirs / "models"
    dest = local_path(models, REPO, "tiny-chat-Q4_K_M.gguf")
    dest.parent.mkdir(parents=True)
    other = FileLock(dest.with_name(dest.name + ".part.lock"))  # as another chatapp holds it
    other.acquire()
    events = []
    waiting, done = threading.Event(), threading.Event()

    def on_event(e) -> None:
        events.append(e)
        if e.kind == "waiting":
            waiting.set()
        if e.kind in ("done", "failed"):
            done.set()

    q = DownloadQueue(models, on_event)
    q.enqueue(_model("Q4_K_M"))
    assert waiting.wait(30)
    assert not dest.exists() and not done.is_set()  # nothing written while the other one holds the file
    other.release()
    assert done.wait(30)
    q.shutdown()
    assert [e.kind for e in events if e.kind != "progress"] == ["queued", "started", "waiting", "done"]
    assert "being downloaded by another chatapp" in next(e.message for e in events if e.kind == "waiting")
    assert dest.read_bytes() == repo.files["tiny-chat-Q4_K_M.gguf"].data
