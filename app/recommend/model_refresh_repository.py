"""Cypher access of the model refresh: the store's counts, the refresh state and its lease
(one `(:ModelRefresh {key})` node, V0017)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.db.database import Database
from app.db.values import native

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _epoch_ms(at: datetime) -> int:
    """Whole milliseconds, exactly as Cypher's `epochMillis` (no float rounding)."""
    return (at - EPOCH) // timedelta(milliseconds=1)


@dataclass(frozen=True)
class Snapshot:
    events: int
    items: int
    node: dict[str, Any] | None  # the ModelRefresh node's properties, Python values


class ModelRefreshRepository:
    def __init__(self, db: Database, key: str = "model") -> None:
        self._db = db
        self._key = key

    async def snapshot(self) -> Snapshot:
        [row] = await self._db.read_named("recommend/get_model_refresh", key=self._key)
        return Snapshot(int(row["events"]), int(row["items"]), native(row["state"]))

    async def take_lease(self, owner: str, now: datetime, until: datetime,
                         seen_started: datetime | None, events: int, items: int,
                         kind: str) -> bool:
        rows = await self._db.write_named(
            "recommend/take_model_refresh_lease", key=self._key, owner=owner, now=now,
            until=until, events=events, items=items, kind=kind,
            seen_started_ms=_epoch_ms(seen_started) if seen_started else None)
        return bool(rows)

    async def finish(self, owner: str, now: datetime, outcome: str, reason: str,
                     version: str | None, duration_s: float, cpu_s: float | None,
                     kind: str) -> None:
        await self._db.write_named(
            "recommend/finish_model_refresh", key=self._key, owner=owner, now=now,
            outcome=outcome, reason=reason[:1000], version=version, duration_s=duration_s,
            cpu_s=cpu_s, kind=kind)
