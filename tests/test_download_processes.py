"""Two real `chatapp download` processes on one file: one writes, the other waits and uses its result.

Whatever happens to either (finishes, Ctrl+C, kill -9), the library ends with one verified file and
neither process prints a traceback.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from fake_hub import FakeFile, FakeHub, FakeRepo

REPO = "acme/Tiny-Chat-GGUF"
NAME = "tiny-chat-Q4_K_M.gguf"


class Download:
    """One `chatapp download` process, its stderr in a file so the test can watch it as it runs."""

    def __init__(self, workdir: Path, label: str) -> None:
        self.err_path = workdir / f"{label}.stderr"
        self.out_path = workdir / f"{label}.stdout"
        with self.err_path.open("w") as err, self.out_path.open("w") as out:
            self.proc = subprocess.Popen([sys.executable, "-m", "chatapp", "download", REPO, "--quant", "Q4_K_M"],
                                         stdout=out, stderr=err, env=os.environ.copy())

    @property
    def stderr(self) -> str:
        return self.err_path.read_text()

    @property
    def stdout(self) -> str:
        return self.out_path.read_text()

    def wait(self, timeout: float = 120) -> int:
        return self.proc.wait(timeout=timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()


def wait_for(condition: Callable[[], bool], what: str, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.05)


@pytest.fixture
def slow_repo(hub: FakeHub, tiny_model: Path) -> FakeRepo:
    data = tiny_model.read_bytes()
    data += bytes(range(256)) * ((6 << 20) - len(data) >> 8)  # six 1 MiB chunks, so the downloads overlap
    hub.faults.delay_per_chunk_s = 0.4
    return hub.add_repo(FakeRepo(REPO, {NAME: FakeFile(data)}))


@pytest.fixture
def folder(isolated_dirs: Path) -> Path:
    return isolated_dirs / "data" / "models" / "acme" / "Tiny-Chat-GGUF"


@pytest.fixture
def downloads(isolated_dirs: Path):
    started: list[Download] = []

    def start(label: str) -> Download:
        started.append(Download(isolated_dirs, label))
        return started[-1]

    yield start
    for d in started:
        d.stop()


def part_size(folder: Path) -> int:
    part = folder / f"{NAME}.part"
    return part.stat().st_size if part.exists() else 0


def resumed_from(hub: FakeHub) -> int:
    """The offset of the one Range request made (a second download resuming the first one's part)."""
    (only,) = hub.range_requests()
    return int(only.removeprefix("bytes=").rstrip("-"))


def assert_one_verified_file(folder: Path, repo: FakeRepo, *runs: Download) -> None:
    assert (folder / NAME).read_bytes() == repo.files[NAME].data
    assert sorted(p.name for p in folder.iterdir()) == [NAME]  # no .part, .part.json or lock left
    for run in runs:
        assert "Traceback" not in run.stderr, run.stderr


def test_the_second_download_waits_and_uses_the_first_ones_file(
    slow_repo: FakeRepo, folder: Path, downloads, hub: FakeHub
) -> None:
    first = downloads("first")
    wait_for(lambda: part_size(folder) >= 1 << 20, "the first download to write")
    second = downloads("second")
    wait_for(lambda: "waiting" in second.stderr, "the second download to say it waits")
    assert "being downloaded by another chatapp" in second.stderr
    assert len(second.stderr.strip().splitlines()) == 1
    assert first.wait() == 0 and second.wait() == 0, (first.stderr, second.stderr)
    assert first.stdout == second.stdout == f"{folder / NAME}\n"
    assert_one_verified_file(folder, slow_repo, first, second)
    bodies = [p for m, p, _ in hub.requests if m == "GET" and p.endswith(NAME)]
    assert len(bodies) == 1  # the file was fetched once


def test_a_cancelled_writer_hands_over_to_the_waiting_one(
    slow_repo: FakeRepo, folder: Path, downloads, hub: FakeHub
) -> None:
    first = downloads("first")
    wait_for(lambda: part_size(folder) >= 1 << 20, "the first download to write")
    second = downloads("second")
    wait_for(lambda: "waiting" in second.stderr, "the second download to wait")
    first.proc.send_signal(signal.SIGINT)  # Ctrl+C
    assert first.wait() == 130
    hub.faults.delay_per_chunk_s = 0
    assert second.wait() == 0, second.stderr
    assert resumed_from(hub) >= 1 << 20  # the second carried on from what the first had written
    assert_one_verified_file(folder, slow_repo, first, second)


def test_cancelling_the_waiting_one_leaves_the_writer_alone(
    slow_repo: FakeRepo, folder: Path, downloads, hub: FakeHub
) -> None:
    first = downloads("first")
    wait_for(lambda: part_size(folder) >= 1 << 20, "the first download to write")
    second = downloads("second")
    wait_for(lambda: "waiting" in second.stderr, "the second download to wait")
    second.proc.send_signal(signal.SIGINT)
    assert second.wait() == 130
    hub.faults.delay_per_chunk_s = 0.05
    assert first.wait() == 0, first.stderr
    assert_one_verified_file(folder, slow_repo, first, second)


def test_a_killed_writer_is_resumed_by_the_waiting_one(
    slow_repo: FakeRepo, folder: Path, downloads, hub: FakeHub
) -> None:
    first = downloads("first")
    wait_for(lambda: part_size(folder) >= 1 << 20, "the first download to write")
    second = downloads("second")
    wait_for(lambda: "waiting" in second.stderr, "the second download to wait")
    first.proc.send_signal(signal.SIGKILL)
    first.wait()
    hub.faults.delay_per_chunk_s = 0
    assert second.wait() == 0, second.stderr
    assert resumed_from(hub) >= 1 << 20
    assert_one_verified_file(folder, slow_repo, second)


def test_a_download_started_after_the_file_is_in_the_library_does_not_touch_it(
    slow_repo: FakeRepo, folder: Path, downloads, hub: FakeHub
) -> None:
    hub.faults.delay_per_chunk_s = 0
    first = downloads("first")
    assert first.wait() == 0, first.stderr
    done = folder / NAME
    before = done.stat()
    again = downloads("again")
    assert again.wait() == 0, again.stderr
    assert again.stdout == f"{done}\n"
    assert done.stat().st_mtime_ns == before.st_mtime_ns and done.stat().st_ino == before.st_ino
    assert_one_verified_file(folder, slow_repo, first, again)
