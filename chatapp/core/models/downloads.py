"""Resumable, verified model downloads from any model source (Hugging Face, a mirror, ModelScope).

Why not `hf_hub_download` (or ModelScope's SDK download): it writes to a per-process temporary file
that it deletes on any failure (a cancel or a restart starts again from byte 0), and it accepted a
file with a flipped byte here. Instead: the source locates the file (URL, size, sha256, headers; for
Hugging Face `get_hf_file_metadata`), and huggingface_hub's `http_get` appends to our own
`<name>.part`, with a small `.part.json` beside it naming the exact file version, so a cancelled,
dropped or killed download resumes with a `Range` request, from whichever source. The sha256 is
computed while writing (the bytes already in the part file are hashed once on resume) and checked
before the file takes its final name: a corrupted file never enters the library. A source that gives
no checksum for a file gets it downloaded unverified, and the user is told so.

One writer per file, across processes: a `<name>.part.lock` (filelock, as huggingface_hub uses for its
own cache) is held while a `.part` is written, and removed when the writer is done. A second download
of the same file, from another window or terminal, says so and waits; when it gets the lock it finds
the verified file already in place and is done. The OS drops the lock when its holder dies (kill -9
included), so a killed download is resumed by whoever comes next. A verified file is only ever
created by `os.replace` of its `.part`.
"""

from __future__ import annotations

import errno
import hashlib
import json
import logging
import os
import queue
import re
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from filelock import FileLock, Timeout

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError, Phrase
from chatapp.core.models.hub import is_network_error
from chatapp.core.models.remote import HubError, RemoteFile, RemoteModel
from chatapp.core.models.sources import SourceClient, client_for

log = logging.getLogger(__name__)
PROGRESS_INTERVAL_S = 0.1  # ~10 progress reports a second
# http_get hands data over in DOWNLOAD_CHUNK_SIZE pieces (10 MiB by default): too coarse for a moving
# progress bar, a prompt cancel, or keeping what arrived before a dropped connection (a partial
# chunk is lost when the stream breaks). 1 MiB keeps all three fine-grained.
CHUNK_SIZE = 1 << 20
HASH_BATCH = 8 << 20  # bytes handed to the hashing thread at a time (see _BackgroundHash)
LOCK_POLL_S = 0.25  # how often a waiting download checks for cancel while another process downloads
_SAFE_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-]*$")


class DownloadCancelled(KnownError):
    """The user cancelled; the partial file is kept for resuming."""


@dataclass(frozen=True)
class DownloadProgress:
    done: int
    total: int
    speed_bps: float
    eta_s: float | None
    file_index: int  # 1-based, for split models
    file_count: int


FreeSpace = Callable[[Path], int]
# Called (once per file) when another process is downloading the same file and this one waits for it.
OnWait = Callable[[str], None]
# Called with a file's name when its source gave no checksum, so it was downloaded unverified.
OnUnverified = Callable[[str], None]


def disk_free(path: Path) -> int:
    return shutil.disk_usage(path).free


def safe_segment(name: str, what: str) -> str:
    """One path segment from the hub, refused if it could escape the models folder."""
    if not name or name in (".", "..") or "/" in name or "\\" in name or "\0" in name or not _SAFE_SEGMENT.match(name):
        raise KnownError(f"Refusing a {what} from the hub with an unsafe name: {name!r}.")
    return name


def local_path(models_dir: Path, repo_id: str, remote_path: str) -> Path:
    """models/<owner>/<repo>/<file name>: hub names are checked before they touch the disk."""
    if remote_path.startswith(("/", "\\")) or ".." in PurePosixPath(remote_path).parts or "\\" in remote_path:
        raise KnownError(f"Refusing a file from the hub with an unsafe path: {remote_path!r}.")
    owner, _, repo = repo_id.partition("/")
    parts = [safe_segment(owner, "repository owner")] + ([safe_segment(repo, "repository name")] if repo else [])
    file_name = safe_segment(PurePosixPath(remote_path).name, "file name")
    path = models_dir.joinpath(*parts, file_name)
    if models_dir.resolve() not in path.resolve().parents:
        raise KnownError(f"Refusing a file from the hub that would land outside the models folder: {remote_path!r}.")
    return path


