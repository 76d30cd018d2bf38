"""Cut a document into passages that follow its text, sized in the embedding model's own tokens.

Sentences are the units (a sentence longer than the budget is cut at words, then characters). Units
are packed into a chunk up to the token budget; a chunk that is at least half full ends at the last
paragraph or heading break rather than mid-paragraph, and the next chunk starts with the last sentences
of the previous one up to the overlap, so a sentence near a cut is found from either side. Every chunk
keeps its page and its character range in that page's text, so a source can be shown exactly.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from chatapp.documents.readers import Section

DEFAULT_MAX_TOKENS = 200  # all-MiniLM-L6-v2 was trained on 256-token inputs; room for [CLS]/[SEP] and prefixes
DEFAULT_OVERLAP_TOKENS = 30

_PARAGRAPH_BREAK = re.compile(r"\n[ \t]*\n+")
_HEADING = re.compile(r"^(#{1,6} |\S.*\n[=-]{3,}$)", re.MULTILINE)
_SENTENCE_END = re.compile(r"(?<=[.!?。！？；;])\s*")


@dataclass(frozen=True)
class Chunk:
    text: str
    page: int | None
    start: int  # character offsets in the page's (or file's) text
    end: int


@dataclass(frozen=True)
class _Unit:
    start: int
    end: int
    tokens: int
    opens_paragraph: bool = False


def chunk_sections(
    sections: Iterable[Section],
    count_tokens: Callable[[str], int],
    max_tokens: int = DEFAULT_MAX_TOKENS,
    overlap_tokens: int = DEFAULT_OVERLAP_TOKENS,
) -> list[Chunk]:
    chunks: list[Chunk] = []
    for section in sections:
        units = list(_units(section.text, count_tokens, max_tokens))
        for first, last in _pack(units, max_tokens, overlap_tokens):
            start, end = units[first].start, units[last].end
            chunks.append(Chunk(section.text[start:end], section.page, start, end))
    return chunks


def headings(sections: Iterable[Section], limit: int = 50) -> list[str]:
    """The document's headings (Markdown `#` lines and underlined titles; Word and HTML headings are read
    as Markdown), the first `limit` of them: searched with the file's name."""
    found: list[str] = []
    for section in sections:
        for match in _HEADING.finditer(section.text):
            end = section.text.find("\n", match.start())
            found.append(section.text[match.start():end if end >= 0 else None].lstrip("#").strip())
            if len(found) >= limit:
                return found
    return found


def _units(text: str, count_tokens: Callable[[str], int], max_tokens: int) -> Iterable[_Unit]:
    """Sentences (or lines), each no longer than the budget, the first of each paragraph marked."""
    for start, end in _split(text, _PARAGRAPH_BREAK, 0, len(text)):
        for h_start, h_end in _split_at_headings(text, start, end):
            first = True
            for line_start, line_end in _split(text, _LINE, h_start, h_end):
                for s_start, s_end in _split(text, _SENTENCE_END, line_start, line_end):
                    for unit in _fit(text, s_start, s_end, count_tokens, max_tokens, level=0):
                        yield _Unit(unit.start, unit.end, unit.tokens, first)
                        first = False


def _split(text: str, separator: re.Pattern[str], start: int, end: int) -> Iterable[tuple[int, int]]:
    """Non-blank stretches of text[start:end] between separator matches, trimmed of spaces."""
    pos = start
    for match in separator.finditer(text, start, end):
        yield from _trimmed(text, pos, match.start())
        pos = match.end()
    yield from _trimmed(text, pos, end)


def _trimmed(text: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if start < end:
        yield start, end


def _split_at_headings(text: str, start: int, end: int) -> Iterable[tuple[int, int]]:
    """A Markdown heading glued to the paragraph under it still starts a new unit."""
    cuts = [m.start() for m in _HEADING.finditer(text, start, end) if m.start() > start]
    bounds = [start, *cuts, end]
    for a, b in itertools.pairwise(bounds):
        yield from _trimmed(text, a, b)


_LINE = re.compile(r"\n")
_FINER = (re.compile(r"\s+"),)


def _fit(text: str, start: int, end: int, count_tokens: Callable[[str], int], max_tokens: int,
         level: int) -> Iterable[_Unit]:
    tokens = count_tokens(text[start:end])
    if tokens <= max_tokens:
        yield _Unit(start, end, tokens)
        return
    if level < len(_FINER):
        pieces = list(_split(text, _FINER[level], start, end))
        if len(pieces) > 1:
            for a, b in pieces:
                yield from _fit(text, a, b, count_tokens, max_tokens, level + 1)
            return
        yield from _fit(text, start, end, count_tokens, max_tokens, level + 1)
        return
    # One "word" longer than the budget (a URL, a base64 blob, a line of CJK text): cut by characters.
    step = max(1, (end - start) * max_tokens // tokens)
    for a in range(start, end, step):
        b = min(end, a + step)
        yield _Unit(a, b, count_tokens(text[a:b]))


def _pack(units: list[_Unit], max_tokens: int, overlap_tokens: int) -> Iterable[tuple[int, int]]:
    """(first, last) unit indexes of each chunk."""
    first = 0
    while first < len(units):
        total, last = units[first].tokens, first
        while last + 1 < len(units) and total + units[last + 1].tokens <= max_tokens:
            last += 1
            total += units[last].tokens
        if last + 1 < len(units) and not units[last + 1].opens_paragraph:
            # Rather end at a paragraph break, if that keeps the chunk at least half full.
            used = total
            for cut in range(last, first, -1):
                used -= units[cut].tokens
                if used < max_tokens // 2:
                    break
                if units[cut].opens_paragraph:
                    last = cut - 1
                    break
        yield first, last
        if last + 1 >= len(units):
            return
        # Step back over trailing units that fit in the overlap, but always move forward.
        nxt, carried = last + 1, 0
        while nxt - 1 > first and carried + units[nxt - 1].tokens <= overlap_tokens:
            nxt -= 1
            carried += units[nxt].tokens
        first = nxt
