"""Speech models to download (resources/voice_catalogue.json): whisper in CTranslate2's format and Piper
voices, fetched from the model source the user chose (Hugging Face or a mirror of it) with the library's
own downloader — resumable, one writer per file, each file checked against the source's sha256 — into
the voice folder, where models.py finds them (`<data>/voice/<owner>/<repo>/`)."""

from __future__ import annotations

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.models.downloads import DownloadProgress, download_model
from chatapp.core.models.remote import RemoteFile, RemoteModel
from chatapp.core.models.sources import HUGGING_FACE, ModelSource, client_for
from chatapp.voice.models import voice_dir

# What a CTranslate2 whisper folder holds (model.bin and config.json are required).
WHISPER_FILES = ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt", "vocabulary.json",
                 "preprocessor_config.json")


@dataclass(frozen=True)
class VoiceEntry:
    name: str
    kind: str  # "transcriber" | "voice"
    repo: str
    size_mb: int
    languages: str
    about: str
    files: tuple[str, ...] = ()  # a voice's files in the repo (a transcriber takes its repo's WHISPER_FILES)


def load_catalogue(path: Path, language: str = "en") -> list[VoiceEntry]:
    """The entries, described in the window's language where the file has it."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return [VoiceEntry(m["name"], m["kind"], m["repo"], int(m["size_mb"]), m["languages"],
                       m.get(f"about_{language}") or m["about"], tuple(m.get("files", ())))
            for m in data["models"]]


def remote_model(entry: VoiceEntry, source: ModelSource = HUGGING_FACE) -> RemoteModel:
    """The entry's files as the source lists them (sizes, checksums); one sentence if they are not there."""
    if source.kind == "modelscope":
        raise KnownError(QT_TRANSLATE_NOOP("core", "Speech models are not on ModelScope; download them from the "
                                                   "Hugging Face mirror (Settings → Downloads)."))
    client = client_for(source)
    listed = {f.path: f for f in client.list_files(entry.repo)}
    if entry.kind == "transcriber":
        files = [listed[name] for name in WHISPER_FILES if name in listed]
        missing = [name for name in ("model.bin", "config.json") if name not in listed]
    else:
        files = [listed[path] for path in entry.files if path in listed]
        missing = [PurePosixPath(path).name for path in entry.files if path not in listed]
    if missing:
        raise KnownError(QT_TRANSLATE_NOOP("core", "{repo} on {source} lacks {files}, so {name} cannot be "
                                                   "downloaded from there."),
                         repo=entry.repo, source=source.name, files=", ".join(missing), name=entry.name)
    return RemoteModel(entry.repo, entry.name, "", _ordered(files), source=source)


def _ordered(files: list[RemoteFile]) -> tuple[RemoteFile, ...]:
    """The model file first (what the download returns), its companions after."""
    return tuple(sorted(files, key=lambda f: not f.path.endswith((".onnx", "model.bin"))))


def download(entry: VoiceEntry, data_dir: Path, source: ModelSource = HUGGING_FACE,
             progress: Callable[[DownloadProgress], None] | None = None,
             cancel: threading.Event | None = None,
             on_unverified: Callable[[str], None] | None = None) -> Path:
    """Download the entry into the voice folder; the model file's path (a transcriber's folder)."""
    path = download_model(remote_model(entry, source), voice_dir(data_dir), progress=progress, cancel=cancel,
                          on_unverified=on_unverified)
    return path.parent if entry.kind == "transcriber" else path
