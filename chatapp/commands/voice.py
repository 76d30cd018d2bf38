"""`chatapp transcribe FILE` and `chatapp say TEXT`: speech to text and text to speech in a terminal,
with the demo voice set when no model is named (chatapp/voice/)."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any, TextIO

from chatapp.core.errors import KnownError
from chatapp.core.storage.paths import AppPaths


def add_parsers(sub: Any) -> None:
    from chatapp.voice.audio import SPEECH_FORMATS
    from chatapp.voice.formats import TRANSCRIPT_FORMATS

    heard = sub.add_parser("transcribe", help="write down what is said in an audio file (any format FFmpeg reads)")
    heard.add_argument("file")
    heard.add_argument("--model", default="", help="a speech model's name or folder (default: the demo's)")
    heard.add_argument("--language", help="its language code (en, zh…); default: detected")
    heard.add_argument("--format", default="text", choices=TRANSCRIPT_FORMATS)
    heard.add_argument("--threads", type=int, default=0, help="CPU threads (default: all cores)")
    said = sub.add_parser("say", help="speak a text aloud, or write the speech to a file (--out)")
    said.add_argument("text", help="what to say ('-': read it from standard input)")
    said.add_argument("--voice", default="", help="a voice's name or .onnx file (default: the demo's)")
    said.add_argument("--speed", type=float, default=1.0, help="0.25 to 4 (default 1)")
    said.add_argument("--out", metavar="FILE", help="write the speech here instead of playing it")
    said.add_argument("--format", choices=SPEECH_FORMATS,
                      help="the file's format (default: from --out's extension, else wav)")


def add_voices_parser(sub: Any) -> None:
    from chatapp.commands.models import SOURCE_HELP

    voices = sub.add_parser("voices", help="the speech models here, and more to download (whisper, Piper voices)")
    action = voices.add_subparsers(dest="voices_command", metavar="{download}")
    download = action.add_parser("download", help="download a speech model into the voice folder (verified)")
    download.add_argument("name")
    download.add_argument("--source", help=SOURCE_HELP)


def run_voices(args: argparse.Namespace, paths: AppPaths, stdout: TextIO, stderr: TextIO) -> int:
    from chatapp.core.storage.paths import resource_path
    from chatapp.voice import catalogue, models

    entries = catalogue.load_catalogue(resource_path("voice_catalogue.json"))
    if getattr(args, "voices_command", None) == "download":
        from chatapp.commands.models import source_client

        entry = next((e for e in entries if e.name.casefold() == args.name.strip().casefold()), None)
        if entry is None:
            raise KnownError(f"There is no speech model '{args.name}' to download "
                             f"(there are: {', '.join(e.name for e in entries)}).")
        source = source_client(args, paths).source

        def unverified(file: str) -> None:
            stderr.write(f"chatapp: {file} is unverified: {source.name} gives no checksum for it.\n")

        path = catalogue.download(entry, paths.data_dir, source, on_unverified=unverified)
        stdout.write(f"{path}\n")
        return 0
    installed = [*models.transcribers(paths.data_dir), *models.voices(paths.data_dir)]
    names = {m.name for m in installed}
    for model in installed:
        stdout.write(f"{model.name:<34} {model.kind:<12} {model.language or 'many':<6} installed\n")
    for entry in entries:
        if entry.name not in names:
            stdout.write(f"{entry.name:<34} {entry.kind:<12} {entry.languages:<6} {entry.size_mb} MB: "
                         f"chatapp voices download {entry.name}\n")
    return 0


def run_transcribe(args: argparse.Namespace, paths: AppPaths, stdout: TextIO) -> int:
    from chatapp.voice.audio import read_audio
    from chatapp.voice.formats import render
    from chatapp.voice.models import find_transcriber
    from chatapp.voice.transcriber import Transcriber

    file = Path(args.file)
    if not file.is_file():
        raise KnownError(f"There is no file {file}.")
    samples = read_audio(file)
    transcriber = Transcriber(find_transcriber(paths.data_dir, args.model), args.threads)
    body, _ = render(transcriber.transcribe(samples, args.language or None), args.format)
    stdout.write(body if body.endswith("\n") else body + "\n")
    return 0


def run_say(args: argparse.Namespace, paths: AppPaths, stdin: TextIO, stdout: TextIO) -> int:
    from chatapp.voice.models import find_voice
    from chatapp.voice.speakable import speakable
    from chatapp.voice.speaker import Speaker

    text = speakable(stdin.read() if args.text == "-" else args.text)
    if not text:
        raise KnownError("There is nothing to say: the text has no words in it.")
    speaker = Speaker(find_voice(paths.data_dir, args.voice))
    if args.out:
        from chatapp.voice.audio import encode, write_audio_file

        fmt = args.format or _format_of(Path(args.out))
        write_audio_file(Path(args.out), encode(speaker.speak_all(text, args.speed), speaker.sample_rate, fmt))
        stdout.write(f"{args.out}\n")
        return 0
    from chatapp.voice.devices import NoSoundLibrary
    from chatapp.voice.playback import NoOutput, play_sentences

    try:
        play_sentences(speaker.speak(text, args.speed), speaker.sample_rate)
    except NoOutput as exc:
        raise KnownError(f"No sound output device can be used here ({exc.values['reason']}); write the speech to "
                         "a file instead: chatapp say TEXT --out speech.wav") from exc
    except NoSoundLibrary as exc:
        raise KnownError(f"{exc} Or write the speech to a file instead: chatapp say TEXT --out speech.wav") from exc
    return 0


def _format_of(path: Path) -> str:
    from chatapp.voice.audio import SPEECH_FORMATS

    suffix = path.suffix.lower().lstrip(".")
    suffix = {"ogg": "opus", "m4a": "aac", "raw": "pcm"}.get(suffix, suffix)
    return suffix if suffix in SPEECH_FORMATS else "wav"
