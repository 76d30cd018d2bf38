"""`chatapp chat`: chat in the terminal, one message per line on stdin (or `--prompt`), each turn run
and saved by the core turn runner (core/turns/runner.py), as the window's are."""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chatapp.commands import docs_chat, presets, speculation_options
from chatapp.core.errors import KnownError
from chatapp.core.storage.paths import AppPaths
from chatapp.core.types import (
    ChatTemplate,
    FinishReason,
    LoadOptions,
    Message,
    OutputFormat,
    SamplingParams,
    ToolCall,
    ToolSpec,
)

if TYPE_CHECKING:
    from chatapp.core.backends.protocol import ChatBackend
    from chatapp.core.storage.history import Conversation, HistoryStore, Project
    from chatapp.core.turns.record import HistoryRecord

log = logging.getLogger(__name__)


def add_parser(sub: Any) -> None:
    chat = sub.add_parser("chat", help="chat in the terminal (one message per line on stdin, or --prompt)")
    chat.add_argument("--model",
                      help="model file, library name, or 'demo'; with --server, the server's model name "
                           "(may be left out with a --project that names one)")
    chat.add_argument("--server", metavar="URL",
                      help="use a model on an OpenAI-compatible server (e.g. http://gpu-box:8080/v1)")
    chat.add_argument("--api-key", default=None, help="the --server's API key (or set CHATAPP_REMOTE_API_KEY)")
    chat.add_argument("--prompt", help="send this one message, print the reply, and exit")
    chat.add_argument("--system", help="system prompt")
    chat.add_argument("--preset", metavar="NAME", help="a preset's settings (chatapp presets lists them); flags "
                                                       "given beside it win")
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
    chat.add_argument("--image", action="append", metavar="FILE", default=[],
                      help="send this image (PNG, JPEG, GIF, BMP) with the first message (repeatable); the model "
                           "needs a vision projector")
    chat.add_argument("--audio", action="append", metavar="FILE", default=[],
                      help="send this recording (WAV, MP3, FLAC) with the first message (repeatable); the model "
                           "needs an audio projector (Ultravox, Qwen2-Audio, Voxtral…)")
    chat.add_argument("--mmproj", metavar="FILE",
                      help="the model's projector for images or audio (default: an mmproj-*.gguf beside the model)")
    speculation_options.add_arguments(chat)
    docs_chat.add_arguments(chat)
    shape = chat.add_mutually_exclusive_group()
    shape.add_argument("--json-schema", metavar="FILE",
                       help="answer with JSON matching this JSON schema, enforced token by token (stdout: the JSON)")
    shape.add_argument("--json", action="store_true", help="answer with a JSON object (any)")
    shape.add_argument("--grammar", metavar="FILE", help="answer in this GBNF grammar (llama.cpp's format)")
    chat.add_argument("--mcp-config", metavar="FILE",
                      help="use the tools of the MCP servers in this mcp.json ({\"mcpServers\": {...}}, as LM Studio, "
                           "Claude Desktop and Cursor write it)")
    chat.add_argument("--allow-tools", action="store_true",
                      help="run tool calls without asking (otherwise: asked on a terminal, refused in scripts)")
    chat.add_argument("--tool-choice", default="auto", metavar="auto|none|required|NAME",
                      help="whether the model must call a tool (required), a given one (NAME), or may (auto)")
    chat.add_argument("--show-thinking", action="store_true",
                      help="print a reasoning model's thinking (dimmed) before its answer; hidden by default")
    chat.add_argument("--stats", action="store_true", help="one JSON line of statistics per reply on stderr")
    chat.add_argument("--show-prompt", action="store_true", help="print the rendered prompt; generate nothing")
    chat.add_argument("--conversation", metavar="ID", help="continue a stored conversation (id or id prefix)")
    chat.add_argument("--project", metavar="NAME", help="start the chat in this project (its name or id prefix): "
                                                         "its instructions, preset, settings, documents and model")
    chat.add_argument("--no-history", action="store_true", help="do not save this chat")


def sampling(args: argparse.Namespace) -> SamplingParams:
    return SamplingParams(
        temperature=args.temperature, top_p=args.top_p, top_k=args.top_k, min_p=args.min_p,
        repeat_penalty=args.repeat_penalty, seed=args.seed, max_tokens=args.max_tokens,
    )


class TerminalPermission:
    """Asks on the terminal before a tool runs; with --allow-tools, never; without a terminal, refuses (and says so)."""

    def __init__(self, allow_all: bool, stdin: TextIO, stderr: TextIO) -> None:
        self.allow_all, self.stdin, self.stderr = allow_all, stdin, stderr

    def decide(self, call: ToolCall, spec: ToolSpec | None) -> str:
        if self.allow_all:
            return "allow"
        where = f" ({spec.source})" if spec is not None and spec.source else ""
        if not self.stdin.isatty():
            self.stderr.write(f"chatapp: not running {call.name}{where}: tools run only with --allow-tools when "
                              "there is no terminal to ask.\n")
            return "deny"
        self.stderr.write(f"Run {call.name}{where} with {call.arguments}? [y]es / [N]o / [a]lways: ")
        self.stderr.flush()
        answer = self.stdin.readline().strip().lower()
        return {"y": "allow", "yes": "allow", "a": "always", "always": "always"}.get(answer, "deny")


