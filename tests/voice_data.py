"""The demo transcriber, joined once per test session, linked into the data folders tests use."""

from __future__ import annotations

from pathlib import Path


def link_voice_folder(data: Path, shared_transcriber: Path | None) -> Path:
    """`data`, its voice folder holding the session's joined demo transcriber (a link)."""
    if shared_transcriber is not None:
        (data / "voice").mkdir(parents=True, exist_ok=True)
        (data / "voice" / shared_transcriber.name).symlink_to(shared_transcriber, target_is_directory=True)
    return data
