"""What a turn is asked to do, what it reports while it runs, and what it ends with."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from chatapp.core.errors import KnownError
from chatapp.core.storage.history import CANCELLED, Conversation, StoredMessage
from chatapp.core.types import (
    Attachment,
    CallDelta,
    ChatTemplate,
    FinishReason,
    GenerationStats,
    Message,
    OutputFormat,
    SamplingParams,
    ToolCall,
    ToolOutcome,
    ToolSpec,
)

# Run before the reply: the messages as the model should see them, and what to add to the reply's
# stats (documents put their excerpts into the last message this way, for this turn only).
Augment = Callable[[tuple[Message, ...]], tuple[tuple[Message, ...], dict[str, Any]]]


@dataclass(frozen=True)
class Turn:
    """One exchange. `history` is what the model sees before the new message (the system prompt first);
    `user_text` is the new message, or None when the last message of `history` is already the user's
    (regenerate, or continuing the interrupted reply `continuing`)."""

    history: tuple[Message, ...]
    params: SamplingParams
    user_text: str | None = None
    user_images: tuple[Attachment, ...] = ()  # the new message's images, seen before its text
    parent_id: str | None = None  # where the new message (or, without one, the reply) hangs in the tree
    continuing: StoredMessage | None = None
    stops: tuple[str, ...] = ()
    augment: Augment | None = field(default=None, compare=False)
    output: OutputFormat | None = None  # a shape the reply must take (JSON schema, grammar)
    tool_choice: str = "auto"  # with a tool source: auto, none, required, or a tool's name (forced)
    max_rounds: int = 8  # tool rounds before the model is asked to answer without tools
    template: ChatTemplate | None = None  # None: the model's own (a server applies its own anyway)
    explain: int = 0  # keep how each token was chosen, with this many candidates each (the window's token view)

    @property
    def reply_prefix(self) -> str:
        return self.continuing.content if self.continuing is not None else ""

    @property
    def reply_prefix_thinking(self) -> str:
        return self.continuing.thinking if self.continuing is not None else ""

    def messages(self) -> tuple[Message, ...]:
        """What the model is sent (before any augment step)."""
        if self.user_text is None:
            return self.history
        return (*self.history, Message("user", self.user_text, attachments=self.user_images))


class TurnSink(Protocol):
    """Where a running turn reports. Called on the thread that runs the turn."""

    def opened(self, conversation: Conversation | None, user: StoredMessage | None,
               reply: StoredMessage | None) -> None:
        """The user's message and the reply's placeholder are saved (None when the turn is not kept)."""

    def augmented(self, extra: dict[str, Any]) -> None:
        """The augment step ran; `extra` goes into the reply's stats (e.g. the documents' sources)."""

    def text(self, piece: str) -> None:
        """More of the reply's answer."""

    def thinking(self, piece: str) -> None:
        """More of the reply's thinking (a reasoning model's, before its answer)."""

    def call(self, delta: CallDelta) -> None:
        """A piece of a tool call the reply is writing."""

    def save_failed(self, error: KnownError) -> None:
        """Saving the reply as it streams failed (disk full…); the reply goes on and is kept in memory."""

    def abandoned(self, reply: StoredMessage | None) -> None:
        """The reply failed (the error is raised next): what was kept of it, None if it was removed."""

    def reply_finished(self, reply: StoredMessage | None) -> None:
        """A reply that called tools is done (saved with its calls); their results and a new reply follow."""

    def tool_finished(self, call: ToolCall, outcome: ToolOutcome, message: StoredMessage | None) -> None:
        """A call ran (or was refused or stopped); `message` is its saved result."""


class ToolSource(Protocol):
    """Where a turn's tools come from and run (MCP servers: core/tools/mcp_client.py)."""

    def specs(self) -> tuple[ToolSpec, ...]: ...

    def call(self, call: ToolCall, cancel: threading.Event) -> ToolOutcome: ...


class Permission(Protocol):
    """Asks the user whether a call may run: "allow" (once), "always" (this tool, for the turn) or "deny".
    Called on the turn's thread; may wait for the user (a card in the window, a prompt on a TTY)."""

    def decide(self, call: ToolCall, spec: ToolSpec | None) -> str: ...


class NullSink:
    """A sink that ignores everything; subclasses take what they need."""

    def opened(self, conversation: Conversation | None, user: StoredMessage | None,
               reply: StoredMessage | None) -> None:
        pass

    def augmented(self, extra: dict[str, Any]) -> None:
        pass

    def text(self, piece: str) -> None:
        pass

    def thinking(self, piece: str) -> None:
        pass

    def call(self, delta: CallDelta) -> None:
        pass

    def save_failed(self, error: KnownError) -> None:
        pass

    def abandoned(self, reply: StoredMessage | None) -> None:
        pass

    def reply_finished(self, reply: StoredMessage | None) -> None:
        pass

    def tool_finished(self, call: ToolCall, outcome: ToolOutcome, message: StoredMessage | None) -> None:
        pass


class QuietSink(NullSink):
    """Collects the text (tests, scripts)."""

    def __init__(self) -> None:
        self.pieces: list[str] = []

    def text(self, piece: str) -> None:
        self.pieces.append(piece)


@dataclass(frozen=True)
class TurnOutcome:
    """How a turn ended. `text` is the whole reply's answer (a continued reply's earlier part included),
    `thinking` its thinking; `reply` is the saved message in its final state (None when not kept)."""

    text: str
    stats: GenerationStats | None
    status: str
    stats_dict: dict[str, Any]
    conversation: Conversation | None = None
    user: StoredMessage | None = None
    reply: StoredMessage | None = None
    thinking: str = ""

    @property
    def cancelled(self) -> bool:
        return self.status == CANCELLED


def finish_reason(stats: GenerationStats | None) -> FinishReason:
    """A reply that never started (cancelled while queued) counts as cancelled."""
    return stats.finish_reason if stats is not None else FinishReason.CANCELLED
