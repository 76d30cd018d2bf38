"""How far a transcript is from what was said: word error rate (English), character error rate (Chinese)."""

from __future__ import annotations

import re
import unicodedata


def words(text: str) -> list[str]:
    """Lower-case words without punctuation."""
    return re.findall(r"[a-z0-9']+", text.lower())


def characters(text: str) -> list[str]:
    """The letters of a text written without spaces (CJK), punctuation and spaces left out."""
    return [c for c in text if unicodedata.category(c)[0] in "LN"]


def error_rate(said: list[str], heard: list[str]) -> float:
    """(substitutions + deletions + insertions) / len(said): Levenshtein distance over the units."""
    previous = list(range(len(heard) + 1))
    for i, unit in enumerate(said, 1):
        current = [i]
        for j, other in enumerate(heard, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (unit != other)))
        previous = current
    return previous[-1] / max(len(said), 1)
