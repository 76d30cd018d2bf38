"""`chatapp history search QUERY [--json]`: the window's history search, from a terminal.

Prints one hit per line, `<short id>  <title>  <role>: <snippet>`, hits in bold on a terminal (or
between [[ ]] when piped); `--json` prints a list of objects for scripts.
"""

from __future__ import annotations

import argparse
import json
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from chatapp.core.storage.history import HistoryStore

BOLD, RESET = "\033[1m", "\033[0m"


def add_parser(history_actions: Any) -> None:
    search = history_actions.add_parser("search", help="find messages in all stored chats (Chinese words too)")
    search.add_argument("query", nargs="+", help="words to find; every word must occur")
    search.add_argument("--limit", type=int, default=50, help="at most this many hits (default 50)")
    search.add_argument("--json", action="store_true", help="print the hits as JSON")


def run(args: argparse.Namespace, store: HistoryStore, stdout: TextIO) -> int:
    """Exit status 0 with hits, 1 without (like grep), so scripts can test for a match."""
    query = " ".join(args.query)
    hits = store.search(query, limit=args.limit)
    if args.json:
        stdout.write(json.dumps([
            {"conversation_id": h.conversation_id, "title": h.conversation_title, "message_id": h.message_id,
             "role": h.role, "snippet": h.snippet}
            for h in hits
        ], ensure_ascii=False, indent=2) + "\n")
        return 0 if hits else 1
    if not hits:
        stdout.write(f"No messages match '{query}'.\n")
        return 1
    bold = stdout.isatty()
    for h in hits:
        snippet = h.snippet.replace("[[", BOLD).replace("]]", RESET) if bold else h.snippet
        stdout.write(f"{h.conversation_id[:8]}  {h.conversation_title}  {h.role}: {snippet}\n")
    return 0
