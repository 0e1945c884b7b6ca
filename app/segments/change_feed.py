"""The change feed's cursor: (time as Neo4j wrote it, user id, record id) of the last record
of a page, so the next page starts strictly after it in the feed's total order
(cypher/segments/list_membership_changes.cypher)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.core.cursor import decode_cursor, encode_cursor, invalid_cursor


def after_cursor(cursor: str) -> tuple[str, ...]:
    """The key a cursor names; its time must parse (it reaches Cypher's datetime())."""
    key = decode_cursor(cursor, 3)
    try:
        datetime.fromisoformat(key[0])
    except ValueError:
        raise invalid_cursor() from None
    return key


def next_cursor(rows: list[dict[str, Any]], limit: int) -> str | None:
    """The cursor after `rows[:limit]` when the read (of limit + 1 rows) found more."""
    if len(rows) <= limit:
        return None
    last = rows[limit - 1]
    return encode_cursor(last["at_key"], last["user_id"], last["record_id"])
