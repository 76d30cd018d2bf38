"""The `chatapp` command: the GUI by default, headless subcommands for terminals and scripts.

Argument parsing and dispatch only; each subcommand lives in `chatapp/commands/`. Errors the user can
fix print one line on stderr and exit 1; usage errors exit 2 (argparse).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from chatapp import __version__
from chatapp.commands import chat, docs, history, launch, models, presets, serve, voice
from chatapp.core.errors import KnownError
from chatapp.core.storage.paths import AppPaths, default_paths


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatapp", description="Chat with a local GGUF model, privately and offline."
    )
    parser.add_argument("--version", action="version", version=f"chatapp {__version__}")
    parser.add_argument("--model", help="model file, library name, or 'demo' (opens the window)")
    parser.add_argument("--minimized", action="store_true",
                        help="start in the tray, serving (as 'Start when I log in' does); the window opens from there")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    chat.add_parser(sub)
    history.add_parser(sub)
    serve.add_parser(sub)
    launch.add_parser(sub)
    docs.add_parser(sub)
    models.add_parsers(sub)
    presets.add_parser(sub)
    voice.add_parsers(sub)
    voice.add_voices_parser(sub)
    return parser


def _utf8_console() -> None:
    """Read and write UTF-8 whatever the console or pipe says (Windows code pages included), so
    Chinese prompts and replies survive `chatapp chat` and `chatapp history` in any terminal."""
    for stream in (sys.stdin, sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        if reconfigure is not None and (getattr(stream, "encoding", "") or "").lower().replace("-", "") != "utf8":
            reconfigure(encoding="utf-8", errors="replace")


def main(argv: Sequence[str] | None = None) -> int:
    _utf8_console()
    argv = list(sys.argv[1:] if argv is None else argv)
    # What follows a bare `--` is another program's (`chatapp launch claude -- -p "…"`): argparse's
    # subcommands do not pass it through.
    passthrough = argv[argv.index("--") + 1:] if "--" in argv else []
    args = build_parser().parse_args(argv[:len(argv) - len(passthrough) - (1 if "--" in argv else 0)])
    args.passthrough = passthrough
    paths = default_paths()
    try:
        paths.ensure()
        from chatapp.core.storage.logs import setup_logging

        setup_logging(paths.log_file)
        return dispatch(args, paths)
    except KnownError as exc:
        print(f"chatapp: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def dispatch(args: argparse.Namespace, paths: AppPaths) -> int:
    out, err = sys.stdout, sys.stderr
    if args.command == "chat":
        return chat.run(args, paths, sys.stdin, out, err)
    if args.command == "history":
        return history.run(args, paths, out, err)
    if args.command == "serve":
        return serve.run(args, paths, out, err)
    if args.command == "launch":
        return launch.run(args, paths, out, err)
    if args.command == "docs":
        return docs.run(args, paths, out, err)
    if args.command == "search":
        return models.run_search(args, paths, out)
    if args.command == "download":
        return models.run_download(args, paths, out, err)
    if args.command == "presets":
        return presets.run(args, paths, out)
    if args.command == "models":
        return models.run_models(args, paths, out)
    if args.command == "transcribe":
        return voice.run_transcribe(args, paths, out)
    if args.command == "say":
        return voice.run_say(args, paths, sys.stdin, out)
    if args.command == "voices":
        return voice.run_voices(args, paths, out, err)
    from chatapp.app import run

    return run(args.model, paths, minimized=args.minimized)
