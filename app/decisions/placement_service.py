"""Placement definitions: put (validate, check the segments rules name, version), read,
list, delete. Versioned like segments: every put stores a new version, history kept."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from app.core.errors import ApiError
from app.db.values import native
from app.decisions.definition import PlacementDefinition
from app.decisions.placement_repository import PlacementRepository
from app.decisions.schemas import (
    PlacementDetail,
    PlacementSummary,
    PlacementVersion,
)
from app.segments.document import validate
from app.segments.referrers import SegmentsGone


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _not_found(placement_id: str) -> ApiError:
    return ApiError(404, "not_found", f"no placement {placement_id!r}")


class PlacementService:
    def __init__(self, repository: PlacementRepository,
                 clock: Callable[[], datetime] = _utcnow) -> None:
        self._repository = repository
        self._clock = clock
        self.on_change: list[Callable[[], None]] = []

    @staticmethod
    def schema() -> dict[str, Any]:
        return PlacementDefinition.model_json_schema()

    async def check_segments(self, definition: PlacementDefinition) -> None:
        """Rules may only name saved segments: a typo would silently never match."""
        named = definition.referenced_segments()
        if not named:
            return
        known = await self._repository.known_segments(sorted({s for _, s in named}))
        _refuse_unknown(named, known)

    async def put(self, placement_id: str, document: Any) -> PlacementDetail:
        if isinstance(document, dict):
            if document.get("id", placement_id) != placement_id:
                raise ApiError(422, "invalid_definition", "the id differs from the path's",
                               [{"field": "/id", "reason": f"must be {placement_id!r} (the "
                                                           "path's id) or left out"}])
            document = {**document, "id": placement_id}
        definition = validate(PlacementDefinition, document)
        await self.check_segments(definition)
        if definition.version is not None:
            current = await self._repository.get(placement_id)
            expected = (current["version"] if current else 0) + 1
            if definition.version != expected:
                raise ApiError(409, "version_conflict",
                               f"version {definition.version} given, the next is {expected}",
                               [{"field": "/version", "reason": f"the next version is {expected}"}])
        named = definition.referenced_segments()
        try:
            await self._repository.save(placement_id, definition.name,
                                        definition.model_dump_json(exclude_none=True,
                                                                   exclude={"version"}),
                                        self._clock(), [s for _, s in named])
        except SegmentsGone as exc:  # deleted since check_segments: found under its lock
            _refuse_unknown(named, {s for _, s in named} - set(exc.missing))
        for callback in self.on_change:
            callback()
        return await self.get(placement_id)

    async def get(self, placement_id: str) -> PlacementDetail:
        row = await self._repository.get(placement_id)
        if row is None:
            raise _not_found(placement_id)
        return PlacementDetail(**_summary(row).model_dump(), versions=list(row["versions"]))

    async def get_version(self, placement_id: str, version: int) -> PlacementVersion:
        row = await self._repository.get_version(placement_id, version)
        if row is None:
            raise ApiError(404, "not_found",
                           f"placement {placement_id!r} has no version {version}")
        return PlacementVersion(placement_id=placement_id, version=row["version"],
                                definition=json.loads(row["definition"]),
                                created_at=native(row["created_at"]))

    async def list_all(self) -> list[PlacementSummary]:
        return [_summary(r) for r in await self._repository.list_all()]

    async def delete(self, placement_id: str) -> None:
        if not await self._repository.delete(placement_id):
            raise _not_found(placement_id)
        for callback in self.on_change:
            callback()


def _refuse_unknown(named: list[tuple[str, str]], known: set[str]) -> None:
    """The 422 for rules naming segments not in `known` (a typo would silently never
    match)."""
    bad = [(p, s) for p, s in named if s not in known]
    if bad:
        raise ApiError(422, "invalid_definition", f"unknown segment {bad[0][1]!r}",
                       [{"field": p, "reason": f"no segment {s!r} exists"} for p, s in bad])


def _summary(row: dict[str, Any]) -> PlacementSummary:
    return PlacementSummary(placement_id=row["placement_id"], name=row["name"],
                            version=row["version"], definition=json.loads(row["definition"]),
                            created_at=native(row["created_at"]),
                            updated_at=native(row["updated_at"]))