def run(args: argparse.Namespace, paths: AppPaths, stdin: TextIO, stdout: TextIO, stderr: TextIO) -> int:
    from chatapp.commands.history import open_history
    from chatapp.commands.terminal_sink import TerminalSink
    from chatapp.core.storage.history import to_engine_messages
    from chatapp.core.turns.record import HistoryRecord, NewConversation
    from chatapp.core.turns.runner import run_turn
    from chatapp.core.turns.turn import Turn

    if (args.conversation or args.project) and args.no_history:
        raise KnownError("--conversation and --project keep the chat in the history; drop --no-history.")
    store = None if args.no_history else open_history(paths, stderr)
    conversation = store.find_conversation(args.conversation) if store is not None and args.conversation else None
    project = _project(args, store, conversation)
    if project is not None:
        presets.apply_project(args, paths, project)
    elif args.preset:
        presets.apply_to_chat(args, paths)
    if not args.model:
        raise KnownError("chatapp chat needs --model (a file, a library name or 'demo'), or a --project that "
                         "names one.")
    params = sampling(args)
    output = output_format(args)
    system = args.system if args.system is not None else (conversation.system_prompt if conversation else "")
    path = store.active_path(conversation.id) if store is not None and conversation is not None else []
    history = to_engine_messages(system, path, store.images if store is not None else None)
    documents = docs_chat.open_for_chat(args, paths)
    from chatapp.core.images import read_image, read_recording

    # a file that is not an image or a recording fails before the model loads
    images = tuple(read_image(p) for p in args.image) + tuple(read_recording(p) for p in args.audio)

    if args.show_prompt:
        if args.prompt is None:
            raise KnownError("--show-prompt needs --prompt: the message to render.")
        question = _question(documents, args.prompt)
        _show_prompt(args, paths, [*history, dataclasses.replace(question, attachments=images)], stdout)
        return 0
    template = chat_template(args)
    backend, model_name = _backend(args, paths)
    tools = _tool_source(args, paths, stderr)
    record: HistoryRecord | None = None
    if store is not None:
        record = HistoryRecord(store, conversation, NewConversation(
            model=model_name, settings=params.to_dict(), system_prompt=system, template=args.template,
            project_id=project.id if project is not None else None))
    leaf = path[-1].id if path else None
    messages: Iterable[str] = [args.prompt] if args.prompt is not None else _stdin_lines(stdin, stderr)
    for text in messages:
        turn = Turn(tuple(history), params, user_text=text, user_images=images, parent_id=leaf,
                    augment=documents.augment if documents else None, output=output, tool_choice=args.tool_choice,
                    template=template)
        sent, images = images, ()  # the images go with the first message
        sink = TerminalSink(stdout, args.show_thinking, stderr)
        try:
            outcome = run_turn(turn, backend, sink, record, model=model_name, tools=tools,
                               permission=TerminalPermission(args.allow_tools, stdin, stderr))
        finally:
            sink.printer.finish()
        if record is not None and outcome.reply is not None:
            history = to_engine_messages(system, store.active_path(record.ensure_conversation().id), store.images) \
                if store is not None else history
        else:
            history += [Message("user", text, attachments=sent),
                        Message("assistant", outcome.text, thinking=outcome.thinking)]
        if tools is not None and "tool_round_limit" in outcome.stats_dict:
            stderr.write(f"chatapp: the model called tools {turn.max_rounds} rounds in a row; it was asked to "
                         "answer without them.\n")
        outcome.stats_dict["tool_calls"] = sink.calls
        if output is not None and outcome.stats is not None and outcome.stats.finish_reason in (
                FinishReason.LENGTH, FinishReason.CONTEXT_FULL):
            stderr.write("chatapp: the reply was cut off at the token limit, so it may be incomplete; raise "
                         "--max-tokens.\n")
        leaf = outcome.reply.id if outcome.reply is not None else leaf
        if documents:
            documents.print_sources(stdout)
        if args.stats and outcome.stats is not None:
            stderr.write(json.dumps(outcome.stats_dict) + "\n")
            stderr.flush()
    return 0


def _project(args: argparse.Namespace, store: HistoryStore | None, conversation: Conversation | None) -> Project | None:
    """--project, or the project of the --conversation continued (its settings apply as in the window)."""
    if store is None:
        return None
    if args.project:
        project = store.find_project(args.project)
        if conversation is not None and conversation.project_id != project.id:
            raise KnownError(f"The conversation {conversation.id[:8]} is not in the project '{project.name}'; "
                             "give one of the two.")
        return project
    if conversation is not None and conversation.project_id is not None:
        try:
            return store.project(conversation.project_id)
        except KnownError:
            return None
    return None


