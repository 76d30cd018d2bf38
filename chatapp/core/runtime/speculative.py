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

How long a draft is, and whether to draft at all, is worked out for the machine it runs on: what a
batch of n rows costs here (`BatchCosts`, timed from the decodes the reply makes anyway) against how
many tokens a draft from a match of that length is likely to keep (`Acceptance`, learnt as the reply
goes). A CPU whose batches are dear (an AMD EPYC without AVX-512: 8 rows cost 3.6 tokens) drafts less
and shorter than one whose batches are cheap (an Intel Xeon with AMX: 2.3). The model drafter keeps
the simpler `AdaptiveLength`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
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
# The model drafter's AdaptiveLength: tokens to go without drafting after a draft the sampler rejected
# (wholly, or mostly): on free text,
# where n-grams match by chance, failed checks would otherwise cost every few tokens. Replayed
# (benchmarks/bench_spec_replay.py, Intel Xeon with AMX), a pause of 4 rather than 8 after a wholly
# rejected draft kept code level and took copy, free text and quotes up 1–4%, at 0.4% on text with
# nothing to copy; a pause of 0 lost code 11%.
PAUSE_AFTER_REJECTED = 4
PAUSE_AFTER_MOSTLY_REJECTED = 4
# How long a match (in tokens) is measured: past this, a passage is being copied either way.
MATCH_CAP = 24
# Match lengths are told apart in these classes (the least length of each); a class's chances are learnt
# from its own drafts.
MATCH_CLASSES = (2, 3, 4, 5, 8, 12, 16, 24)
# What a draft from a match of each class keeps, before anything is learnt: the chance its first token is
# right, and the chance each next one is after a right one. Measured over the replies of
# benchmarks/bench_spec_replay.py sampled with the default sampler (the cautious case; greedy text keeps
# more, and the estimates rise to it within a few drafts).
PRIOR_ACCEPTANCE = {2: (0.4, 0.8), 3: (0.6, 0.85), 4: (0.65, 0.88), 5: (0.8, 0.9), 8: (0.9, 0.93),
                    12: (0.95, 0.96), 16: (0.98, 0.98), 24: (0.99, 0.99)}
# The priors count as this many drafts (first tokens) and twice as many continuing tokens; every draft
# then weighs the earlier evidence down by DECAY, so a reply that turns from prose to copying (or back)
# is followed within a few drafts. Replayed on three CPUs' batch costs (docs/benchmarks.md), these beat
# a prior twice as heavy and a slower decay on code and sampled text, and equalled them elsewhere.
PRIOR_DRAFTS = 4.0
DECAY = 0.8
# Batch costs relative to one row before any are measured: the dearest measured (AMD EPYC without
# AVX-512, SmolLM2/Gemma 3 at 2 threads), so an unmeasured machine drafts cautiously.
DEFAULT_BATCH_COSTS = {1: 1.0, 4: 2.50, 8: 3.62, 16: 5.77, 32: 10.80, 48: 15.81, 64: 20.69}


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


class BatchCosts:
    """What checking a batch of n rows costs on this machine, relative to decoding one token.

    Timed from the decodes replies make anyway (`observe`: one-token steps and checked drafts), so
    knowing the machine costs nothing; an engine keeps one per model and thread count for as long as it
    runs. Sizes not yet timed follow DEFAULT_BATCH_COSTS, scaled to the nearest smaller size that was.
    """

    SMOOTHING = 0.2  # weight of each new timing in the running average

    def __init__(self, measured: dict[int, float] | None = None) -> None:
        self._seconds: dict[int, float] = {}  # rows → running average of seconds
        if measured:  # relative costs given outright (a replay, a test)
            self._seconds = {rows: float(cost) for rows, cost in measured.items()}
            self._seconds.setdefault(1, 1.0)

    def observe(self, rows: int, seconds: float) -> None:
        if rows < 1 or seconds <= 0:
            return
        old = self._seconds.get(rows)
        self._seconds[rows] = seconds if old is None else old + self.SMOOTHING * (seconds - old)

    def measured(self) -> dict[int, float]:
        """The sizes timed so far and their costs relative to one row ({} before one row is timed)."""
        one = self._seconds.get(1)
        return {rows: t / one for rows, t in sorted(self._seconds.items())} if one else {}

    def __call__(self, rows: int) -> float:
        """(Asked several times per drafted token: no table is built for it.)"""
        seconds = self._seconds
        one = seconds.get(1)
        if not one:
            return interpolate(DEFAULT_BATCH_COSTS, rows)
        if rows in seconds:
            return seconds[rows] / one
        base = max(r for r in seconds if r < rows)
        return seconds[base] / one * interpolate(DEFAULT_BATCH_COSTS, rows) / interpolate(DEFAULT_BATCH_COSTS, base)


