"""Experiment rules: upload (versioned), start, stop, list, get and results.

Clean service methods for the API, the CLI and the console alike. Changing what shoppers
are assigned to (variants, split, traffic, control, mode, audience) is refused once an
experiment has started: it would mix two experiments under one name.
"""

from __future__ import annotations

import json
import secrets
from datetime import UTC, datetime
from typing import Any

from app.core.errors import ApiError
from app.experiments.definition import ExperimentDefinition
from app.experiments.experiment_repository import ExperimentRepository
from app.experiments.reading import read_results
from app.experiments.strategies import StrategyCheck
from app.segments.document import validate
from app.segments.referrers import SegmentsGone
from app.segments.segment_repository import SegmentRepository

FROZEN_ONCE_STARTED = ("variants", "control", "traffic", "audience", "mode", "primary_metric")


def _no_audience() -> ApiError:
    return ApiError(422, "invalid_definition", "audience/segment_id: no such segment",
                    [{"field": "/audience/segment_id", "reason": "no such segment"}])


def _not_found(experiment_id: str) -> ApiError:
    return ApiError(404, "not_found", f"No experiment {experiment_id!r}")


def _summary(row: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in row.items()
           if k not in ("definition", "salt", "plan", "plan_revision")}
    out["definition"] = json.loads(row["definition"])
    for key in ("started_at", "stopped_at", "created_at", "updated_at"):
        if out.get(key) is not None:
            out[key] = out[key].iso_format()
    return out


class ExperimentService:
    def __init__(self, repository: ExperimentRepository, segments: SegmentRepository,
                 check: StrategyCheck | None = None) -> None:
        self._repository = repository
        self._segments = segments
        self._check = check
        self.on_change: list[Any] = []  # callables run after start/stop (serving caches)
        # async (definition) -> {field, reason} | None, run before a start (placements)
        self.start_checks: list[Any] = []

    @staticmethod
    def schema() -> dict[str, Any]:
        return ExperimentDefinition.model_json_schema()

    async def create(self, document: Any) -> dict[str, Any]:
        definition = validate(ExperimentDefinition, document)
        if definition.audience is not None and await self._segments.get(
                definition.audience.segment_id) is None:
            raise _no_audience()
        current = await self._repository.get(definition.id)
        if definition.version is not None:
            expected = (current["version"] if current else 0) + 1
            if definition.version != expected:
                raise ApiError(409, "version_conflict",
                               f"version {definition.version} given, the next is {expected}")
        if current is not None and current["status"] != "draft":
            before = ExperimentDefinition.model_validate_json(current["definition"])
            for field in FROZEN_ONCE_STARTED:
                if getattr(before, field) != getattr(definition, field):
                    raise ApiError(409, "experiment_started",
                                   f"{field} cannot change once the experiment has started",
                                   [{"field": f"/{field}", "reason": "frozen once started"}])
        stored = definition.model_dump_json(exclude={"version"}, exclude_none=True)
        audience = [definition.audience.segment_id] if definition.audience else []
        try:
            version = await self._repository.save(definition.id, definition.name, stored,
                                                   secrets.token_hex(16), datetime.now(UTC),
                                                   audience)
        except SegmentsGone:  # deleted since the check above: found under its lock
            raise _no_audience() from None
        return await self.get(definition.id) | {"version": version}

    async def list_all(self, include_archived: bool = True) -> list[dict[str, Any]]:
        return [_summary(r) for r in await self._repository.list_all()
                if include_archived or r["status"] != "archived"]

    async def get(self, experiment_id: str) -> dict[str, Any]:
        row = await self._repository.get(experiment_id)
        if row is None:
            raise _not_found(experiment_id)
        detail = _summary(row)
        detail["versions"] = [v["version"] for v in
                              await self._repository.list_versions(experiment_id)]
        return detail

    async def start(self, experiment_id: str) -> dict[str, Any]:
        row = await self._repository.get(experiment_id)
        if row is None:
            raise _not_found(experiment_id)
        definition = ExperimentDefinition.model_validate_json(row["definition"])
        if self._check is not None:
            for i, v in enumerate(definition.variants):
                why = self._check.unsupported(v.strategy)
                if why:
                    raise ApiError(409, "strategy_unavailable", f"variant {v.name!r}: {why}",
                                   [{"field": f"/variants/{i}/strategy", "reason": why}])
        for check in self.start_checks:
            problem = await check(definition)
            if problem is not None:
                raise ApiError(409, "strategy_unavailable", problem["reason"], [problem])
        started = await self._repository.start(experiment_id, definition.surface,
                                               datetime.now(UTC))
        if started is None:
            raise _not_found(experiment_id)
        if started["others"]:
            raise ApiError(409, "another_experiment_running",
                           f"experiment {started['others'][0]!r} is running; stop it first")
        if not started["allowed"]:
            raise ApiError(409, "experiment_stopped",
                           f"a {started['before']} experiment cannot restart")
        self._changed()
        return await self.get(experiment_id)

    async def stop(self, experiment_id: str) -> dict[str, Any]:
        if await self._repository.get(experiment_id) is None:
            raise _not_found(experiment_id)
        if await self._repository.set_status(experiment_id, "stopped", ["running", "stopped"],
                                             datetime.now(UTC)) is None:
            raise ApiError(409, "experiment_not_running", "only a running experiment stops")
        self._changed()
        return await self.get(experiment_id)

    async def archive(self, experiment_id: str) -> dict[str, Any]:
        """Out of the way (hidden from the default list), results kept; from draft or
        stopped."""
        await self._not_running(experiment_id, "archived")
        if await self._repository.set_status(experiment_id, "archived",
                                             ["draft", "stopped", "archived"],
                                             datetime.now(UTC)) is None:
            raise ApiError(409, "experiment_not_archivable",
                           "only a draft or stopped experiment can be archived")
        return await self.get(experiment_id)

    async def delete(self, experiment_id: str) -> dict[str, Any]:
        """The experiment, its versions, exposures and recorded variants; not while it runs.
        Marked `deleting` first: a delete cut short stays visible and can be retried."""
        await self._not_running(experiment_id, "deleted")
        if await self._repository.set_status(experiment_id, "deleting",
                                             ["draft", "stopped", "archived", "deleting"],
                                             datetime.now(UTC)) is None:
            raise ApiError(409, "experiment_running", "stop the experiment first")
        self._changed()
        return {"experiment_id": experiment_id, "deleted": True,
                **await self._repository.delete(experiment_id)}

    async def _not_running(self, experiment_id: str, what: str) -> None:
        row = await self._repository.get(experiment_id)
        if row is None:
            raise _not_found(experiment_id)
        if row["status"] == "running":
            raise ApiError(409, "experiment_running",
                           f"a running experiment cannot be {what}: stop it first")

    def _changed(self) -> None:
        for callback in self.on_change:
            callback()

    async def results(self, experiment_id: str) -> dict[str, Any]:
        row = await self._repository.get(experiment_id)
        if row is None:
            raise _not_found(experiment_id)
        return await read_results(self._repository, row)
