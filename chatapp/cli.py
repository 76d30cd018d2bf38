"""The `chatapp` command: the GUI by default, headless subcommands for terminals and scripts.

Errors the user can fix print one line on stderr and exit 1; usage errors exit 2 (argparse).
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from chatapp import __version__
from chatapp.commands import docs, docs_chat, history_search, serve, speculation_options
from chatapp.commands.reply_printer import ReplyPrinter
from chatapp.core.errors import KnownError
from chatapp.core.storage.paths import AppPaths, default_paths
from chatapp.core.types import FinishReason, GenerationStats, LoadOptions, Message, SamplingParams

if TYPE_CHECKING:
    from chatapp.core.backends.protocol import ChatBackend
    from chatapp.core.models.downloads import DownloadProgress
    from chatapp.core.models.hub import RemoteModel
    from chatapp.core.storage.history import HistoryStore

log = logging.getLogger(__name__)
# A streaming reply is saved at least this often, so a crash loses at most this much of it.
PARTIAL_SAVE_INTERVAL_S = 1.0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="chatapp", description="Chat with a local GGUF model, privately and offline."
    )
    parser.add_argument("--version", action="version", version=f"chatapp {__version__}")
    parser.add_argument("--model", help="model file, library name, or 'demo' (opens the window)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    chat = sub.add_parser("chat", help="chat in the terminal (one message per line on stdin, or --prompt)")
    chat.add_argument("--model", required=True,
                      help="model file, library name, or 'demo'; with --server, the server's model name")
    chat.add_argument("--server", metavar="URL",
                      help="use a model on an OpenAI-compatible server (e.g. http://gpu-box:8080/v1)")
    chat.add_argument("--api-key", default=None, help="the --server's API key (or set CHATAPP_REMOTE_API_KEY)")
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
    speculation_options.add_arguments(chat)
    docs_chat.add_arguments(chat)
    chat.add_argument("--show-thinking", action="store_true",
                      help="print a reasoning model's thinking (dimmed) before its answer; hidden by default")
    chat.add_argument("--stats", action="store_true", help="one JSON line of statistics per reply on stderr")
    chat.add_argument("--show-prompt", action="store_true", help="print the rendered prompt; generate nothing")
    chat.add_argument("--conversation", metavar="ID", help="continue a stored conversation (id or id prefix)")
    chat.add_argument("--no-history", action="store_true", help="do not save this chat")

    hist = sub.add_parser("history", help="list, search, export or import stored conversations")
    hist_sub = hist.add_subparsers(dest="history_command", metavar="ACTION")
    hist_sub.add_parser("list", help="list conversations (the default)")
    export = hist_sub.add_parser("export", help="write a conversation as Markdown or JSON")
    export.add_argument("id", help="conversation id or id prefix")
    export.add_argument("--format", choices=("md", "json"), default="md")
    export.add_argument("--output", "-o", help="file to write (default: stdout)")
    export.add_argument("--with-thinking", action="store_true",
                        help="Markdown: include reasoning models' thinking (JSON always keeps it)")
    imp = hist_sub.add_parser("import", help="import a conversation exported as JSON")
    imp.add_argument("file")
    history_search.add_parser(hist_sub)

    serve.add_parser(sub)
    docs.add_parser(sub)

    search = sub.add_parser("search", help="search the Hugging Face Hub for GGUF models")
    search.add_argument("term", nargs="?", default="")
    search.add_argument("--limit", type=int, default=20)
    download = sub.add_parser("download", help="download a GGUF model into the library (verified)")
    download.add_argument("repo", help="e.g. Qwen/Qwen2.5-0.5B-Instruct-GGUF")
    which = download.add_mutually_exclusive_group()
    which.add_argument("--file", help="file name in the repo")
    which.add_argument("--quant", help="quantization, e.g. Q4_K_M")
    models = sub.add_parser("models", help="list the models in the library")
    folders = models.add_mutually_exclusive_group()
    folders.add_argument("--add-folder", metavar="DIR", help="also list (and open by name) the models in DIR")
    folders.add_argument("--remove-folder", metavar="DIR", help="stop using an extra folder")
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
    args = build_parser().parse_args(argv)
    paths = default_paths()
    try:
        paths.ensure()
        from chatapp.core.storage.logs import setup_logging

        setup_logging(paths.log_file)
        if args.command == "chat":
            return run_chat(args, paths, sys.stdin, sys.stdout, sys.stderr)
        if args.command == "history":
            return run_history(args, paths, sys.stdout, sys.stderr)
        if args.command == "serve":
            return serve.run(args, paths, sys.stdout, sys.stderr)
        if args.command == "docs":
            return docs.run(args, paths, sys.stdout, sys.stderr)
        if args.command == "search":
            return run_search(args, sys.stdout)
        if args.command == "download":
            return run_download(args, paths, sys.stdout, sys.stderr)
        if args.command == "models":
            return run_models(args, paths, sys.stdout)
        return run_gui(args.model, paths)
    except KnownError as exc:
        print(f"chatapp: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def run_gui(model: str | None, paths: AppPaths) -> int:
    from chatapp.app import run

    return run(model, paths)


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


def open_history(paths: AppPaths, stderr: TextIO) -> HistoryStore:
    from chatapp.core.storage.history import HistoryStore

    store = HistoryStore(paths.database)
    if store.notice:
        stderr.write(f"chatapp: {store.notice}\n")
    return store


def run_chat(args: argparse.Namespace, paths: AppPaths, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from chatapp.core.models.library import resolve_model
    from chatapp.core.runtime import templates
    from chatapp.core.runtime.engine import Engine
    from chatapp.core.storage.history import CANCELLED, COMPLETE, STREAMING, to_engine_messages

    params = _sampling(args)
    options = LoadOptions(n_ctx=args.ctx, n_threads=args.threads, n_gpu_layers=args.gpu_layers)
    template = templates.from_choice(args.template)
    from chatapp.core.storage.settings import load_settings

    store = None if (args.no_history or args.show_prompt) else open_history(paths, stderr)
    conversation = None
    if store is not None and args.conversation:
        conversation = store.find_conversation(args.conversation)
    elif args.conversation:
        raise KnownError("--conversation needs the history; drop --no-history.")
    system = args.system if args.system is not None else (conversation.system_prompt if conversation else "")
    history: list[Message] = [Message("system", system)] if system else []

    documents = docs_chat.open_for_chat(args, paths)
    backend: ChatBackend
    if args.server:
        from chatapp.core.backends.remote import RemoteChat

        if args.draft_model:
            raise KnownError("--draft-model works with local models only; a --server decodes on its own.")
        remote = RemoteChat(args.server, args.model, args.api_key or os.environ.get("CHATAPP_REMOTE_API_KEY"))
        if args.show_prompt:  # the server applies its own template: what is sent is the messages
            question = documents.question(args.prompt or "") if documents else Message("user", args.prompt or "")
            sent = [{"role": m.role, "content": m.content} for m in [*history, question]]
            stdout.write(json.dumps(sent, ensure_ascii=False, indent=2) + "\n")
            return 0
        remote.check()
        backend, model_name = remote, remote.label
    else:
        extra = [Path(f) for f in load_settings(paths.settings_file).extra_model_dirs]
        model_path = resolve_model(args.model, paths.models_dir, extra)
        engine = Engine()
        summary = engine.load(model_path, options, template)
        speculation_options.apply(engine, args, paths, extra)
        if summary.template_note and not args.show_prompt:
            log.info("template: %s (%s)", summary.template_name, summary.template_note)
        if args.show_prompt:
            if args.prompt is None:
                raise KnownError("--show-prompt needs --prompt: the message to render.")
            question = documents.question(args.prompt) if documents else Message("user", args.prompt)
            stdout.write(engine.render([*history, question]))
            stdout.flush()
            return 0
        backend, model_name = engine, summary.name

    leaf: str | None = None
    if store is not None and conversation is not None:
        path = store.active_path(conversation.id)
        history = to_engine_messages(system, path)
        leaf = path[-1].id if path else None

    messages: Iterable[str] = [args.prompt] if args.prompt is not None else _stdin_lines(stdin, stderr)
    for text in messages:
        if store is not None and conversation is None:
            conversation = store.create_conversation(
                model=model_name, settings=params.to_dict(), system_prompt=system, template=args.template
            )
        history.append(documents.question(text) if documents else Message("user", text))
        reply_id = None
        if store is not None and conversation is not None:
            leaf = store.add_message(conversation.id, "user", text, parent_id=leaf).id
            reply_id = store.add_message(
                conversation.id, "assistant", "", parent_id=leaf, status=STREAMING, model=model_name
            ).id
        reply, stats = _stream_reply(backend, history, params, stdout, store, reply_id, args.show_thinking)
        history[-1] = Message("user", text)  # excerpts from documents were for this turn only
        history.append(Message("assistant", reply))
        stats_dict = {**(stats.to_dict() if stats else {}), **(documents.last_stats if documents else {})}
        if documents:
            documents.print_sources(stdout)
        if store is not None and reply_id is not None:
            status = CANCELLED if stats and stats.finish_reason == FinishReason.CANCELLED else COMPLETE
            store.update_message(reply_id, content=reply, status=status, stats=stats_dict or None)
            leaf = reply_id
        if args.stats and stats is not None:
            stderr.write(json.dumps(stats_dict) + "\n")
            stderr.flush()
    return 0


def _stream_reply(
    engine: ChatBackend, history: list[Message], params: SamplingParams, stdout: TextIO,
    store: HistoryStore | None, reply_id: str | None, show_thinking: bool = False,
) -> tuple[str, GenerationStats | None]:
    """Print the reply as it streams, saving it to the store at intervals; Ctrl+C stops it. The whole
    reply, thinking included, is returned and stored; only the printing leaves thinking out."""
    stream = engine.chat(history, params)
    reply: list[str] = []
    printer = ReplyPrinter(stdout, show_thinking)
    last_save = time.monotonic()
    try:
        for piece in stream:
            reply.append(piece)
            printer.write(piece)
            if store is not None and reply_id is not None and time.monotonic() - last_save >= PARTIAL_SAVE_INTERVAL_S:
                store.update_message(reply_id, content="".join(reply))
                last_save = time.monotonic()
    except KeyboardInterrupt:
        engine.cancel.set()
        reply.extend(stream)  # drain: the engine records stats and the KV cache state
    printer.finish()
    return "".join(reply), stream.stats


def run_history(args: argparse.Namespace, paths: AppPaths, stdout: TextIO, stderr: TextIO) -> int:
    store = open_history(paths, stderr)
    action = args.history_command or "list"
    if action == "search":
        return history_search.run(args, store, stdout)
    if action == "list":
        for c in store.conversations(include_archived=True):
            when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.updated_at))
            flags = ("📌 " if c.pinned else "") + ("(archived) " if c.archived else "")
            stdout.write(f"{c.id[:8]}  {when}  {flags}{c.title}\n")
    elif action == "export":
        conv = store.find_conversation(args.id)
        text = (
            store.export_markdown(conv.id, args.with_thinking) if args.format == "md"
            else json.dumps(store.export_json(conv.id), indent=2, ensure_ascii=False) + "\n"
        )
        if args.output:
            Path(args.output).write_text(text, encoding="utf-8")
        else:
            stdout.write(text)
    elif action == "import":
        try:
            data = json.loads(Path(args.file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise KnownError(f"Cannot read {args.file} as a JSON conversation: {exc}.") from None
        conv = store.import_json(data)
        stdout.write(f"imported {conv.id[:8]}  {conv.title}\n")
    return 0


def run_search(args: argparse.Namespace, stdout: TextIO) -> int:
    from chatapp.core.models import hub

    results = hub.search(args.term, limit=args.limit)
    if not results:
        stdout.write(f"No GGUF repositories match '{args.term}'.\n")
    for r in results:
        updated = r.last_modified.strftime("%Y-%m-%d") if r.last_modified else "?"
        gated = "  (gated)" if r.gated else ""
        stdout.write(f"{r.repo_id:<60} {r.downloads:>10,} downloads {r.likes:>6,} likes  {updated}{gated}\n")
    return 0


def pick_model(models: Sequence[RemoteModel], repo: str, file: str | None, quant: str | None) -> RemoteModel:
    """The one model the user asked for: by file name, by quant, or the repo's only one."""
    if not models:
        raise KnownError(f"{repo} has no GGUF files.")
    if file:
        matches = [m for m in models if file in (m.name, *(f.path for f in m.files))]
    elif quant:
        matches = [m for m in models if m.quant.upper() == quant.upper()]
    else:
        matches = list(models) if len(models) == 1 else []
    if len(matches) != 1:
        choices = ", ".join(f"{m.name} ({m.quant})" for m in models)
        asked = f"file '{file}'" if file else f"quant '{quant}'" if quant else "a file"
        raise KnownError(f"Pick one with --file or --quant: no single match for {asked} in {repo}. "
                         f"Available: {choices}.")
    return matches[0]


