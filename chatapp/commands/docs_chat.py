"""`chatapp chat --docs NAME`: each question answered with excerpts from a document collection.

The question goes to the model with the excerpts (`documents.prompting`); the conversation keeps the
question alone. After the reply a `Sources:` block names each file (and page) that was given to the
model, and the reply's stats record the sources, the retrieval time and the chunk count.
"""

from __future__ import annotations

import argparse
from typing import Any, TextIO

from chatapp.core.storage.paths import AppPaths
from chatapp.core.types import Message


def add_arguments(chat: argparse.ArgumentParser) -> None:
    chat.add_argument("--docs", action="append", metavar="NAME",
                      help="answer from this document collection (repeatable); see `chatapp docs`")
    chat.add_argument("--docs-top", type=int, default=5, metavar="N", help="excerpts per question (default 5)")


class DocsForChat:
    def __init__(self, names: list[str], paths: AppPaths, top: int) -> None:
        from chatapp.documents.collections import Documents
        from chatapp.documents.prompting import excerpts_augment

        self.documents = Documents(paths)
        for name in names:
            self.documents.find(name)  # an unknown name fails before the model loads
        self._augment = excerpts_augment(self.documents, names, top)
        self.last_stats: dict[str, Any] = {}

    def augment(self, messages: tuple[Message, ...]) -> tuple[tuple[Message, ...], dict[str, Any]]:
        """The turn's augment step: the question with its excerpts (the history keeps the question alone)."""
        messages, self.last_stats = self._augment(messages)
        return messages, self.last_stats

    def question(self, text: str) -> Message:
        """The user's message as sent to the model, with the excerpts found for `text`."""
        return self.augment((Message("user", text),))[0][-1]

    def print_sources(self, stdout: TextIO) -> None:
        from chatapp.documents.prompting import Source

        sources = [Source.from_dict(s) for s in self.last_stats.get("sources", [])]
        if not sources:
            stdout.write("Sources: nothing in the collection matched this question.\n")
            return
        stdout.write("Sources:\n")
        for source in sources:
            stdout.write(f"  [{source.number}] {source.label}  ({source.path})\n")
        stdout.flush()

    def close(self) -> None:
        self.documents.close()


def open_for_chat(args: argparse.Namespace, paths: AppPaths) -> DocsForChat | None:
    return DocsForChat(list(args.docs), paths, args.docs_top) if args.docs else None
