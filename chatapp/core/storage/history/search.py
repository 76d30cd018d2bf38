"""Full-text search over every message: Latin words as prefixes, CJK words anywhere in a sentence
(core/storage/cjk_search.py), best match first, hits marked for highlighting."""

from __future__ import annotations

import sqlite3

from chatapp.core.storage import cjk_search
from chatapp.core.storage.history.records import SearchHit


def search(db: sqlite3.Connection, query: str, limit: int = 50, project_id: str | None = None) -> list[SearchHit]:
    """Every word must occur; the snippet wraps hit terms in [[ ]] (the window turns them into highlights).
    With `project_id`, only that project's chats are searched."""
    match = cjk_search.match_expression(query)
    if match is None:
        return []
    width = 40 if cjk_search.has_cjk(query) else 90  # characters; a CJK one is twice as wide
    rows = db.execute(
        """SELECT m.id, m.role, m.conversation_id, c.title,
                  highlight(messages_search, 0, '[[', ']]') AS marked
           FROM messages_search JOIN messages m ON m.rowid = messages_search.rowid
           JOIN conversations c ON c.id = m.conversation_id
           WHERE messages_search MATCH ? AND (? IS NULL OR c.project_id = ?) ORDER BY rank LIMIT ?""",
        (match, project_id, project_id, limit),
    )
    return [
        SearchHit(r["conversation_id"], r["title"], r["id"], r["role"],
                  cjk_search.snippet(cjk_search.readable(r["marked"]), width))
        for r in rows
    ]
