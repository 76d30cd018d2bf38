"""How each token of a reply was chosen, kept with the message compactly (the `token_view` column).

Per token: the candidates the sampler explained (core/runtime/sampler.py), each its bytes, its
probability under the model and under the settings, the step that cut it, and which one was drawn.
Stored as zlib-compressed JSON with each distinct token's bytes once (a reply of 500 tokens with 10
candidates each is ~15 KB), probabilities to four decimals: what a view shows, not a replay.
"""

from __future__ import annotations

import base64
import json
import zlib
from collections.abc import Sequence

from chatapp.core.generation import Candidate

FORMAT = 1
MAX_INFLATED = 64 * 1024 * 1024  # a 32k-token reply's view is ~6 MB as JSON
_SCALE = 10_000  # probabilities kept as integers in ten-thousandths
_CUTS = ("", "top-k", "typical", "top-p", "min-p", "temperature", "greedy", "sampler", "grammar")  # append only

TokenView = list[tuple[Candidate, ...]]


def encode(tokens: Sequence[Sequence[Candidate]]) -> bytes:
    pieces: dict[bytes, int] = {}
    rows = []
    for candidates in tokens:
        row = []
        for c in candidates:
            index = pieces.setdefault(c.data, len(pieces))
            cut = _CUTS.index(c.cut_by if c.cut_by in _CUTS else "sampler")
            row.append([index, round(c.model_p * _SCALE), round(c.sampler_p * _SCALE), cut, int(c.drawn)])
        rows.append(row)
    body = {"v": FORMAT, "pieces": [base64.b64encode(p).decode("ascii") for p in pieces], "tokens": rows}
    return zlib.compress(json.dumps(body, separators=(",", ":")).encode("utf-8"), 6)


def decode(blob: bytes) -> TokenView | None:
    """The stored view, or None when there is none or it cannot be read (a view is never worth an error)."""
    if not blob:
        return None
    try:
        inflate = zlib.decompressobj()
        text = inflate.decompress(blob, MAX_INFLATED)
        if inflate.unconsumed_tail or not inflate.eof:  # too big for any reply's view (a hostile import's), or cut
            return None
        body = json.loads(text)
        if body.get("v") != FORMAT:
            return None
        pieces = [base64.b64decode(p) for p in body["pieces"]]
        return [tuple(Candidate(pieces[i], model / _SCALE, sampler / _SCALE, _CUTS[cut], bool(drawn))
                      for i, model, sampler, cut, drawn in row) for row in body["tokens"]]
    except (ValueError, KeyError, IndexError, TypeError, zlib.error):
        return None
