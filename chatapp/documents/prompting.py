"""What a question asked "with documents" becomes in the prompt, and the sources shown under the reply.

The excerpts go into the user's message of this turn only (every chat template has a user role; not
all have a system role), numbered, each headed by its file name and page, followed by an instruction to
answer from them and cite the numbers. The stored conversation keeps the question as the user wrote
it; the reply's stats keep the sources, so the next turn is not weighed down by old excerpts.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chatapp.core.turns.turn import Augment
from chatapp.core.types import Message
from chatapp.documents.retrieval import Hit, Query

if TYPE_CHECKING:
    from chatapp.documents.collections import Documents

INSTRUCTION = (
    "Answer the question using the excerpts from the user's documents above when they are relevant, and cite "
    "them by number, like [1]. If the excerpts do not contain the answer, say so, then answer from what you know."
)


@dataclass(frozen=True)
class Source:
    number: int
    path: str
    page: int | None
    start: int
    end: int

    @property
    def label(self) -> str:
        name = Path(self.path).name
        return f"{name}, page {self.page}" if self.page is not None else name

    def to_dict(self) -> dict:
        return {"n": self.number, "path": self.path, "page": self.page, "start": self.start, "end": self.end}

    @classmethod
    def from_dict(cls, data: dict) -> Source:
        return cls(int(data["n"]), str(data["path"]), data.get("page"), int(data.get("start", 0)),
                   int(data.get("end", 0)))


def sources_of(hits: list[Hit]) -> list[Source]:
    return [Source(i, h.path, h.page, h.start, h.end) for i, h in enumerate(hits, start=1)]


def question_with_excerpts(question: str, hits: list[Hit], searched: str | None = None) -> str:
    """The user's message as the model sees it; the question alone when nothing was found. `searched`,
    when the search used more than the question (a follow-up searched with the earlier turns), is named
    in the heading, so the prompt preview and `--show-prompt` show what was looked for."""
    if not hits:
        return question
    blocks = [f"[{s.number}] {s.label}\n{h.text.strip()}" for s, h in zip(sources_of(hits), hits, strict=True)]
    excerpts = "\n\n".join(blocks)
    heading = ("Excerpts from the user's documents" if not searched or searched == question
               else f"Excerpts from the user's documents, found by searching for: {searched}")
    return f"{heading}:\n\n{excerpts}\n\n{INSTRUCTION}\n\nQuestion: {question}"


def excerpts_augment(documents: Documents, names: Sequence[str], top: int = 5) -> Augment:
    """A turn's augment step (core/turns): the last user message with the excerpts found for it, and
    the retrieval's figures and sources for the reply's stats. Used by `chatapp chat --docs` and the
    window alike."""
    chosen = list(names)

    def augment(messages: tuple[Message, ...]) -> tuple[tuple[Message, ...], dict[str, Any]]:
        if not messages or messages[-1].role != "user":
            return messages, {}
        question = messages[-1].content
        earlier = tuple(m.content for m in messages[:-1] if m.role == "user")
        found = documents.search(chosen, Query(question, earlier), top=top)
        searched = found.query.describe()
        extra = {"retrieval_ms": round(found.seconds * 1000, 1), "retrieved_chunks": len(found.hits),
                 "retrieval_query": searched, "sources": [s.to_dict() for s in sources_of(found.hits)]}
        # The message keeps its images (and anything else it carries); only its text gains the excerpts.
        sent = replace(messages[-1], content=question_with_excerpts(question, found.hits, searched))
        return (*messages[:-1], sent), extra

    return augment