class _BackgroundHash:
    """sha256 on its own thread: hashlib releases the GIL on large chunks, so hashing overlaps with
    receiving the next chunk instead of adding to it (loopback, CPU-bound: 0.82 → ~1.0 of a plain copy).
    Chunks are handed over HASH_BATCH bytes at a time: a wake-up per 1 MiB chunk cost 4% at a
    network's 100 MB/s (its GIL hand-offs delay the receiving thread); per 8 MiB, 1.5% (docs/benchmarks.md)."""

    def __init__(self, digest: hashlib._Hash) -> None:
        self._digest = digest
        self._batches: queue.Queue[list[bytes] | None] = queue.Queue(maxsize=8)
        self._pending: list[bytes] = []
        self._pending_bytes = 0
        self._thread = threading.Thread(target=self._run, name="sha256", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while (batch := self._batches.get()) is not None:
            for chunk in batch:
                self._digest.update(chunk)

    def update(self, data: bytes) -> None:
        self._pending.append(data)
        self._pending_bytes += len(data)
        if self._pending_bytes >= HASH_BATCH:
            self._batches.put(self._pending)
            self._pending, self._pending_bytes = [], 0

    def finish(self) -> hashlib._Hash:
        if self._pending:
            self._batches.put(self._pending)
        self._batches.put(None)
        self._thread.join()
        return self._digest


class _HashingWriter:
    """The file object `http_get` writes to: hashes, counts, reports progress and honours cancel."""

    def __init__(self, fh: BinaryIO, digest: hashlib._Hash, start: int, on_bytes: Callable[[int], None],
                 cancel: threading.Event | None) -> None:
        self.fh = fh
        self.hasher = _BackgroundHash(digest)
        self.written = start
        self.on_bytes = on_bytes
        self.cancel = cancel

    def write(self, data: bytes) -> int:
        if self.cancel is not None and self.cancel.is_set():
            raise DownloadCancelled(
                QT_TRANSLATE_NOOP("core", "Download cancelled; the partial file is kept and will resume."))
        n = self.fh.write(data)
        self.hasher.update(data)
        self.written += len(data)
        self.on_bytes(len(data))
        return n

    def tell(self) -> int:
        return self.fh.tell()

    def seek(self, offset: int, whence: int = 0) -> int:
        return self.fh.seek(offset, whence)

    def truncate(self, size: int | None = None) -> int:
        # The server ignored our Range and sends the whole file again: restart the hash too.
        result = self.fh.truncate(size)
        self.hasher.finish()
        self.hasher = _BackgroundHash(hashlib.sha256())
        self.written = self.fh.tell()
        return result

    def flush(self) -> None:
        self.fh.flush()

    def finish(self) -> hashlib._Hash:
        return self.hasher.finish()


class _Meter:
    def __init__(self, total: int, already: int, file_count: int, report: Callable[[DownloadProgress], None] | None):
        self.total = total
        self.done = already
        self.file_index = 1
        self.file_count = file_count
        self.report = report
        self._window: list[tuple[float, int]] = [(time.monotonic(), already)]
        self._last = 0.0

    def add(self, n: int, force: bool = False) -> None:
        self.done += n
        now = time.monotonic()
        if self.report is None or (not force and now - self._last < PROGRESS_INTERVAL_S):
            return
        self._last = now
        self._window.append((now, self.done))
        while len(self._window) > 2 and now - self._window[0][0] > 3.0:
            self._window.pop(0)
        t0, d0 = self._window[0]
        speed = (self.done - d0) / (now - t0) if now > t0 else 0.0
        eta = (self.total - self.done) / speed if speed > 0 else None
        self.report(DownloadProgress(self.done, self.total, speed, eta, self.file_index, self.file_count))


def _hash_existing(path: Path, size: int) -> hashlib._Hash:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        remaining = size
        while remaining > 0:
            block = fh.read(min(1 << 20, remaining))
            if not block:
                break
            digest.update(block)
            remaining -= len(block)
    return digest


def download_model(
    model: RemoteModel,
    models_dir: Path,
    *,
    progress: Callable[[DownloadProgress], None] | None = None,
    cancel: threading.Event | None = None,
    free_space: FreeSpace = disk_free,
    on_wait: OnWait | None = None,
    on_unverified: OnUnverified | None = None,
) -> Path:
    """Download every file of `model` from where it was listed into the library; the (first) file's path.

    `on_wait(sentence)` is called when another process is downloading one of the files; this call
    then waits for it (cancel still works) and uses the file it verified. `on_unverified(file name)`
    when the source gave no sha256 for a file, so it could not be checked.
    """
    client = client_for(model.source)
    # The vision projector, if any, lands beside the model, where the engine looks for it.
    targets = [(f, local_path(models_dir, model.repo_id, f.path)) for f in model.all_files]
    pending = [(f, p) for f, p in targets if not (p.exists() and p.stat().st_size == f.size)]
    part_bytes = sum(_part_size(p) for _, p in pending)
    need = sum(f.size for f, _ in pending) - part_bytes
    targets[0][1].parent.mkdir(parents=True, exist_ok=True)
    free = free_space(targets[0][1].parent)
    if need > free:
        gib = 1024**3
        raise KnownError(
            QT_TRANSLATE_NOOP("core", "Not enough disk space for {name}: it needs {need:.2f} GiB more and {free:.2f} "
                              "GiB is free in {folder}. Free some space and try again."),
            name=model.name, need=need / gib, free=free / gib, folder=models_dir,
        )
    already = sum(f.size for f, _ in targets) - need
    meter = _Meter(model.size, already, len(targets), progress)
    for index, (remote, path) in enumerate(targets, start=1):
        meter.file_index = index
        if (remote, path) in pending:
            _download_file(client, model.repo_id, remote, path, meter, cancel, on_wait, on_unverified)
    meter.add(max(0, meter.total - meter.done), force=True)
    return targets[0][1]


def _part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def _lock_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part.lock")


def _is_complete(dest: Path, size: int) -> bool:
    """A file under its final name was verified before it got that name (see `_download_file`)."""
    try:
        return dest.stat().st_size == size
    except FileNotFoundError:
        return False


def _acquire(lock: FileLock, dest: Path, cancel: threading.Event | None, on_wait: OnWait | None) -> None:
    """Take the file's lock; while another process holds it, say so once and wait, honouring cancel."""
    try:
        lock.acquire(timeout=0)
        return
    except Timeout:
        pass
    log.info("%s is being downloaded by another process; waiting", dest.name)
    if on_wait is not None:
        on_wait(f"{dest.name} is being downloaded by another chatapp; waiting for it to finish.")
    while True:
        if cancel is not None and cancel.is_set():
            raise DownloadCancelled(
                QT_TRANSLATE_NOOP("core", "Stopped waiting for {file}; the other download goes on."), file=dest.name)
        try:
            lock.acquire(timeout=LOCK_POLL_S)
            return
        except Timeout:
            continue


def _part_size(dest: Path) -> int:
    part = _part_path(dest)
    return part.stat().st_size if part.exists() else 0


def _download_file(client: SourceClient, repo_id: str, remote: RemoteFile, dest: Path, meter: _Meter,
                   cancel: threading.Event | None, on_wait: OnWait | None, on_unverified: OnUnverified | None) -> None:
    lock = FileLock(_lock_path(dest))
    _acquire(lock, dest, cancel, on_wait)
    try:
        if _is_complete(dest, remote.size):  # another process finished it while we waited
            log.info("%s was downloaded and verified by another process", dest.name)
        else:
            verified = _download_locked(client, repo_id, remote, dest, meter, cancel)
            if not verified and on_unverified is not None:
                on_unverified(dest.name)
    finally:
        # Removed while still held, so no lock file is left in the library. Safe with filelock 4: a
        # waiter that locks the removed file sees it has no name any more (st_nlink 0) and retries on
        # the path, where it finds either the verified file or the .part to resume.
        _lock_path(dest).unlink(missing_ok=True)
        lock.release()


def _download_locked(client: SourceClient, repo_id: str, remote: RemoteFile, dest: Path, meter: _Meter,
                     cancel: threading.Event | None) -> bool:
    """Fetch one file into its `.part` (resuming), verify, and give it its final name. Lock held.
    False when the source gave no sha256 to verify it with."""
    from huggingface_hub import constants
    from huggingface_hub.file_download import http_get
    from huggingface_hub.utils import disable_progress_bars

    disable_progress_bars()  # progress is ours to show
    constants.DOWNLOAD_CHUNK_SIZE = CHUNK_SIZE
    part = _part_path(dest)
    sidecar = part.with_name(part.name + ".json")
    downloading = Phrase(QT_TRANSLATE_NOOP("core", "Downloading {file}"), file=remote.path)
    location = client.locate(repo_id, remote)
    size = location.size
    expected_sha = (location.sha256 or "").lower()
    if expected_sha and not re.fullmatch(r"[0-9a-f]{64}", expected_sha):
        raise HubError(QT_TRANSLATE_NOOP("core", "{source} gave a malformed sha256 for {file}; not downloading "
                                         "it."), source=client.source.name, file=remote.path)
    version = {"repo": repo_id, "path": remote.path, "sha256": expected_sha, "size": size}

    resume = 0
    if part.exists():
        try:
            same = json.loads(sidecar.read_text()) == version
        except (OSError, ValueError):
            same = False
        resume = part.stat().st_size if same and part.stat().st_size <= size else 0
        if resume:
            log.info("resuming %s at %d of %d bytes", remote.path, resume, size)
    if resume == 0:
        part.unlink(missing_ok=True)
    sidecar.write_text(json.dumps(version))
    digest = _hash_existing(part, resume) if resume else hashlib.sha256()
    meter.add(0, force=True)

    writer: _HashingWriter | None = None
    try:
        with part.open("ab") as fh:
            writer = _HashingWriter(fh, digest, resume, meter.add, cancel)
            with client.errors(downloading):
                http_get(location.url, writer, resume_size=resume, expected_size=size,  # type: ignore[arg-type]
                         headers=location.headers)
    except DownloadCancelled:
        raise
    except OSError as exc:
        if exc.errno == errno.ENOSPC:
            raise KnownError(QT_TRANSLATE_NOOP("core", "The disk filled up while downloading {file}; the partial "
                                               "file is kept. Free some space and download again to resume."),
                             file=dest.name) from None
        if "Consistency check failed" in str(exc):
            raise HubError(QT_TRANSLATE_NOOP("core", "The download of {file} ended early; download again to resume."),
                           file=dest.name) from None
        raise
    except HubError as exc:
        raise HubError(QT_TRANSLATE_NOOP("core", "{error} The partial download is kept; download again to resume."),
                       error=Phrase(exc.template, **exc.values)) from None
    except Exception as exc:
        if is_network_error(exc):
            raise HubError(QT_TRANSLATE_NOOP("core", "The connection dropped while downloading {file}; the partial "
                                             "download is kept. Download again to resume."),
                           file=dest.name) from None
        raise

    finally:
        if writer is not None:
            digest = writer.finish()

    actual = digest.hexdigest()
    if expected_sha and actual != expected_sha:
        part.unlink(missing_ok=True)
        sidecar.unlink(missing_ok=True)
        raise KnownError(
            QT_TRANSLATE_NOOP("core", "{file} arrived corrupted (its sha256 does not match the hub's), so it was "
                              "deleted. Download it again."),
            file=dest.name,
        )
    os.replace(part, dest)
    sidecar.unlink(missing_ok=True)
    log.info("downloaded %s %s (%s)", "and verified" if expected_sha else "UNVERIFIED", dest, actual)
    return bool(expected_sha)


# ----- a queue for the GUI: one download at a time, the rest waiting ---------------------------------------
@dataclass(frozen=True)
class DownloadEvent:
    job_id: int
    kind: str  # "queued" | "started" | "waiting" | "progress" | "done" | "failed" | "cancelled"
    model: RemoteModel
    progress: DownloadProgress | None = None
    path: Path | None = None
    message: str = ""
    unverified: tuple[str, ...] = ()  # "done": files its source gave no checksum for


class DownloadQueue:
    """Runs downloads one after another on its own thread; events go to `on_event` (from that thread)."""

    def __init__(self, models_dir: Path, on_event: Callable[[DownloadEvent], None],
                 free_space: FreeSpace = disk_free) -> None:
        self.models_dir = models_dir
        self.on_event = on_event
        self.free_space = free_space
        self._jobs: queue.Queue[tuple[int, RemoteModel, threading.Event] | None] = queue.Queue()
        self._cancels: dict[int, threading.Event] = {}
        self._next = 0
        self._thread = threading.Thread(target=self._run, name="downloads", daemon=True)
        self._thread.start()

    def enqueue(self, model: RemoteModel) -> int:
        self._next += 1
        cancel = threading.Event()
        self._cancels[self._next] = cancel
        self._jobs.put((self._next, model, cancel))
        self.on_event(DownloadEvent(self._next, "queued", model))
        return self._next

    def cancel(self, job_id: int) -> None:
        event = self._cancels.get(job_id)
        if event is not None:
            event.set()

    def shutdown(self, timeout: float = 2.0) -> None:
        for event in self._cancels.values():
            event.set()
        self._jobs.put(None)
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            job_id, model, cancel = job
            if cancel.is_set():
                self.on_event(DownloadEvent(job_id, "cancelled", model, message="Cancelled."))
                continue
            self.on_event(DownloadEvent(job_id, "started", model))

            def report(progress: DownloadProgress, job_id: int = job_id, model: RemoteModel = model) -> None:
                self.on_event(DownloadEvent(job_id, "progress", model, progress))

            def waiting(sentence: str, job_id: int = job_id, model: RemoteModel = model) -> None:
                self.on_event(DownloadEvent(job_id, "waiting", model, message=sentence))

            unverified: list[str] = []
            try:
                path = download_model(
                    model, self.models_dir, cancel=cancel, free_space=self.free_space, progress=report,
                    on_wait=waiting, on_unverified=unverified.append,
                )
            except DownloadCancelled as exc:
                self.on_event(DownloadEvent(job_id, "cancelled", model, message=str(exc)))
            except KnownError as exc:
                self.on_event(DownloadEvent(job_id, "failed", model, message=str(exc)))
            except Exception as exc:
                log.exception("download failed")
                self.on_event(DownloadEvent(job_id, "failed", model, message=f"Download failed unexpectedly: {exc}"))
            else:
                self.on_event(DownloadEvent(job_id, "done", model, path=path, unverified=tuple(unverified)))
            finally:
                self._cancels.pop(job_id, None)
