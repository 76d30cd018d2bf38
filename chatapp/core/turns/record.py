"""Where a turn is saved: one conversation in the history store, created with its first turn.

Every message goes to disk before the model sees it; the reply is a `streaming` row from its first
moment, saved as it grows and finished with its status and stats, so closing the window, Ctrl+C or a
crash never loses what was written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from chatapp.core.generation import Candidate
from chatapp.core.storage.history import INTERRUPTED, STREAMING, Conversation, HistoryStore, StoredMessage
from chatapp.core.types import Attachment, ToolCall, ToolOutcome


@dataclass(frozen=True)
class NewConversation:
    """What a conversation created by its first turn starts with."""

    model: str = ""
    settings: dict[str, Any] = field(default_factory=dict)
    system_prompt: str = ""
    template: str = "auto"
    project_id: str | None = None  # started in a project: it belongs there


class HistoryRecord:
    """Saves the turns of one conversation. Used on one thread (the store's connection is its own)."""

    def __init__(self, store: HistoryStore, conversation: Conversation | None = None,
                 new: NewConversation | None = None) -> None:
        self.store = store
        self.conversation = conversation
        self._new = new or NewConversation()

    def ensure_conversation(self) -> Conversation:
        if self.conversation is None:
            n = self._new
            self.conversation = self.store.create_conversation(
                model=n.model, settings=n.settings, system_prompt=n.system_prompt, template=n.template,
                project_id=n.project_id)
        return self.conversation

    def add_user(self, text: str, parent_id: str | None, images: Sequence[Attachment] = ()) -> StoredMessage:
        return self.store.add_message(self.ensure_conversation().id, "user", text, parent_id=parent_id,
                                      images=images)

    def open_reply(self, parent_id: str | None, model: str) -> StoredMessage:
        return self.store.add_message(self.ensure_conversation().id, "assistant", "", parent_id=parent_id,
                                      status=STREAMING, model=model)

    def reopen(self, reply: StoredMessage) -> StoredMessage:
        """Continue an interrupted reply: it is streaming again, under this writer."""
        self.store.update_message(reply.id, status=STREAMING)
        return replace(reply, status=STREAMING)

    def save_partial(self, reply: StoredMessage, text: str, thinking: str = "") -> None:
        self.store.update_message(reply.id, content=text, thinking=thinking)

    def finish(self, reply: StoredMessage, text: str, status: str, stats: dict[str, Any],
               tool_calls: tuple[ToolCall, ...] = (), thinking: str = "",
               tokens: Sequence[tuple[Candidate, ...]] = ()) -> StoredMessage:
        """The reply's final text and state (and, written with the token view on, how each token was chosen)."""
        self.store.update_message(reply.id, content=text, status=status, stats=stats,
                                  tool_calls=tool_calls if tool_calls else None, thinking=thinking)
        if tokens:
            self.store.save_token_view(reply.id, tokens)
        return replace(reply, content=text, status=status, stats=stats, tool_calls=tool_calls, thinking=thinking,
                       has_token_view=bool(tokens))

    def add_tool_result(self, parent_id: str | None, call: ToolCall, outcome: ToolOutcome) -> StoredMessage:
        """A call's result as a `tool` message under the reply that made it (or the previous result)."""
        detail = {"call_id": call.id, "name": call.name, "arguments": call.arguments, "server": outcome.server,
                  "is_error": outcome.is_error, "seconds": round(outcome.seconds, 3), "denied": outcome.denied,
                  "cancelled": outcome.cancelled}
        return self.store.add_message(self.ensure_conversation().id, "tool", outcome.content, parent_id=parent_id,
                                      tool=detail)

    def abandon(self, reply: StoredMessage, text: str, continuing: bool, thinking: str = "") -> StoredMessage | None:
        """The reply failed. Nothing written (and not a continued reply): the placeholder goes, the
        user's message stays, ready to resend. Otherwise what was written stays, marked interrupted."""
        if not text and not thinking and not continuing:
            self.store.delete_message(reply.id)
            return None
        self.store.update_message(reply.id, content=text, status=INTERRUPTED, thinking=thinking)
        return replace(reply, content=text, status=INTERRUPTED, thinking=thinking)