def interpolate(costs: Mapping[int, float], rows: int) -> float:
    """A cost table (rows → cost, with a size below `rows`) read at any size: linear between its sizes,
    in proportion past the largest."""
    if rows in costs:
        return costs[rows]
    below = max(r for r in costs if r < rows)
    above = min((r for r in costs if r > rows), default=None)
    if above is None:
        return costs[below] * rows / below
    share = (rows - below) / (above - below)
    return costs[below] + share * (costs[above] - costs[below])


def match_class(length: int) -> int:
    return max(c for c in MATCH_CLASSES if c <= max(length, MATCH_CLASSES[0]))


class Acceptance:
    """How much of a draft the sampler keeps, per match class: the chance the first token is right and
    the chance each next one is after a right one, from PRIOR_ACCEPTANCE and the drafts seen since."""

    def __init__(self) -> None:
        # class → [first right, drafts, next ones right, next ones wrong] (weighted counts)
        self._counts = {c: [p0 * PRIOR_DRAFTS, PRIOR_DRAFTS, q * 2 * PRIOR_DRAFTS, (1 - q) * 2 * PRIOR_DRAFTS]
                        for c, (p0, q) in PRIOR_ACCEPTANCE.items()}

    def chances(self, match: int) -> tuple[float, float]:
        right, drafts, kept, lost = self._counts[match_class(match)]
        return right / drafts, kept / (kept + lost)

    def learn(self, match: int, drafted: int, accepted: int) -> None:
        counts = self._counts[match_class(match)]
        for i in range(4):
            counts[i] *= DECAY
        counts[1] += 1
        if accepted:
            counts[0] += 1
            counts[2] += accepted - 1
            counts[3] += 1 if accepted < drafted else 0


def best_length(first: float, after: float, most: int, costs: BatchCosts) -> int:
    """The draft length (whole groups of rows, at most `most`) that makes the most tokens per unit of
    time, or 0 when no draft beats decoding one token at a time. A draft of L tokens yields
    1 + first + first·after + … + first·afterᴸ⁻¹ tokens on average and costs a batch of L + 1 rows."""
    best, best_rate = 0, 1.0
    expected, chance = 1.0, first
    for length in range(1, most + 1):
        expected += chance
        chance *= after
        if (length + 1) % BATCH_GRANULE == 0:
            rate = expected / costs(length + 1)
            if rate > best_rate:
                best, best_rate = length, rate
    return best


class NgramDrafter:
    """Proposes drafts from an index of the n-grams seen so far (updated as tokens arrive), as long as
    this machine's batch costs and the acceptance learnt so far make them pay (see `best_length`)."""

    def __init__(self, tokens: Sequence[int], max_draft: int = 32, costs: BatchCosts | None = None) -> None:
        self.max_draft = max_draft
        self.costs = costs or BatchCosts()
        self.acceptance = Acceptance()
        self.tokens: list[int] = []
        # n → {n-gram: position just after its latest occurrence}
        self._index: dict[int, dict[tuple[int, ...], int]] = {n: {} for n in NGRAM_SIZES}
        self._drafted_match = 0  # how long the match of the last draft was
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
        """The draft worth checking now: [] when nothing recurs, nothing fits or no length pays."""
        found = self._lookup()
        if found is None:
            return []
        start, matched = found
        first, after = self.acceptance.chances(matched)
        length = best_length(first, after, min(self.max_draft, room), self.costs)
        if not length:
            return []
        self._drafted_match = matched
        return continuation(self.tokens, start, length)

    def feedback(self, drafted: int, accepted: int) -> None:
        if drafted:
            self.acceptance.learn(self._drafted_match, drafted, accepted)

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
        MATCH_CAP: the longer, the likelier the text is repeating a passage than a common phrase."""
        k = n
        while k < MATCH_CAP and start - 1 - k >= 0 and self.tokens[start - 1 - k] == self.tokens[-1 - k]:
            k += 1
        return k
