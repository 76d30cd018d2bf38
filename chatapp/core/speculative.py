"""Speculative decoding without a draft model: guess the next tokens from the text so far, check them
all in one batch, keep what the sampler itself would have picked.

Decoding one token costs about as much as checking several (the weights are read once per batch), so
when the next tokens can be guessed — a reply quoting its prompt, code being edited, names repeated
from the conversation — the same reply comes faster. Guesses come from n-gram lookup: the longest
recent n-gram (4 down to 2 tokens) that ends the text so far and occurred before; the tokens that
followed it then are the draft.

Nothing but speed changes: every position of the checked batch is sampled with the reply's own
native sampler chain (same order of calls, same RNG), and the first token where the sampler disagrees
with the draft ends the run; the KV cache is trimmed to match. So greedy output is the same, and at
temperature > 0 each token is still drawn from the model's own distribution.

Adaptive: the draft length grows while drafts are accepted and shrinks when they are not; after a
wholly rejected draft, drafting pauses for a few tokens. Free text, where n-grams rarely repeat,
costs only the lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

MODES = ("off", "prompt-lookup")
NGRAM_SIZES = (4, 3, 2)


@dataclass(frozen=True)
class Speculation:
    """How a reply may be sped up. `prompt-lookup`: n-gram drafts from the prompt and the reply so far."""

    mode: str = "prompt-lookup"
    max_draft: int = 16

    def __post_init__(self) -> None:
        if self.mode not in MODES:
            from chatapp.core.errors import SettingsError

            raise SettingsError(f"speculative decoding must be one of {', '.join(MODES)}; got {self.mode!r}.")

    @property
    def enabled(self) -> bool:
        return self.mode != "off" and self.max_draft > 0


class NgramDrafter:
    """Proposes drafts from an index of the n-grams seen so far (updated as tokens arrive)."""

    def __init__(self, tokens: Sequence[int], max_draft: int = 16) -> None:
        self.tokens: list[int] = []
        # n → {n-gram: position just after its latest occurrence}
        self._index: dict[int, dict[tuple[int, ...], int]] = {n: {} for n in NGRAM_SIZES}
        self.max_draft = max_draft
        self.length = min(4, max_draft)  # the current draft length, adapted to acceptance
        self._pause = 0
        self.extend(tokens)

    def extend(self, tokens: Sequence[int]) -> None:
        for token in tokens:
            self.tokens.append(token)
            end = len(self.tokens)
            for n in NGRAM_SIZES:
                # Index the n-gram that ended one token ago, so the one ending now (the lookup key) is
                # never found as its own match.
                if end - 1 >= n:
                    self._index[n][tuple(self.tokens[end - 1 - n : end - 1])] = end - 1

    def propose(self, room: int) -> list[int]:
        """Up to min(length, room) tokens likely to follow; [] when nothing fits or drafting pauses."""
        if self._pause > 0:
            self._pause -= 1
            return []
        limit = min(self.length, room)
        if limit <= 0:
            return []
        for n in NGRAM_SIZES:
            if len(self.tokens) < n:
                continue
            start = self._index[n].get(tuple(self.tokens[-n:]))
            if start is not None:
                return self.tokens[start : start + limit]
        return []

    def feedback(self, drafted: int, accepted: int) -> None:
        """Adapt to how much of the last draft the sampler kept."""
        if drafted == 0:
            return
        if accepted == drafted:
            self.length = min(self.max_draft, self.length * 2)
        elif accepted == 0:
            self.length = max(1, self.length // 2)
            self._pause = 4
        else:
            self.length = max(1, min(self.max_draft, accepted + 1))
