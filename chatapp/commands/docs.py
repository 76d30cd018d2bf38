"""`chatapp docs add|list|search|remove`: document collections from a terminal.

`add` creates a collection or re-scans it (only new and changed files are read) and prints what it
did; progress goes to stderr on a terminal. `search --json` prints a list of objects with `path`,
`page`, `text` and `score` (and where the chunk sits in the file) for scripts.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from chatapp.core.storage.paths import AppPaths

if TYPE_CHECKING:
    from chatapp.documents.collections import Documents
    from chatapp.documents.indexer import IndexProgress


def add_parser(sub: Any) -> None:
    docs = sub.add_parser("docs", help="index folders of documents and search them (chat with --docs NAME)")
    actions = docs.add_subparsers(dest="docs_command", metavar="ACTION")
    add = actions.add_parser("add", help="create a collection, or add folders to one and re-scan it")
    add.add_argument("name", help="collection name")
    add.add_argument("paths", nargs="*", metavar="FOLDER_OR_FILE",
                     help="folders and files to add (none: re-scan the collection's folders)")
    add.add_argument("--embedding-model", metavar="PATH|NAME",
                     help="GGUF embedding model (default: the built-in all-MiniLM-L6-v2)")
    actions.add_parser("list", help="list collections (the default)")
    search = actions.add_parser("search", help="find the passages that best match a query (keywords + meaning)")
    search.add_argument("name", help="collection name")
    search.add_argument("query", nargs="+")
    search.add_argument("--top", type=int, default=5, help="how many passages (default 5)")
    search.add_argument("--json", action="store_true", help="print the passages as JSON")
    remove = actions.add_parser("remove", help="delete a collection's index (your files are not touched)")
    remove.add_argument("name")


def run(args: argparse.Namespace, paths: AppPaths, stdout: TextIO, stderr: TextIO) -> int:
    from chatapp.documents.collections import Documents

    documents = Documents(paths)
    if documents.store.notice is not None:
        stderr.write(f"chatapp: {documents.store.notice}\n")
    try:
        action = args.docs_command or "list"
        if action == "add":
            return _add(args, documents, stdout, stderr)
        if action == "search":
            return _search(args, documents, stdout)
        if action == "remove":
            documents.remove(args.name)
            stdout.write(f"Removed collection '{args.name}' (the files themselves are untouched).\n")
            return 0
        return _list(documents, stdout)
    finally:
        documents.close()


def _add(args: argparse.Namespace, documents: Documents, stdout: TextIO, stderr: TextIO) -> int:
    interactive = stderr.isatty()

    def show(p: IndexProgress) -> None:
        if interactive:
            eta = f", about {p.eta_s:.0f} s left" if p.eta_s is not None else ""
            stderr.write(f"\r\033[K{p.files_done}/{p.files_total} files, {p.chunks_done} chunks{eta}  {p.current[:40]}")
            stderr.flush()

    cancel = threading.Event()
    try:
        if args.paths:
            report = documents.add(args.name, [Path(p) for p in args.paths], args.embedding_model, cancel, show)
        else:
            report = documents.rescan(args.name, cancel, show)
    except KeyboardInterrupt:
        stderr.write("\nStopped; what was indexed is kept. Run the same command again to go on.\n")
        return 130
    finally:
        if interactive:
            stderr.write("\r\033[K")
    stdout.write(f"{args.name}: {report.summary()}\n")
    for path, reason in report.failed:
        stderr.write(f"  unreadable: {path}: {reason}\n")
    return 0


def _search(args: argparse.Namespace, documents: Documents, stdout: TextIO) -> int:
    query = " ".join(args.query)
    result = documents.search([args.name], query, top=args.top)
    if args.json:
        stdout.write(json.dumps([h.to_dict() for h in result.hits], ensure_ascii=False, indent=2) + "\n")
        return 0 if result.hits else 1
    if not result.hits:
        stdout.write(f"Nothing in '{args.name}' matches '{query}'.\n")
        return 1
    for i, hit in enumerate(result.hits, start=1):
        where = f"{hit.path}" + (f", page {hit.page}" if hit.page is not None else "")
        text = " ".join(hit.text.split())
        stdout.write(f"[{i}] {where}  (score {hit.score:.4f})\n    {text[:300]}{'…' if len(text) > 300 else ''}\n")
    stdout.write(f"({result.seconds * 1000:.0f} ms)\n")
    return 0


def _list(documents: Documents, stdout: TextIO) -> int:
    collections = documents.collections()
    if not collections:
        stdout.write("No document collections yet. Create one with: chatapp docs add NAME FOLDER\n")
    for c in collections:
        when = time.strftime("%Y-%m-%d %H:%M", time.localtime(c.indexed_at)) if c.indexed_at else "not finished"
        model = Path(c.embedding_model).name
        stdout.write(f"{c.name:<24} {c.files:>6} files {c.chunks:>8} chunks  indexed {when}  model {model}\n")
        for root in c.roots:
            stdout.write(f"    {root}\n")
    return 0
