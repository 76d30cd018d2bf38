"""llama.cpp's grammar sampler for one reply: an output format as GBNF, checked token by token.

Why the grammar is not simply one more step of the sampler chain (as llama-cpp-python does): over
Gemma's 262k-token vocabulary, asking the grammar about every candidate costs milliseconds per token.
`NativeSampler` (core/runtime/sampler.py) instead lets the truncation samplers pick first, asks the
grammar about the one token picked, and only when it is refused asks about the truncated candidates,
and only when none of them fits, about the whole vocabulary. Only sampled tokens are ever accepted,
so speculative decoding's rejected drafts never reach the grammar's state.

Accepting a token the grammar refuses aborts the process (an uncaught C++ exception in llama.cpp),
so every token is checked before it is accepted; a grammar that allows no token at all ends the
reply with `GrammarDeadEnd`.
"""

from __future__ import annotations

import ctypes
import functools
import json
import logging
from typing import Any

from chatapp.core.errors import QT_TRANSLATE_NOOP, KnownError
from chatapp.core.runtime import llama_runtime
from chatapp.core.types import OutputFormat

log = logging.getLogger(__name__)
NEG_INF = float("-inf")


class GrammarError(KnownError):
    """A grammar (or schema) that llama.cpp cannot use."""


class GrammarDeadEnd(KnownError):
    """The grammar allows no token here (a GBNF grammar that cannot be completed)."""


@functools.lru_cache(maxsize=64)
def to_gbnf(output: OutputFormat) -> str:
    """The format's grammar text (schemas are converted once and cached). Raises SchemaError/GrammarError."""
    from chatapp.core.runtime.json_grammar import schema_to_gbnf

    if output.kind == "grammar":
        if not output.text.strip():
            raise GrammarError(QT_TRANSLATE_NOOP("core", "The grammar is empty."))
        return output.text
    if output.kind == "json_object":
        return schema_to_gbnf({"type": "object"})
    try:
        schema = json.loads(output.text)
    except ValueError as exc:
        raise GrammarError(QT_TRANSLATE_NOOP("core", "The JSON schema is not valid JSON: {reason}."),
                           reason=exc) from None
    return schema_to_gbnf(schema)


# llama.cpp parses a grammar's nested groups recursively: measured on an 8 MiB thread stack, 1,000 levels
# parse and 2,000 crash the process (a client's `grammar`, or a pattern's `{m,n}` written out as groups,
# could do that). Windows gives threads 1 MiB: the limit keeps a wide margin on every platform.
MAX_NESTING = 100


def nesting(gbnf: str) -> int:
    """The deepest nesting of parenthesised groups in a GBNF text (literals and character classes skipped)."""
    depth = deepest = 0
    i, n = 0, len(gbnf)
    while i < n:
        c = gbnf[i]
        if c in "\"[":  # a literal or a character class: skip to its end, minding escapes
            end = '"' if c == '"' else "]"
            i += 1
            while i < n and gbnf[i] != end:
                i += 2 if gbnf[i] == "\\" else 1
        elif c == "#":  # a comment runs to the end of the line
            while i < n and gbnf[i] != "\n":
                i += 1
        elif c == "(":
            depth += 1
            deepest = max(deepest, depth)
        elif c == ")":
            depth -= 1
        i += 1
    return deepest


class GrammarSampler:
    """One reply's grammar state. Not thread-safe; the model thread's."""

    def __init__(self, vocab: Any, gbnf: str) -> None:
        if (depth := nesting(gbnf)) > MAX_NESTING:
            raise GrammarError(QT_TRANSLATE_NOOP(
                "core", "The grammar nests groups {depth} deep; llama.cpp reads at most {limit} (deeper would "
                "overflow its parser). Use a counted repetition instead of nested groups."),
                depth=depth, limit=MAX_NESTING)
        lib = llama_runtime.llama()
        self._lib = lib
        mark = llama_runtime.mark_log()
        self.sampler: Any = lib.llama_sampler_init_grammar(vocab, gbnf.encode("utf-8"), b"root")
        if not self.sampler:
            reason = llama_runtime.last_error_since(mark) or "it does not parse"
            raise GrammarError(QT_TRANSLATE_NOOP("core", "llama.cpp cannot use this grammar: {reason}"),
                               reason=reason.strip())
        self._one = (lib.llama_token_data * 1)()
        self._one_array = lib.llama_token_data_array(data=self._one, size=1, selected=-1, sorted=False)

    def allows(self, token: int) -> bool:
        """Whether `token` may come next (nothing is accepted)."""
        self._one[0].id, self._one[0].logit, self._one[0].p = token, 1.0, 0.0
        self._one_array.size, self._one_array.selected = 1, -1
        self._lib.llama_sampler_apply(self.sampler, ctypes.byref(self._one_array))
        return bool(self._one[0].logit != NEG_INF)

    def filter(self, candidates: Any) -> None:
        """Set the logit of every candidate the grammar refuses to -inf (a llama_token_data_array)."""
        self._lib.llama_sampler_apply(self.sampler, ctypes.byref(candidates))

    def accept(self, token: int) -> None:
        """Advance past `token`, which `allows` said may come (anything else would abort llama.cpp)."""
        self._lib.llama_sampler_accept(self.sampler, token)

    def close(self) -> None:
        if self.sampler is not None:
            self._lib.llama_sampler_free(self.sampler)
            self.sampler = None
