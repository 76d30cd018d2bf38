"""Print a streamed reply in the terminal: the answer as it comes; a reasoning model's thinking hidden,
or dimmed with `--show-thinking` (plain text when the output is not a terminal)."""

from __future__ import annotations

from typing import TextIO

DIM, RESET = "\x1b[2m", "\x1b[0m"


class ReplyPrinter:
    def __init__(self, out: TextIO, show_thinking: bool) -> None:
        self._out = out
        self._show_thinking = show_thinking
        self._dim = show_thinking and out.isatty()
        self._thinking_open = False

    def thinking(self, piece: str) -> None:
        if not self._show_thinking or not piece:
            return
        if not self._thinking_open:
            self._out.write(DIM if self._dim else "")
            self._thinking_open = True
            piece = piece.lstrip()
        self._out.write(piece)
        self._out.flush()

    def write(self, piece: str) -> None:
        """More of the answer."""
        if not piece:
            return
        self._close_thinking()
        self._out.write(piece)
        self._out.flush()

    def finish(self) -> None:
        self._close_thinking()
        self._out.write("\n")
        self._out.flush()

    def _close_thinking(self) -> None:
        if self._thinking_open:
            self._out.write((RESET if self._dim else "") + "\n\n")
            self._thinking_open = False
