"""The chat history: conversations as message trees in SQLite.

`store.py` (the `HistoryStore`: conversations, messages, branches), `schema.py` (migrations, opening
a file safely), `writers.py` (who is writing a streaming reply), `search.py` (full-text, CJK-aware),
`exchange.py` (JSON/Markdown export and import), `records.py` (the values). The names most callers
need are here.
"""

from chatapp.core.storage.history.records import (
    CANCELLED,
    COMPLETE,
    INTERRUPTED,
    STREAMING,
    Branch,
    Conversation,
    Project,
    SearchHit,
    StoredMessage,
    to_engine_messages,
)
from chatapp.core.storage.history.schema import SCHEMA_VERSION
from chatapp.core.storage.history.store import HistoryStore

__all__ = [
    "CANCELLED", "COMPLETE", "INTERRUPTED", "SCHEMA_VERSION", "STREAMING", "Branch", "Conversation", "HistoryStore",
    "Project", "SearchHit", "StoredMessage", "to_engine_messages",
]
