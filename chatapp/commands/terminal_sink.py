"""What `chatapp chat` shows of a turn: the reply printed as it streams, tool calls on stderr."""

from __future__ import annotations

from typing import TYPE_CHECKING, TextIO

from chatapp.commands.reply_printer import ReplyPrinter
from chatapp.core.errors import KnownError
from chatapp.core.turns.turn import NullSink
from chatapp.core.types import ToolCall, ToolOutcome

if TYPE_CHECKING:
    from chatapp.core.storage.history import StoredMessage


class TerminalSink(NullSink):
    """A turn's reply printed as it streams (thinking hidden unless asked); tool calls on stderr."""

    def __init__(self, stdout: TextIO, show_thinking: bool, stderr: TextIO) -> None:
        self.printer = ReplyPrinter(stdout, show_thinking)
        self.stdout, self.show_thinking, self.stderr = stdout, show_thinking, stderr
        self.calls = 0
        self._wrote = False

    def text(self, piece: str) -> None:
        self._wrote = self._wrote or bool(piece)
        self.printer.write(piece)

    def thinking(self, piece: str) -> None:
        self._wrote = self._wrote or (bool(piece) and self.show_thinking)
        self.printer.thinking(piece)

    def save_failed(self, error: KnownError) -> None:
        self.stderr.write(f"\nchatapp: {error}\n")

    def reply_finished(self, reply: StoredMessage | None) -> None:
        if self._wrote:  # a reply that only called tools printed nothing: no empty line for it
            self.printer.finish()
        self._wrote = False
        self.printer = ReplyPrinter(self.stdout, self.show_thinking)  # the next reply prints afresh

    def tool_finished(self, call: ToolCall, outcome: ToolOutcome, message: StoredMessage | None) -> None:
        self.calls += 1
        where = f" on {outcome.server}" if outcome.server else ""
        first = outcome.content.strip().splitlines()[0][:200] if outcome.content.strip() else ""
        state = "refused" if outcome.denied else "stopped" if outcome.cancelled else "failed" if outcome.is_error \
            else f"{outcome.seconds:.2f} s"
        self.stderr.write(f"chatapp: tool {call.name}{where} ({state}): {first}\n")
        self.stderr.flush()
