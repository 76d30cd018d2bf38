"""The `chatapp` command: the GUI by default, headless subcommands for terminals and scripts.

Errors the user can fix print one line on stderr and exit 1; usage errors exit 2 (argparse).
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from collections.abc import Iterable, Sequence
from typing import TextIO

from chatapp import __version__
from chatapp.core.errors import KnownError
from chatapp.core.paths import AppPaths, default_paths
from chatapp.core.types import LoadOptions, Message, SamplingParams

log = logging.getLogger(__name__)
SUBCOMMANDS = ("chat",)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatapp", description="Chat with a local GGUF model, privately and offline."
    )
    parser.add_argument("--version", action="version", version=f"chatapp {__version__}")
    parser.add_argument("--model", help="model file, library name, or 'demo' (opens the window)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = sub.add_parser("chat", help="chat in the terminal (one message per line on stdin, or --prompt)")
    chat.add_argument("--model", required=True, help="model file, library name, or 'demo'")
    chat.add_argument("--prompt", help="send this one message, print the reply, and exit")
    chat.add_argument("--system", help="system prompt")
    chat.add_argument("--template", default="auto", help="auto, a preset name, or a Jinja template file")
    defaults = SamplingParams()
    chat.add_argument("--temperature", type=float, default=defaults.temperature)
    chat.add_argument("--top-p", type=float, default=defaults.top_p)
    chat.add_argument("--top-k", type=int, default=defaults.top_k)
    chat.add_argument("--min-p", type=float, default=defaults.min_p)
    chat.add_argument("--repeat-penalty", type=float, default=defaults.repeat_penalty)
    chat.add_argument("--seed", type=int, default=defaults.seed, help="-1 for a new seed each reply")
    chat.add_argument("--max-tokens", type=int, default=defaults.max_tokens)
    chat.add_argument("--ctx", type=int, help="context size in tokens (default: from the model and RAM)")
    chat.add_argument("--threads", type=int, help="CPU threads (default: physical cores)")
    chat.add_argument("--gpu-layers", type=int, help="layers to offload (-1 all; default: all if a GPU is usable)")
    chat.add_argument("--stats", action="store_true", help="one JSON line of statistics per reply on stderr")
    chat.add_argument("--show-prompt", action="store_true", help="print the rendered prompt; generate nothing")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    paths = default_paths()
    try:
        paths.ensure()
        from chatapp.core.logs import setup_logging

        setup_logging(paths.log_file)
        if args.command == "chat":
            return run_chat(args, paths, sys.stdin, sys.stdout, sys.stderr)
        return run_gui(args.model)
    except KnownError as exc:
        print(f"chatapp: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run_gui(model: str | None) -> int:
    print("chatapp: the desktop window is not available in this build yet; use `chatapp chat`.", file=sys.stderr)
    return 2


def _sampling(args: argparse.Namespace) -> SamplingParams:
    return SamplingParams(
        temperature=args.temperature,
        top_p=args.top_p,
        top_k=args.top_k,
        min_p=args.min_p,
        repeat_penalty=args.repeat_penalty,
        seed=args.seed,
        max_tokens=args.max_tokens,
    )


def run_chat(args: argparse.Namespace, paths: AppPaths, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from chatapp.core import templates
    from chatapp.core.engine import Engine
    from chatapp.core.library import resolve_model

    params = _sampling(args)
    options = LoadOptions(n_ctx=args.ctx, n_threads=args.threads, n_gpu_layers=args.gpu_layers)
    template = templates.from_choice(args.template)
    model_path = resolve_model(args.model, paths.models_dir)
    engine = Engine()
    summary = engine.load(model_path, options, template)
    if summary.template_note and not args.show_prompt:
        log.info("template: %s (%s)", summary.template_name, summary.template_note)
    history: list[Message] = [Message("system", args.system)] if args.system else []

    if args.show_prompt:
        if args.prompt is None:
            raise KnownError("--show-prompt needs --prompt: the message to render.")
        stdout.write(engine.render([*history, Message("user", args.prompt)]))
        stdout.flush()
        return 0

    messages: Iterable[str] = [args.prompt] if args.prompt is not None else _stdin_lines(stdin, stderr)
    for text in messages:
        history.append(Message("user", text))
        stream = engine.chat(history, params)
        reply = []
        try:
            for piece in stream:
                reply.append(piece)
                stdout.write(piece)
                stdout.flush()
        except KeyboardInterrupt:
            engine.cancel.set()
            for piece in stream:  # drain: the engine records stats and the KV cache state
                reply.append(piece)
        stdout.write("\n")
        stdout.flush()
        history.append(Message("assistant", "".join(reply)))
        if args.stats and stream.stats is not None:
            stderr.write(json.dumps(stream.stats.to_dict()) + "\n")
            stderr.flush()
    return 0


def _stdin_lines(stdin: TextIO, stderr: TextIO) -> Iterable[str]:
    interactive = stdin.isatty()
    while True:
        if interactive:
            stderr.write("> ")
            stderr.flush()
        line = stdin.readline()
        if not line:
            return
        text = line.rstrip("\n")
        if text.strip():
            yield text
