"""What of a reply is read aloud: its words, not its Markdown. Code blocks are left out (said as "code
block" once), inline code keeps its text, links their text, emphasis, headings, list and quote marks
and tables their words; thinking is never read. And a growing reply split into sentences, so speech
can start before the reply ends."""

from __future__ import annotations

import re

from chatapp.core.reasoning import CLOSE, OPEN

_FENCE_LINE = re.compile(r"^[ \t]*(```|~~~)", re.M)  # a line opening or closing a code block
_FENCE = re.compile(r"^\s*(```|~~~).*?(^\s*\1\s*$|\Z)", re.S | re.M)
_THINKING = re.compile(re.escape(OPEN) + r".*?(" + re.escape(CLOSE) + r"|\Z)", re.S)
_LINK = re.compile(r"!?\[([^\]]*)\]\([^)]*\)")
_URL = re.compile(r"https?://\S+")
_INLINE_CODE = re.compile(r"`([^`]*)`")
_EMPHASIS = re.compile(r"(\*\*|__|\*|_|~~)(?=\S)(.+?)(?<=\S)\1")
_LINE_MARK = re.compile(r"^\s{0,3}(#{1,6}\s+|>\s?|[-*+]\s+|\d+[.)]\s+)", re.M)
_TABLE_RULE = re.compile(r"^\s*\|?\s*:?-{3,}.*$", re.M)
_SPACES = re.compile(r"[ \t]+")
# A sentence ends at . ! ? … (and their full-width forms, which need no space after them) or a blank line.
_SENTENCE_END = re.compile(r"(?<=[.!?…])[\"')\]]*\s+|(?<=[。！？；])[”’」』）]*|\n\s*\n")


def speakable(text: str, code_block: str = "code block") -> str:
    """The words of a Markdown reply, as a voice should say them."""
    text = _THINKING.sub(" ", text)
    text = _FENCE.sub(lambda m: f"\n{code_block}.\n" if code_block else "\n", text)
    text = _LINK.sub(r"\1", text)
    text = _URL.sub("", text)
    text = _INLINE_CODE.sub(r"\1", text)
    text = _EMPHASIS.sub(r"\2", text)
    text = _TABLE_RULE.sub("", text)
    text = _LINE_MARK.sub("", text)
    text = text.replace("|", " ")
    lines = [_SPACES.sub(" ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


class SentenceSplitter:
    """Fed a reply as it grows, gives back each sentence once it is complete (`flush`: the rest). A code
    block is never split: it comes whole, so `speakable` says it as "code block" and no line of it."""

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> list[str]:
        self._pending += text
        sentences = []
        while (end := self._next_end()) is not None:
            sentence, self._pending = self._pending[:end], self._pending[end:]
            if sentence.strip():
                sentences.append(sentence.strip())
        return sentences

    def _next_end(self) -> int | None:
        """Where the first complete sentence pending ends: before any code block, else at the end of the
        first block's closing line (a block still open holds back all that follows its start)."""
        fences = [m.start() for m in _FENCE_LINE.finditer(self._pending)]
        match = _SENTENCE_END.search(self._pending, 0, fences[0] if fences else len(self._pending))
        if match is not None:
            return match.end()
        closing_line_end = self._pending.find("\n", fences[1]) if len(fences) > 1 else -1
        return closing_line_end + 1 if closing_line_end >= 0 else None

    def flush(self) -> list[str]:
        rest, self._pending = self._pending.strip(), ""
        return [rest] if rest else []
