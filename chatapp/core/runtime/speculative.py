"""Speculative decoding: guess the next tokens, check them all in one batch, keep what the sampler
itself would have picked.

Decoding one token costs about as much as checking several (the weights are read once per batch), so
when the next tokens can be guessed — a reply quoting its prompt, code being edited, names repeated
from the conversation — the same reply comes faster. Guesses come from n-gram lookup: the longest
recent n-gram (12 tokens, else 4 down to 2) that ends the text so far and occurred before; the tokens
that followed it then are the draft (going on round the loop when the text is repeating itself). Or,
with a small draft model of the same family (core/draft_model.py), from that model's greedy
continuation.

Nothing but speed changes: every position of the checked batch is sampled with the reply's own
native sampler chain (same order of calls, same RNG), and the first token where the sampler disagrees
with the draft ends the run; the KV cache is trimmed to match. So greedy output is the same, and at
temperature > 0 each token is still drawn from the model's own distribution.

Adaptive: the draft length grows while drafts are accepted and shrinks when they are not; after a
wholly rejected draft, drafting pauses for a few tokens, unless a clearly longer match turns up. Free
text, where n-grams rarely repeat, costs only the lookups.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

# Longest first. The 12-gram (llama-server's key length) tells apart places whose last few tokens agree:
# in "he was a master of the sea, and he was a master of the sea." a 4-gram finds the wrong half of the
# line. Checked first, it took the looping greedy story of benchmarks/bench_spec_vs_llama_server.py from
# 0.89× to 1.27× llama-server's best draft-free mode (docs/benchmarks.md).
NGRAM_SIZES = (12, 4, 3, 2)
# Checked batches are sized 1 + draft = a multiple of this. ggml's repacked CPU kernels multiply four
# rows at a time and the rest one by one: measured on the demo model, 2 threads, one token 23 ms,
# 2 → 47 ms, 3 → 76, 4 → 76, 8 → 141, 16 → 254. A draft of 1 or 2 costs more than it can save.
BATCH_GRANULE = 4
# A match this long (in tokens) means a passage is being repeated: draft as far as allowed at once, as
# llama-server's ngram-simple does for its 12-token matches, instead of growing the draft step by step.
LONG_MATCH = 8
# Tokens to go without drafting after a draft the sampler rejected (wholly, or mostly): on free text,
# where n-grams match by chance, failed checks would otherwise cost every few tokens. Replayed
# (benchmarks/bench_spec_replay.py, Intel Xeon with AMX), a pause of 4 rather than 8 after a wholly
# rejected draft kept code level and took copy, free text and quotes up 1–4%, at 0.4% on text with
# nothing to copy; a pause of 0 lost code 11%.
PAUSE_AFTER_REJECTED = 4
PAUSE_AFTER_MOSTLY_REJECTED = 4
# A pause guards against n-grams that match by chance; a match this many tokens longer than the one
# whose draft was rejected is not chance, and ends the pause. A reply that starts quoting an earlier turn
# ("User: Tell me…") first meets the latest "User:" (another turn), is rejected, and then finds the quote
# one or two tokens later. Replayed (benchmarks/bench_spec_replay.py's replies, and its eight sampled
# prompts answered greedily too) against the batch costs of three CPUs, it took the quoting chat up 4–8%
# and greedy text up 1–2% on average, and left sampled text as it was; a margin of 1 lost code 5%.
PAUSE_OUTMATCHED_BY = 2


class Drafter(Protocol):
    """A source of drafts, told every token of the text as it is settled."""

    def extend(self, tokens: Sequence[int]) -> None: ...
    def propose(self, room: int) -> list[int]: ...
    def feedback(self, drafted: int, accepted: int) -> None: ...


def usable_length(n: int) -> int:
    """The longest draft of at most `n` tokens checked in whole groups of rows (see BATCH_GRANULE);
    0 when even the shortest such draft does not fit."""
    usable = (n + 1) // BATCH_GRANULE * BATCH_GRANULE - 1
    return usable if usable >= BATCH_GRANULE - 1 else 0


def whole_groups(draft: list[int]) -> list[int]:
    """The draft cut to whole groups of rows; [] when too short to pay off."""
    return draft[: usable_length(len(draft))]


def continuation(tokens: Sequence[int], start: int, limit: int) -> list[int]:
    """Up to `limit` tokens from `tokens[start]` on (start < len(tokens)), copied as a repeat would go
    on: where the copy runs into the text's end, it continues with what it has just copied (a loop of
    period len − start — "0000…", a line said again and again, where a greedy small model often ends
    up — is drafted whole instead of one token at a time)."""
    out = list(tokens[start : start + limit])
    period = len(tokens) - start
    while len(out) < limit:  # (out holds the whole period by now)
        out.append(out[len(out) - period])
    return out


class AdaptiveLength:
    """The draft length: grows by a group while drafts are kept, falls back (and pauses) when not."""

    def __init__(self, max_draft: int) -> None:
        self.max_draft = max_draft
        self.length = min(BATCH_GRANULE - 1, max_draft)  # the current draft length, adapted to acceptance
        self._pause = 0

    def paused(self) -> bool:
        if self._pause > 0:
            self._pause -= 1
            return True
        return False

    def resume(self) -> None:
        """End a pause early."""
        self._pause = 0

    def feedback(self, drafted: int, accepted: int) -> None:
        """Adapt to how much of the last draft the sampler kept."""
        if drafted == 0:
            return
        granule = BATCH_GRANULE
        if accepted == drafted:
            self.length = min(self.max_draft, self.length + granule)
        elif accepted == 0:
            self.length = granule - 1
            self._pause = PAUSE_AFTER_REJECTED
        elif accepted * 2 < drafted:  # mostly wrong: checking cost more than it saved; wait a little
            self.length = granule - 1
            self._pause = PAUSE_AFTER_MOSTLY_REJECTED
        else:
            self.length = max(granule - 1, min(self.max_draft, (accepted + 1) // granule * granule + granule - 1))


class NgramDrafter(AdaptiveLength):
    """Proposes drafts from an index of the n-grams seen so far (updated as tokens arrive)."""

    def __init__(self, tokens: Sequence[int], max_draft: int = 32) -> None:
        super().__init__(max_draft)
        self.tokens: list[int] = []
        # n → {n-gram: position just after its latest occurrence}
        self._index: dict[int, dict[tuple[int, ...], int]] = {n: {} for n in NGRAM_SIZES}
        self._drafted_match = 0  # how long the match of the last draft was (see PAUSE_OUTMATCHED_BY)
        self._rejected_match = 0  # … and of the draft whose rejection began the pause
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
        found = self._lookup()
        if self.paused():
            if found is None or found[1] < self._rejected_match + PAUSE_OUTMATCHED_BY:
                return []
            self.resume()
        if found is None:
            return []
        start, matched = found
        self._drafted_match = matched
        # A long match: a passage is being copied; draft all there is room for.
        limit = min(self.max_draft if matched >= LONG_MATCH else self.length, room)
        return whole_groups(continuation(self.tokens, start, limit))

    def feedback(self, drafted: int, accepted: int) -> None:
        super().feedback(drafted, accepted)
        if self._pause:  # this draft was rejected
            self._rejected_match = self._drafted_match

    def _lookup(self) -> tuple[int, int] | None:
        """Where to copy from (what followed the latest occurrence of the longest n-gram that ends the
        text) and how long the match there is (see `_match_length`); None when no n-gram recurs."""
        for n in NGRAM_SIZES:
            if len(self.tokens) < n:
                continue
            start = self._index[n].get(tuple(self.tokens[-n:]))
            if start is not None:
                return start, self._match_length(start, n)
        return None

    def _match_length(self, start: int, n: int) -> int:
        """How many tokens before `start` equal the ones at the end of the text (at least `n`), up to
        LONG_MATCH: a long match means the text is repeating a passage, not a common phrase."""
        k = n
        while k < LONG_MATCH and start - 1 - k >= 0 and self.tokens[start - 1 - k] == self.tokens[-1 - k]:
            k += 1
        return k
