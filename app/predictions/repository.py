"""Cypher access for the prediction refresh: the history it learns from, the traits it
writes, its lease and its records."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import pandas as pd

from app.db.database import Database

PAGE = 2000
KEEP_RUNS = 20


class PredictionRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def anchor(self) -> datetime | None:
        rows = await self._db.read_named("predictions/get_anchor")
        value = rows[0]["anchor"] if rows else None
        return value.to_native() if value is not None else None

    async def history(self, anchor: datetime, opt_out: bool) -> pd.DataFrame:
        """Events up to `anchor` of every profile whose consent allows predictions, read a
        page of profiles per transaction; columns user_id, ts, type, revenue."""
        users: list[str] = []
        ms: list[int] = []
        types: list[str] = []
        revenue: list[float] = []
        after = ""
        while True:
            rows = await self._db.read_named("predictions/list_shopper_events", after=after,
                                             limit=PAGE, anchor=anchor, opt_out=opt_out)
            for r in rows:
                for when, kind, amount in r["events"]:
                    users.append(r["user_id"])
                    ms.append(when)
                    types.append(kind)
                    revenue.append(amount or 0.0)
            if len(rows) < PAGE:
                break
            after = rows[-1]["user_id"]
        return pd.DataFrame({"user_id": users, "ts": pd.to_datetime(ms, unit="ms", utc=True),
                             "type": types, "revenue": revenue})

    async def write(self, rows: list[dict[str, Any]], at: datetime) -> int:
        written = 0
        for start in range(0, len(rows), PAGE):
            result = await self._db.write_named("predictions/set_predictions",
                                                rows=rows[start:start + PAGE], at=at)
            written += int(result[0]["written"]) if result else 0
        return written

    async def clear_stale(self, at: datetime) -> int:
        cleared = 0
        while True:
            result = await self._db.write_named("predictions/clear_stale_predictions", at=at,
                                                limit=PAGE)
            n = int(result[0]["cleared"]) if result else 0
            cleared += n
            if n < PAGE:
                return cleared

    async def save_run(self, *, run_id: str, at: datetime, anchor: datetime | None,
                       status: str, scored: int, summary: dict[str, Any]) -> None:
        await self._db.write_named("predictions/save_prediction_run", run_id=run_id, at=at,
                                   anchor=anchor, status=status, scored=scored,
                                   summary=json.dumps(summary), keep=KEEP_RUNS)

    async def latest_run(self) -> dict[str, Any] | None:
        rows = await self._db.read_named("predictions/get_latest_prediction_run")
        if not rows:
            return None
        row = rows[0]
        return {**row, "at": row["at"].to_native(),
                "anchor": row["anchor"].to_native() if row["anchor"] else None,
                "summary": json.loads(row["summary"])}

    async def acquire(self, name: str, holder: str, now: datetime, until: datetime) -> bool:
        rows = await self._db.write_named("predictions/acquire_job_lease", name=name,
                                          holder=holder, now=now, until=until)
        return bool(rows)

    async def release(self, name: str, holder: str) -> None:
        await self._db.write_named("predictions/release_job_lease", name=name, holder=holder)

    async def segment_definitions(self) -> list[dict[str, Any]]:
        return await self._db.read_named("predictions/list_segments_using_predictions")