def chat_template(args: argparse.Namespace) -> ChatTemplate | None:
    """--template (a name or a file), or a preset's own template text."""
    from chatapp.core.runtime import templates

    if args.template == "custom" and getattr(args, "template_text", ""):
        return templates.custom(args.template_text)
    return templates.from_choice(args.template)


def output_format(args: argparse.Namespace) -> OutputFormat | None:
    """--json-schema FILE, --json or --grammar FILE (or a preset's schema) as an output format, checked
    before the model loads."""
    if args.json:
        return OutputFormat("json_object")
    if getattr(args, "schema_text", ""):
        output = OutputFormat("json_schema", args.schema_text, name="reply")
        from chatapp.core.runtime.grammar import to_gbnf

        to_gbnf(output)
        return output
    chosen = args.json_schema or args.grammar
    if not chosen:
        return None
    try:
        text = Path(chosen).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise KnownError(f"Cannot read {chosen}: {getattr(exc, 'strerror', None) or exc}.") from None
    output = OutputFormat("json_schema" if args.json_schema else "grammar", text, name=Path(chosen).stem)
    if output.is_json:
        from chatapp.core.runtime.grammar import to_gbnf

        to_gbnf(output)  # an invalid schema is one sentence naming the part, before the model loads
    return output


def _tool_source(args: argparse.Namespace, paths: AppPaths, stderr: TextIO) -> Any:
    """The tools of the servers in --mcp-config, started now (a server that cannot start is one line,
    and the chat goes on without it)."""
    if not args.mcp_config:
        if args.tool_choice != "auto":
            raise KnownError("--tool-choice needs tools: give --mcp-config FILE.")
        return None
    from chatapp.core.tools.mcp_client import McpTools
    from chatapp.core.tools.mcp_config import load

    servers = load(Path(args.mcp_config))
    if not servers:
        raise KnownError(f"{args.mcp_config} lists no MCP servers.")
    tools = McpTools(servers, paths.log_file.with_name("mcp-servers.log"))
    for problem in tools.start().values():
        stderr.write(f"chatapp: {problem}\n")
    names = [s.name for s in tools.specs()]
    if args.tool_choice not in ("auto", "none", "required") and args.tool_choice not in names:
        tools.close()
        raise KnownError(f"--tool-choice {args.tool_choice}: no such tool (the servers offer: "
                         f"{', '.join(names) or 'none'}).")
    import atexit

    atexit.register(tools.close)
    return tools


def _question(documents: docs_chat.DocsForChat | None, text: str) -> Message:
    return documents.question(text) if documents else Message("user", text)


def _backend(args: argparse.Namespace, paths: AppPaths) -> tuple[ChatBackend, str]:
    """The local engine with the model loaded, or a model on a server (checked now, in one sentence)."""
    if args.server:
        from chatapp.core.backends.remote import RemoteChat

        if args.draft_model:
            raise KnownError("--draft-model works with local models only; a --server decodes on its own.")
        remote = RemoteChat(args.server, args.model, args.api_key or os.environ.get("CHATAPP_REMOTE_API_KEY"))
        remote.check()
        return remote, remote.label
    engine = _load_engine(args, paths)
    assert engine.summary is not None
    return engine, engine.summary.name


def _load_engine(args: argparse.Namespace, paths: AppPaths) -> Any:
    from chatapp.core.models.library import resolve_model
    from chatapp.core.runtime.engine import Engine
    from chatapp.core.storage.settings import load_settings

    extra = [Path(f) for f in load_settings(paths.settings_file).extra_model_dirs]
    engine = Engine()
    summary = engine.load(resolve_model(args.model, paths.models_dir, extra),
                          LoadOptions(n_ctx=args.ctx, n_threads=args.threads, n_gpu_layers=args.gpu_layers,
                                      mmproj=args.mmproj))
    speculation_options.apply(engine, args, paths, extra)
    if summary.template_note:
        log.info("template: %s (%s)", summary.template_name, summary.template_note)
    return engine


def _show_prompt(args: argparse.Namespace, paths: AppPaths, messages: list[Message], stdout: TextIO) -> None:
    """What the model would be sent: the rendered prompt, or (a server renders its own) the messages."""
    if args.server:
        sent = [{"role": m.role, "content": m.content} for m in messages]
        stdout.write(json.dumps(sent, ensure_ascii=False, indent=2) + "\n")
        return

    template = chat_template(args)  # a bad one fails before the model loads
    engine = _load_engine(args, paths)
    stdout.write(engine.readable(engine.render(messages, template)))
    stdout.flush()


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
