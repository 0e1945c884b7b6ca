"""Cypher access for experiments, enrollment, exposures and outcomes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from neo4j import AsyncManagedTransaction

from app.db.database import Database
from app.db.queries import queries
from app.segments.referrers import lock_live_segments, tx_rows

OUTCOME_TYPES = ["product_clicked", "product_added", "order_completed"]
# Outcome events without a recommendation_id count for the shopper's latest exposure in the
# experiment up to this long before them (docs/experiments.md).
FALLBACK_WINDOW_MS = 24 * 3600 * 1000


class ExperimentRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def save(self, experiment_id: str, name: str, definition: str, salt: str,
                   now: datetime, segment_ids: list[str]) -> int:
        """The new version. Locks the audience segment first and raises SegmentsGone, saving
        nothing, when it is gone or being deleted (a DELETE cannot slip between)."""
        async def work(tx: AsyncManagedTransaction) -> int:
            await lock_live_segments(tx, segment_ids)
            [row] = await tx_rows(tx, "experiments/save_experiment", experiment_id=experiment_id,
                               name=name, definition=definition, salt=salt, now=now)
            return int(row["version"])

        return await self._db.write_tx(work)

    async def get(self, experiment_id: str) -> dict[str, Any] | None:
        rows = await self._db.read_named("experiments/get_experiment", experiment_id=experiment_id)
        return rows[0] if rows else None

    async def list_all(self) -> list[dict[str, Any]]:
        return await self._db.read_named("experiments/list_experiments")

    async def delete(self, experiment_id: str) -> dict[str, int]:
        """Exposures and assignments in batches (auto-commit), then the node and versions;
        each step idempotent, so a delete that failed half-way is finished by a retry."""
        params = {"experiment_id": experiment_id}
        exposures = await self._db.autocommit(
            queries["experiments/delete_experiment_exposures"], params)
        assignments = await self._db.autocommit(
            queries["experiments/delete_experiment_assignments"], params)
        rows = await self._db.write_named("experiments/delete_experiment", **params)
        return {"exposures_deleted": int(exposures[0]["deleted"]),
                "assignments_deleted": int(assignments[0]["deleted"]),
                "versions_deleted": int(rows[0]["versions"]) if rows else 0}

    async def list_versions(self, experiment_id: str) -> list[dict[str, Any]]:
        return await self._db.read_named("experiments/list_experiment_versions",
                                         experiment_id=experiment_id)

    async def running(self) -> list[dict[str, Any]]:
        return await self._db.read_named("experiments/list_running_experiments")

    async def start(self, experiment_id: str, surface: str,
                    now: datetime) -> dict[str, Any] | None:
        """Starts it unless another runs on the same surface or it has ended, atomically (see
        the statement); None when there is no such experiment."""
        rows = await self._db.write_named("experiments/start_experiment",
                                          experiment_id=experiment_id, surface=surface, now=now)
        return rows[0] if rows else None

    async def set_status(self, experiment_id: str, status: str, allowed_from: list[str],
                         now: datetime) -> str | None:
        rows = await self._db.write_named("experiments/set_experiment_status",
                                          experiment_id=experiment_id, status=status,
                                          **{"from": allowed_from}, now=now)
        return rows[0]["status"] if rows else None

    async def save_plan(self, experiment_id: str, expected_revision: int,
                        plan: str) -> str | None:
        """Stores `plan` if the stored revision is still `expected_revision`; returns the
        plan stored now (this one, or another reader's)."""
        rows = await self._db.write_named("experiments/save_plan", experiment_id=experiment_id,
                                          expected=expected_revision, plan=plan)
        return rows[0]["plan"] if rows else None

    async def bandit_snapshot(self, experiment_id: str) -> dict[str, Any] | None:
        rows = await self._db.read_named("experiments/get_bandit_snapshot",
                                         experiment_id=experiment_id)
        return rows[0] if rows and rows[0]["counts"] is not None else None

    async def save_bandit_snapshot(self, experiment_id: str, bucket: int, refresh_s: float,
                                   counts: str, now: datetime) -> dict[str, Any] | None:
        """Stores the counts of period `bucket` unless one of it (or later) is stored;
        returns the stored snapshot either way."""
        rows = await self._db.write_named("experiments/save_bandit_snapshot",
                                          experiment_id=experiment_id, bucket=bucket,
                                          refresh_s=refresh_s, counts=counts, now=now)
        return rows[0] if rows else None

    async def outcome_rows(self, experiment_id: str, fallback_ms: int) -> list[dict[str, Any]]:
        return await self._db.read_named("experiments/list_outcome_rows",
                                         experiment_id=experiment_id, outcome_types=OUTCOME_TYPES,
                                         fallback_ms=fallback_ms)

    async def write_exposures(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Exposures and the attribution of events that arrived before them, in one
        transaction; returns the newly linked outcomes by strategy, variant and type."""

        async def work(tx: AsyncManagedTransaction) -> list[dict[str, Any]]:
            result = await tx.run(queries["experiments/record_exposures"], exposures=rows)
            await result.consume()
            result = await tx.run(queries["experiments/attribute_by_recommendation"],
                                  recommendation_ids=[r["recommendation_id"] for r in rows],
                                  outcome_types=OUTCOME_TYPES, token=uuid.uuid4().hex)
            return [r.data() async for r in result]

        return await self._db.write_tx(work)

    async def attribute_user_events(self, user_ids: list[str],
                                    since: datetime) -> list[dict[str, Any]]:
        return await self._db.write_named("experiments/attribute_user_events", user_ids=user_ids,
                                          outcome_types=OUTCOME_TYPES, since=since,
                                          token=uuid.uuid4().hex)
