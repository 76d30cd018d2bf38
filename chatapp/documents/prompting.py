"""What a question asked "with documents" becomes in the prompt, and the sources shown under the reply.

The excerpts go into the user's message of this turn only (every chat template has a user role; not
all have a system role), numbered, each headed by its file name and page, followed by an instruction to
answer from them and cite the numbers. The stored conversation keeps the question as the user wrote
it; the reply's stats keep the sources, so the next turn is not weighed down by old excerpts.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from chatapp.documents.retrieval import Hit

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


def question_with_excerpts(question: str, hits: list[Hit]) -> str:
    """The user's message as the model sees it; the question alone when nothing was found."""
    if not hits:
        return question
    blocks = [f"[{s.number}] {s.label}\n{h.text.strip()}" for s, h in zip(sources_of(hits), hits, strict=True)]
    excerpts = "\n\n".join(blocks)
    return f"Excerpts from the user's documents:\n\n{excerpts}\n\n{INSTRUCTION}\n\nQuestion: {question}"
