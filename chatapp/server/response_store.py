"""Recent responses of the OpenAI Responses API, kept in memory for `previous_response_id`, `GET` and
`DELETE /v1/responses/{id}`.

Bounded by count and by the characters they hold (the oldest go first), because clients that never read
them back still ask to keep them (`store` defaults to true: the Agents SDK leaves it so). Nothing is
written to disk: API requests are never part of the user's history. Used on the event loop's thread only.
"""

from __future__ import annotations

import collections
from dataclasses import dataclass
from typing import Any

from chatapp.core.types import Message

MAX_RESPONSES = 256
MAX_CHARS = 16 * 1024 * 1024


@dataclass(frozen=True)
class StoredResponse:
    body: dict[str, Any]  # the response object, as GET returns it
    conversation: tuple[Message, ...]  # what it answered and what it said, for a follow-up to continue
    chars: int


class ResponseStore:
    def __init__(self, max_responses: int = MAX_RESPONSES, max_chars: int = MAX_CHARS) -> None:
        self._items: collections.OrderedDict[str, StoredResponse] = collections.OrderedDict()
        self._chars = 0
        self.max_responses, self.max_chars = max_responses, max_chars

    def put(self, body: dict[str, Any], conversation: tuple[Message, ...]) -> None:
        chars = sum(len(m.content) + len(m.thinking) + sum(len(c.arguments) for c in m.tool_calls)
                    for m in conversation)
        self.delete(body["id"])
        self._items[body["id"]] = StoredResponse(body, conversation, chars)
        self._chars += chars
        while self._items and (len(self._items) > self.max_responses or self._chars > self.max_chars):
            _, oldest = self._items.popitem(last=False)
            self._chars -= oldest.chars

    def get(self, response_id: str) -> StoredResponse | None:
        return self._items.get(response_id)

    def delete(self, response_id: str) -> bool:
        gone = self._items.pop(response_id, None)
        if gone is not None:
            self._chars -= gone.chars
        return gone is not None
