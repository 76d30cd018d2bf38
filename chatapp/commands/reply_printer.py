"""Print a streamed reply in the terminal: the answer as it comes; a reasoning model's thinking hidden,
or dimmed with `--show-thinking` (plain text when the output is not a terminal)."""

from __future__ import annotations

from typing import TextIO

from chatapp.core.reasoning import ThinkingFilter

DIM, RESET = "\x1b[2m", "\x1b[0m"


class ReplyPrinter:
    def __init__(self, out: TextIO, show_thinking: bool) -> None:
        self._out = out
        self._show_thinking = show_thinking
        self._dim = show_thinking and out.isatty()
        self._filter = ThinkingFilter()
        self._thinking_open = False

    def write(self, piece: str) -> None:
        self._print(*self._filter.feed(piece))

    def finish(self) -> None:
        self._print(*self._filter.flush())
        if self._thinking_open and self._dim:
            self._out.write(RESET)
        self._out.write("\n")
        self._out.flush()

    def _print(self, thinking: str, answer: str) -> None:
        if thinking and self._show_thinking:
            if not self._thinking_open:
                self._out.write(DIM if self._dim else "")
                self._thinking_open = True
            self._out.write(thinking)
        if answer:
            if self._thinking_open:
                self._out.write((RESET if self._dim else "") + "\n\n")
                self._thinking_open = False
            self._out.write(answer)
        self._out.flush()
