"""Segment definitions: upload (validate, reject cycles, compile, EXPLAIN, version, index,
materialize), read, delete, preview, and "does this user match, and why"."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from neo4j.exceptions import CypherSyntaxError, CypherTypeError

from app.core.cursor import decode_cursor, encode_cursor
from app.core.errors import ApiError
from app.db.queries import queries
from app.db.values import native
from app.segments.change_feed import after_cursor, next_cursor
from app.segments.compiler import CompiledSegment, compile_condition, time_dependent
from app.segments.condition_tree import children, pointers
from app.segments.definition import (
    Condition,
    PreviewRequest,
    SegmentCondition,
    SegmentDefinition,
)
from app.segments.deletion import DeletionProgress, SegmentDeleter
from app.segments.dependencies import (
    closure_keys,
    closure_time_dependent,
    dependents,
    direct_keys,
    find_cycle,
)
from app.segments.document import validate
from app.segments.loaded import CompileCache
from app.segments.membership import MembershipRepository, MembershipService
from app.segments.referrers import SegmentInUse
from app.segments.refresh import preview_statement
from app.segments.schemas import (
    ConditionResult,
    Member,
    MemberExplanation,
    MembershipChange,
    MembershipChanges,
    MembersPage,
    SegmentCount,
    SegmentDetail,
    SegmentPreview,
    SegmentSummary,
    SegmentVersion,
    UserSegment,
    UserSegments,
)
from app.segments.segment_repository import SegmentRepository


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _json_value(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


def condition_pointers(cond: Condition, path: str = "/condition") -> list[tuple[str, Condition]]:
    """(JSON pointer, condition) in pre-order, the order of `CompiledSegment.node_predicates`."""
    return pointers(cond, path)


class SegmentService:
    def __init__(self, segments: SegmentRepository, members: MembershipRepository,
                 membership: MembershipService, cache: CompileCache,
                 clock: Callable[[], datetime] = _utcnow,
                 deleter: SegmentDeleter | None = None) -> None:
        self._segments = segments
        self._deleter = deleter or SegmentDeleter(segments.db, 10_000)
        self._members = members
        self._membership = membership
        self._cache = cache
        self._clock = clock

    @staticmethod
    def schema() -> dict[str, Any]:
        return SegmentDefinition.model_json_schema()

    # -- upload ----------------------------------------------------------------------------

    async def _references(self) -> dict[str, set[str]]:
        return {r["segment_id"]: self._cache.load(r["segment_id"], r["version"],
                                                  r["definition"]).references
                for r in await self._segments.index()}

    def _check_references(self, definition: SegmentDefinition, refs: dict[str, set[str]]
                          ) -> None:
        known = set(refs) | {definition.id}
        bad = [(p, c) for p, c in condition_pointers(definition.condition)
               if isinstance(c, SegmentCondition) and c.segment_id not in known]
        if bad:
            raise ApiError(422, "invalid_definition", f"unknown segment {bad[0][1].segment_id!r}",
                           [{"field": f"{p}/segment_id",
                             "reason": f"no segment {c.segment_id!r} exists"} for p, c in bad])
        cycle = find_cycle({**refs, definition.id: definition.referenced_segments()})
        if cycle:
            where = next(p for p, c in condition_pointers(definition.condition)
                         if isinstance(c, SegmentCondition) and c.segment_id in cycle)
            raise ApiError(422, "segment_cycle",
                           "segment references form a cycle: " + " -> ".join(cycle),
                           [{"field": f"{where}/segment_id",
                             "reason": "cycle " + " -> ".join(cycle)}])

    async def _explain(self, compiled: CompiledSegment, now: datetime) -> None:
        try:
            await self._segments.explain(compiled.cypher, compiled.parameters(now))
            await self._segments.explain(compiled.cypher_for_users,
                                         compiled.parameters(now, user_ids=[]))
        except (CypherSyntaxError, CypherTypeError) as exc:
            raise ApiError(422, "uncompilable_definition",
                           f"the compiled query does not plan: {exc.message}",
                           [{"field": "/condition", "reason": "compiled query rejected"}]
                           ) from None

    async def reindex(self) -> None:
        """Dependency keys and clock dependence of every segment, closed over references."""
        rows = await self._segments.index()
        loaded = {r["segment_id"]: self._cache.load(r["segment_id"], r["version"],
                                                    r["definition"]) for r in rows}
        refs = {s: seg.references & loaded.keys() for s, seg in loaded.items()}
        keys = closure_keys({s: direct_keys(seg.definition) for s, seg in loaded.items()}, refs)
        timed = closure_time_dependent(
            {s: time_dependent(seg.definition.condition) for s, seg in loaded.items()}, refs)
        await self._segments.set_index([
            {"segment_id": s, "depends_on": sorted(keys[s]), "time_dependent": timed[s],
             "references": sorted(refs[s])} for s in loaded])

    async def create(self, document: Any) -> SegmentDetail:
        definition = validate(SegmentDefinition, document)
        refs = await self._references()
        self._check_references(definition, refs)
        if definition.version is not None:
            current = await self._segments.get(definition.id)
            expected = (current["version"] if current else 0) + 1
            if definition.version != expected:
                raise ApiError(409, "version_conflict",
                               f"version {definition.version} given, the next is {expected}",
                               [{"field": "/version", "reason": f"the next version is {expected}"}])
        compiled = compile_condition(definition.condition)
        now = self._clock()
        await self._explain(compiled, now)
        saved = await self._segments.save(definition.id, definition.name,
                                          definition.model_dump_json(exclude_none=True,
                                                                     exclude={"version"}),
                                          compiled.cypher, now)
        if saved is None:
            raise ApiError(409, "segment_being_deleted",
                           f"segment {definition.id!r} is being deleted; save it again once "
                           "DELETE answers that it is gone",
                           [{"field": "/id", "reason": "a segment of this id is being deleted"}])
        await self.reindex()
        await self._membership.refresh([definition.id], now=now)
        return await self.get(definition.id)

    # -- reads -----------------------------------------------------------------------------

    def _version(self, row: dict[str, Any]) -> SegmentVersion:
        segment = self._cache.load(row["segment_id"], row["version"], row["definition"])
        compiled = self._cache.compiled(segment)
        return SegmentVersion(
            segment_id=row["segment_id"], name=row.get("name") or segment.definition.name,
            version=row["version"], definition=json.loads(row["definition"]),
            compiled_cypher=row["compiled_cypher"],
            parameters={k: _json_value(v) for k, v in compiled.params.items()},
            created_at=native(row.get("created_at")))

    async def get(self, segment_id: str) -> SegmentDetail:
        row = await self._segments.get(segment_id)
        if row is None:
            raise ApiError(404, "not_found", f"no segment {segment_id!r}")
        versions = [v["version"] for v in await self._segments.list_versions(segment_id)]
        return SegmentDetail(**dict(self._version(row)), size=row["size"],
                             updated_at=native(row.get("updated_at")), versions=versions)

    async def get_version(self, segment_id: str, version: int) -> SegmentVersion:
        row = await self._segments.get_version(segment_id, version)
        if row is None:
            raise ApiError(404, "not_found", f"segment {segment_id!r} has no version {version}")
        return self._version(row)

    async def list_all(self) -> list[SegmentSummary]:
        return [SegmentSummary(segment_id=r["segment_id"], name=r["name"], version=r["version"],
                               definition=json.loads(r["definition"]),
                               created_at=native(r.get("created_at")), size=r["size"],
                               updated_at=native(r.get("updated_at")))
                for r in await self._segments.list_all()]

    async def delete(self, segment_id: str, budget_s: float | None = None
                     ) -> DeletionProgress:
        """Deletes the segment in bounded transactions (app/segments/deletion.py) for at most
        `budget_s` (None: until done); the progress says whether it is gone."""
        refs = await self._references()
        users = sorted(dependents([segment_id], refs) - {segment_id}) if segment_id in refs \
            else []
        if users:
            raise ApiError(409, "segment_in_use",
                           f"segments {', '.join(users)} refer to {segment_id!r}",
                           [{"field": "segment_id", "reason": f"referred to by {s}"}
                            for s in users])
        try:
            marked = await self._deleter.mark(segment_id)  # also resumes one being deleted
        except SegmentInUse as exc:
            raise exc.api_error() from None
        if not marked:
            raise ApiError(404, "not_found", f"no segment {segment_id!r}")
        await self.reindex()
        return await self._deleter.work(segment_id, budget_s)

    # -- evaluation ------------------------------------------------------------------------

    async def preview(self, document: Any) -> SegmentPreview:
        request = validate(PreviewRequest, document)
        refs = await self._references()
        probe = SegmentDefinition(id=request.id or "preview", name=request.name or "preview",
                                  condition=request.condition)
        self._check_references(probe, refs)
        compiled = compile_condition(request.condition)
        [row] = await self._members.run_compiled(
            preview_statement(compiled),
            compiled.parameters(self._clock(), sample_size=request.sample_size))
        return SegmentPreview(count=row["count"], sample=row["sample"],
                              compiled_cypher=compiled.cypher)

    async def members(self, segment_id: str, cursor: str | None, limit: int) -> MembersPage:
        if await self._members.count(segment_id) is None:
            raise ApiError(404, "not_found", f"no segment {segment_id!r}")
        after = decode_cursor(cursor, 1)[0] if cursor else None
        rows = await self._members.page(segment_id, after, limit + 1)
        page = rows[:limit]
        return MembersPage(
            members=[Member(user_id=r["user_id"], since=native(r["since"])) for r in page],
            next_cursor=encode_cursor(page[-1]["user_id"]) if len(rows) > limit else None)

    async def count(self, segment_id: str) -> SegmentCount:
        size = await self._members.count(segment_id)
        if size is None:
            raise ApiError(404, "not_found", f"no segment {segment_id!r}")
        return SegmentCount(segment_id=segment_id, count=size)

    async def _resolve(self, id_: str) -> str:
        """The profile an id names now: its user_id, or a userId/anonymousId merged into it
        (the rule of /v1/users/{id}/profile)."""
        user_id = await self._members.resolve_user(id_)
        if user_id is None:
            raise ApiError(404, "not_found", f"no user {id_!r}")
        return user_id

    async def explain_member(self, segment_id: str, id_: str) -> MemberExplanation:
        row = await self._segments.get(segment_id)
        if row is None:
            raise ApiError(404, "not_found", f"no segment {segment_id!r}")
        user_id = await self._resolve(id_)
        segment = self._cache.load(segment_id, row["version"], row["definition"])
        compiled = self._cache.compiled(segment)
        nodes = condition_pointers(segment.definition.condition)
        cypher = queries["segments/explain_member"].replace(
            "__PREDICATES__", ", ".join(compiled.node_predicates))
        rows = await self._members.run_compiled(
            cypher, compiled.parameters(self._clock(), user_id=user_id, segment_id=segment_id))
        if not rows:
            raise ApiError(404, "not_found", f"no user {user_id!r}")
        results = rows[0]["results"]
        return MemberExplanation(
            segment_id=segment_id, version=row["version"], user_id=user_id,
            member=rows[0]["member"], matches=results[0],
            conditions=[ConditionResult(pointer=p, type=c.type, matches=r,
                                        condition=c.model_dump(mode="json", exclude_none=True)
                                        if not children(c) else None)
                        for (p, c), r in zip(nodes, results, strict=True)])

    async def user_segments(self, id_: str) -> UserSegments:
        user_id = await self._resolve(id_)
        segments = await self._members.user_segments(user_id)
        if segments is None:
            raise ApiError(404, "not_found", f"no user {user_id!r}")
        return UserSegments(user_id=user_id, segments=sorted(
            (UserSegment(**native(s)) for s in segments), key=lambda s: s.segment_id))

    async def changes(self, segment_id: str, user_id: str | None, limit: int,
                      cursor: str | None = None) -> MembershipChanges:
        if await self._members.count(segment_id) is None:
            raise ApiError(404, "not_found", f"no segment {segment_id!r}")
        after = after_cursor(cursor) if cursor else None
        rows = await self._members.changes(segment_id, user_id, limit + 1, after)
        return MembershipChanges(
            segment_id=segment_id,
            changes=[MembershipChange(user_id=r["user_id"], change=r["change"],
                                      at=native(r["at"])) for r in rows[:limit]],
            next_cursor=next_cursor(rows, limit))
