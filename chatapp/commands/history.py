"""`chatapp history list|export|import|search`: stored conversations from a terminal."""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chatapp.commands import history_search
from chatapp.core.errors import KnownError
from chatapp.core.storage.paths import AppPaths

if TYPE_CHECKING:
    from chatapp.core.storage.history import HistoryStore


def add_parser(sub: Any) -> None:
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


def open_history(paths: AppPaths, stderr: TextIO) -> HistoryStore:
    from chatapp.core.storage.history import HistoryStore

    store = HistoryStore(paths.database)
    if store.notice:
        stderr.write(f"chatapp: {store.notice}\n")
    return store


def run(args: argparse.Namespace, paths: AppPaths, stdout: TextIO, stderr: TextIO) -> int:
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