def run_download(args: argparse.Namespace, paths: AppPaths, stdout: TextIO, stderr: TextIO) -> int:
    from chatapp.core.models import hub
    from chatapp.core.models.downloads import download_model
    from chatapp.core.models.library import human_size

    model = pick_model(hub.list_models(args.repo), args.repo, args.file, args.quant)
    interactive = stderr.isatty()

    def show(p: DownloadProgress) -> None:
        if not interactive:
            return
        pct = p.done / p.total * 100 if p.total else 100.0
        bar = "#" * int(pct / 4)
        eta = f"{p.eta_s:.0f}s" if p.eta_s is not None else "?"
        stderr.write(f"\r[{bar:<25}] {pct:5.1f}% {human_size(p.done)}/{human_size(p.total)} "
                     f"{human_size(p.speed_bps)}/s ETA {eta}   ")
        stderr.flush()

    def waiting(sentence: str) -> None:
        if interactive:
            stderr.write("\n")
        stderr.write(f"chatapp: {sentence} (Ctrl+C stops waiting.)\n")
        stderr.flush()

    try:
        path = download_model(model, paths.models_dir, progress=show, on_wait=waiting)
    finally:
        if interactive:
            stderr.write("\n")
    stdout.write(f"{path}\n")
    return 0


def run_models(args: argparse.Namespace, paths: AppPaths, stdout: TextIO) -> int:
    from chatapp.core.models.library import human_size, scan_library
    from chatapp.core.storage.settings import load_settings, save_settings

    settings = load_settings(paths.settings_file)
    folders = list(settings.extra_model_dirs)
    if args.add_folder:
        folder = Path(args.add_folder).expanduser().resolve()
        if not folder.is_dir():
            raise KnownError(f"{folder} is not a folder.")
        folders = [*dict.fromkeys([*folders, str(folder)])]
    elif args.remove_folder:
        folders = [f for f in folders if Path(f) != Path(args.remove_folder).expanduser().resolve()]
    if folders != list(settings.extra_model_dirs):
        save_settings(paths.settings_file, settings.with_changes(extra_model_dirs=tuple(folders)))
    models = scan_library([paths.models_dir, *(Path(f) for f in folders)])
    if not models:
        stdout.write(f"No models in {paths.models_dir}. Try `chatapp search` and `chatapp download`.\n")
    for m in models:
        if m.problem:
            stdout.write(f"{m.path.name:<50} {human_size(m.size):>9}  unusable: {m.problem}\n")
            continue
        template = "template" if m.has_template else "no template"
        stdout.write(f"{m.path.name:<50} {human_size(m.size):>9}  {m.architecture:<10} {m.parameter_label:>6} "
                     f"{m.quant:<7} ctx {m.context_length:<7} {template}\n")
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
