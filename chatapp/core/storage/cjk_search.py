"""Full-text search that finds Chinese, Japanese and Korean words anywhere in a sentence.

SQLite FTS5's `unicode61` tokenizer splits on spaces and punctuation only, so a run of Han characters
between two commas is one token: 语言模型 is not found in 大语言模型是具有数十亿参数的深度学习模型, and
neither is `python` in 用python写. The `trigram` tokenizer finds substrings but not queries under three
characters, and the commonest Chinese words have two (显存, 量化, 模型).

So the indexed text is the message with a zero-width space around every CJK character: each CJK
character becomes a token of its own, and a CJK word is searched as a phrase of its characters, which
matches it anywhere, at any length from one character. Latin words keep unicode61's tokens, prefix
matching ("pyth" finds Python) and BM25 ranking. (Measured in docs/benchmarks.md: 10,000 Chinese
messages search about as fast as 10,000 English ones.) The same functions serve document search.
"""

from __future__ import annotations

import re

ZWSP = "\u200b"  # not a letter or digit to unicode61, so it separates tokens; invisible if it leaks
_CJK_RANGES = (
    "\u1100-\u11ff"  # Hangul Jamo
    "\u2e80-\u2fdf"  # CJK radicals, Kangxi radicals
    "\u3040-\u30ff"  # Hiragana, Katakana
    "\u3100-\u312f\u3130-\u318f\u31a0-\u31bf\u31f0-\u31ff"  # Bopomofo, Hangul compatibility, Katakana ext.
    "\u3400-\u4dbf\u4e00-\u9fff"  # CJK unified ideographs (+ ext. A)
    "\ua960-\ua97f\uac00-\ud7af\ud7b0-\ud7ff"  # Hangul
    "\uf900-\ufaff"  # CJK compatibility ideographs
    "\uff66-\uff9f"  # half-width Katakana
    "\U00020000-\U0003134f"  # CJK extensions B–G
)
CJK_CHAR = re.compile(f"[{_CJK_RANGES}]")
_WORDLIKE = re.compile(rf"[\w{_CJK_RANGES}]")


def searchable(text: str) -> str:
    """The text as it is indexed: every CJK character set apart by zero-width spaces."""
    return CJK_CHAR.sub(lambda m: f"{ZWSP}{m.group(0)}{ZWSP}", text)


def has_cjk(text: str) -> bool:
    return CJK_CHAR.search(text) is not None


def match_expression(query: str) -> str | None:
    """An FTS5 MATCH expression: every word of `query` must occur; a CJK word as the phrase of its
    characters, a Latin word as a prefix. None when the query has nothing to search for."""
    phrases = []
    for word in query.split():
        if not _WORDLIKE.search(word):
            continue  # punctuation alone: no token to look for
        phrases.append('"' + searchable(word).replace('"', '""') + '"*')
    return " ".join(phrases) or None


def readable(highlighted: str) -> str:
    """FTS5 `highlight()` output of indexed text, back as the user wrote it: the zero-width spaces
    removed and the highlights of one phrase's characters ([[语]][[言]]) merged into one ([[语言]])."""
    return highlighted.replace(ZWSP, "").replace("]][[", "")


def snippet(highlighted: str, width: int = 90) -> str:
    """About `width` characters around the first hit of a readable highlighted text, with "…" where
    cut. Done here rather than by FTS5's `snippet()`, whose window counts tokens (a CJK character is
    one) and can end in the middle of a highlighted word."""
    text = " ".join(highlighted.split())
    first = text.find("[[")
    if first < 0 or len(text) <= width:
        return text
    start = max(0, first - width // 3)
    end = min(len(text), start + width)
    close = text.find("]]", first)
    end = max(end, close + 2)
    # Never cut a highlight in two, nor (in spaced scripts) a word.
    open_in_window = text.rfind("[[", start, end)
    if open_in_window > text.rfind("]]", start, end):
        end = text.find("]]", open_in_window) + 2
    if start > 0 and (space := text.rfind(" ", start - 15, start)) >= 0:
        start = space + 1
    if end < len(text) and (space := text.find(" ", end, end + 15)) >= 0:
        end = space
    return ("…" if start > 0 else "") + text[start:end] + ("…" if end < len(text) else "")
