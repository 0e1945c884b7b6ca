"""Segment membership over time: entries and exits per day, read from the change log."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

from app.db.database import Database
from app.db.queries import queries


class SegmentHistoryService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def daily_changes(self, days: int, segment_id: str | None = None,
                            today: date | None = None
                            ) -> dict[str, list[tuple[date, int, int]]]:
        """segment_id -> one (day, entered, exited) per day of the window, oldest first,
        days without changes included as zeros."""
        today = today or datetime.now(UTC).date()
        first = today - timedelta(days=days - 1)
        since = datetime(first.year, first.month, first.day, tzinfo=UTC)
        records = await self._db.read(queries["segments/list_daily_changes"],
                                      {"since": since, "segment_id": segment_id})
        counts: dict[str, dict[date, tuple[int, int]]] = defaultdict(dict)
        for r in records:
            counts[r["segment_id"]][r["day"].to_native()] = (r["entered"], r["exited"])
        span = [first + timedelta(days=n) for n in range(days)]
        return {s: [(d, *by_day.get(d, (0, 0))) for d in span] for s, by_day in counts.items()}
