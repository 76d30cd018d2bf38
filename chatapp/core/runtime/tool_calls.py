"""One reply's tool calls on the model thread: read out of the text as it streams, and held to the
tools' grammar once a call starts (or from the first token, for a required or named call).

Why chatapp triggers the grammar itself instead of llama.cpp's lazy grammar: that one parses the
text from the marker on when it fires, and text it cannot parse there aborts the process (an
uncaught C++ exception). Here the call's marker is found in the decoded text, the grammar starts
after it, and whatever the marker's token carried past it is checked token by token before it is
accepted; should it not fit, the call is left unconstrained and parsed (or kept as text) as it is.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from chatapp.core.runtime.grammar import GrammarSampler
from chatapp.core.runtime.json_grammar import tool_calls_to_gbnf
from chatapp.core.runtime.sampler import NativeSampler
from chatapp.core.tools.formats import CallFormat
from chatapp.core.tools.parser import CallParser
from chatapp.core.types import CallDelta, ToolCall, ToolSet

log = logging.getLogger(__name__)


class CallWatch:
    def __init__(self, vocab: object, tokenize: Callable[[str], list[int]], detokenize: Callable[[list[int]], str],
                 fmt: CallFormat, tools: ToolSet) -> None:
        self.fmt, self.tools, self._vocab = fmt, tools, vocab
        self._tokenize, self._detokenize = tokenize, detokenize
        self.parser = CallParser(fmt, [t.name for t in tools.tools])
        chosen = [t for t in tools.tools if t.name == tools.choice] or list(tools.tools)
        self._schemas = [(t.name, t.schema()) for t in chosen]
        self.forced = tools.choice not in ("auto", "none")  # required, or one tool by name
        self._parallel = tools.parallel and fmt.parallel and tools.choice in ("auto", "required")
        self._armed = False

    def grammar(self, from_start: bool) -> GrammarSampler:
        return GrammarSampler(self._vocab, tool_calls_to_gbnf(self._schemas, self.fmt, self._parallel, from_start))

    def first_grammar(self) -> GrammarSampler | None:
        """For a required or named call: the grammar from the reply's first token."""
        return self.grammar(from_start=True) if self.forced else None

    def feed(self, text: str, sampler: NativeSampler, emit: Callable[[CallDelta], None]) -> str:
        """The content part of `text`; call pieces go to `emit`; a call that just started gets its grammar."""
        content, deltas = self.parser.feed(text)
        for delta in deltas:
            emit(delta)
        if self.parser.started and not self._armed:
            self._armed = True
            if not self.forced:
                self._arm(sampler)
        return content

    def _arm(self, sampler: NativeSampler) -> None:
        """Start the grammar after the call's marker, fed what was already written past it."""
        assert self.parser.region_start is not None
        written = self.parser._text[self.parser.region_start + len(self.fmt.trigger):]
        grammar = self.grammar(from_start=False)
        if written:
            tokens = self._tokenize(written)
            if self._detokenize(tokens) != written or not all(self._advance(grammar, t) for t in tokens):
                log.info("a %s tool call began with text its grammar does not fit; left unconstrained", self.fmt.name)
                grammar.close()
                return
        sampler.set_grammar(grammar)

    @staticmethod
    def _advance(grammar: GrammarSampler, token: int) -> bool:
        if not grammar.allows(token):
            return False
        grammar.accept(token)
        return True

    def finish(self) -> tuple[str, tuple[ToolCall, ...]]:
        """The content not yet given out, and the reply's calls (their pieces were given out as they came)."""
        rest, calls = self.parser.finish()
        return rest, tuple(calls)
