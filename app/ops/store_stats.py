"""Store-wide figures for the console overview: profiles and the recent event rate."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.db.database import Database
from app.db.queries import queries

RATE_WINDOW = timedelta(minutes=5)


@dataclass(frozen=True)
class StoreStats:
    profiles: int
    events_per_minute: float
    window_minutes: int


class StoreStatsService:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def stats(self, now: datetime | None = None) -> StoreStats:
        """Events per minute averaged over the last few minutes of event time."""
        since = (now or datetime.now(UTC)) - RATE_WINDOW
        [row] = await self._db.read(queries["ops/count_store"], {"since": since})
        minutes = RATE_WINDOW.total_seconds() / 60
        return StoreStats(row["profiles"], round(row["recent_events"] / minutes, 1), int(minutes))
