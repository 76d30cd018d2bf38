"""Speech models beyond the demo set: the catalogue's whisper and Piper voices downloaded from the fake
hub with the library's downloader (verified), found in the voice folder and used for real; what a
source that lacks them, or a damaged download, says."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake_hub import FakeFile, FakeHub, FakeRepo
from test_cli import run_chatapp

from chatapp.core.errors import KnownError
from chatapp.core.models.sources import HUGGING_FACE, source_from
from chatapp.core.storage.paths import default_paths, resource_path
from chatapp.voice import catalogue, models
from chatapp.voice.audio import read_audio
from chatapp.voice.speaker import Speaker
from chatapp.voice.transcriber import Transcriber

SPEECH = Path(__file__).resolve().parent / "speech"
ENTRIES = {e.name: e for e in catalogue.load_catalogue(resource_path("voice_catalogue.json"))}


@pytest.fixture
def voice_hub(hub: FakeHub, shared_transcriber: Path) -> FakeHub:
    """The fake hub holding Piper's voices repository (with joe's files standing for amy's) and a whisper
    repository (the demo whisper-base standing for tiny)."""
    joe = models.find_voice(default_paths().data_dir)
    hub.add_repo(FakeRepo("rhasspy/piper-voices", {
        "en/en_US/amy/medium/en_US-amy-medium.onnx": FakeFile(path=joe),
        "en/en_US/amy/medium/en_US-amy-medium.onnx.json": FakeFile(path=joe.with_suffix(".onnx.json")),
        "README.md": FakeFile(b"# Piper voices\n")}))
    hub.add_repo(FakeRepo("Systran/faster-whisper-tiny", {
        name: FakeFile(path=shared_transcriber / name)
        for name in ("model.bin", "config.json", "tokenizer.json", "vocabulary.txt")} | {
        "README.md": FakeFile(b"# tiny\n")}))
    return hub


def test_a_voice_and_a_transcriber_downloaded_are_found_and_used(voice_hub: FakeHub) -> None:
    data = default_paths().data_dir
    run = run_chatapp("voices", "download", "en_US-amy-medium")
    assert run.returncode == 0, run.stderr
    voice = Path(run.stdout.strip())
    assert voice == data / "voice" / "rhasspy" / "piper-voices" / "en_US-amy-medium.onnx"
    assert "en_US-amy-medium" in [m.name for m in models.voices(data)]
    assert Speaker(models.find_voice(data, "en_US-amy-medium")).speak_all("Downloaded and speaking.").size > 10_000

    folder = catalogue.download(ENTRIES["faster-whisper-tiny"], data)
    assert folder == data / "voice" / "Systran" / "faster-whisper-tiny"
    assert sorted(p.name for p in folder.iterdir()) == ["config.json", "model.bin", "tokenizer.json",
                                                        "vocabulary.txt"]  # the README is not fetched
    assert "faster-whisper-tiny" in [m.name for m in models.transcribers(data)]
    heard = Transcriber(models.find_transcriber(data, "faster-whisper-tiny")).transcribe(
        read_audio(SPEECH / "en_fox.flac"))
    assert "brown fox" in heard.text

    run = run_chatapp("voices")
    assert run.returncode == 0
    lines = {line.split()[0]: line for line in run.stdout.splitlines()}
    assert lines["en_US-amy-medium"].endswith("installed") and lines["faster-whisper-tiny"].endswith("installed")
    assert "chatapp voices download zh_CN-huayan-medium" in lines["zh_CN-huayan-medium"]


def test_what_a_speech_model_download_refuses(voice_hub: FakeHub, tmp_path: Path) -> None:
    with pytest.raises(KnownError, match=r"rhasspy/piper-voices on Hugging Face lacks zh_CN-huayan-medium\.onnx, "):
        catalogue.download(ENTRIES["zh_CN-huayan-medium"], tmp_path)
    with pytest.raises(KnownError, match="Speech models are not on ModelScope"):
        catalogue.download(ENTRIES["en_US-amy-medium"], tmp_path, source_from("modelscope"))
    voice_hub.faults.corrupt_at = 1000
    with pytest.raises(KnownError, match="arrived corrupted"):
        catalogue.download(ENTRIES["en_US-amy-medium"], tmp_path, HUGGING_FACE)
    assert [m.name for m in models.voices(tmp_path)] == ["en_US-joe-medium"]  # the demo's: nothing half-downloaded
    run = run_chatapp("voices", "download", "klingon")
    assert run.returncode == 1 and "There is no speech model 'klingon' to download" in run.stderr
