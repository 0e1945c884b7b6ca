"""One results read: the completed days, the schedule of looks, the frozen plan with the
looks taken since the last read recorded in the graph, then the results (results.py)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from app.experiments.bandit_snapshots import allocation_body, arm_counts, snapshot_of
from app.experiments.definition import ExperimentDefinition
from app.experiments.experiment_repository import FALLBACK_WINDOW_MS, ExperimentRepository
from app.experiments.outcomes import OutcomeRows
from app.experiments.plan import Plan, update
from app.experiments.results import build_results
from app.experiments.serving import utc_day
from app.experiments.verdicts import Schedule, day_end

ENDED = ("stopped", "archived")


def _native(value: Any) -> datetime | None:
    return value.to_native() if value is not None else None


def schedule(row: dict[str, Any], now: datetime) -> Schedule:
    started = _native(row["started_at"])
    first = day_end(utc_day(started)) if started else None
    running = row["status"] == "running"
    return Schedule(first_look_at=first,
                    next_look_at=day_end(utc_day(now)) if running else None,
                    first_look_passed=first is not None and first <= now)


async def read_results(repository: ExperimentRepository, row: dict[str, Any],
                       now: datetime | None = None) -> dict[str, Any]:
    now = now or datetime.now(UTC)
    experiment_id = row["experiment_id"]
    definition = ExperimentDefinition.model_validate_json(row["definition"])
    raw = await repository.outcome_rows(experiment_id, FALLBACK_WINDOW_MS)
    today = utc_day(now)
    stopped = row["status"] in ENDED
    stopped_at = _native(row["stopped_at"])
    stop_day = utc_day(stopped_at) if stopped and stopped_at else None
    # Looks at the end of each completed UTC day; a stopped experiment's last day is final.
    days = sorted({r["day"] for r in raw if r["day"] < today
                   or (stop_day is not None and r["day"] <= stop_day)})
    plan = await _recorded_plan(repository, row, definition, OutcomeRows.of(raw), days,
                                stopped)
    body = build_results(definition, raw, days, plan=plan, stopped=stopped,
                         schedule=schedule(row, now))
    body |= await _allocation(repository, experiment_id, definition, raw, body)
    return {"experiment_id": experiment_id, "version": row["version"],
            "status": row["status"], "mode": definition.mode,
            "computed_at": now.isoformat(),
            "attribution": {"by": "properties.recommendation_id",
                            "fallback_window_hours": FALLBACK_WINDOW_MS // 3_600_000},
            **body}


async def _recorded_plan(repository: ExperimentRepository, row: dict[str, Any],
                         definition: ExperimentDefinition, rows: OutcomeRows,
                         days: list[int], stopped: bool) -> Plan | None:
    """The stored plan with any new looks, recorded first (compare-and-set on its
    revision: a concurrent reader's record wins, and is what this read shows)."""
    if definition.mode == "bandit":
        return None
    stored = Plan.from_json(row["plan"]) if row.get("plan") else None
    plan = update(stored, definition, rows, days, stopped)
    if plan is None or plan == stored:
        return plan
    saved = await repository.save_plan(row["experiment_id"], row.get("plan_revision") or 0,
                                       plan.to_json())
    return Plan.from_json(saved) if saved else plan


async def _allocation(repository: ExperimentRepository, experiment_id: str,
                      definition: ExperimentDefinition, raw: list[dict[str, Any]],
                      body: dict[str, Any]) -> dict[str, Any]:
    """In bandit mode, the counts the serving processes share (the current refresh
    period's, stored in the graph), or the data now before any was stored."""
    if definition.mode != "bandit":
        return allocation_body(definition, body["variants"], None, None)
    stored = await repository.bandit_snapshot(experiment_id)
    snapshot = snapshot_of(stored) if stored is not None else None
    counts = snapshot.counts if snapshot else arm_counts(definition, raw)
    return allocation_body(definition, body["variants"], counts,
                           snapshot.counted_at if snapshot else None)
