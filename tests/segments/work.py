"""Membership work for events a test wrote straight to the graph: recorded as intake records
it in a batch's transaction (cypher/intake/mark_membership_work.cypher), then handed to the
membership worker as intake hands it, so tests of membership go through the path production
runs."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime

from neo4j import AsyncDriver

from app.db.queries import queries
from app.intake.ingest_hooks import IngestedChange
from app.segments.membership import MembershipWorker
from tests.segments.dataset import NOW


async def record_work(graph: AsyncDriver, types_by_user: Mapping[str, Iterable[str]],
                      renamed: Mapping[str, list[str]] | None = None,
                      merged: Mapping[str, str] | None = None, now: datetime = NOW) -> None:
    """`merged`: old id -> survivor (the survivor changed in every respect, '*');
    `renamed`: a profile -> the ids it had before."""
    olds: dict[str, list[str]] = {u: list(ids) for u, ids in (renamed or {}).items()}
    marks = [{"u": None, "user_id": u, "types": sorted(types), "renamed": olds.pop(u, [])}
             for u, types in types_by_user.items()]
    for old, survivor in (merged or {}).items():
        marks.append({"u": None, "user_id": survivor, "types": ["*"], "renamed": [old]})
    marks += [{"u": None, "user_id": u, "types": [], "renamed": ids} for u, ids in olds.items()]
    await graph.execute_query(queries["intake/mark_membership_work"], marks=marks, now=now,
                              marked_at=datetime.now(UTC), eid_prefix="", user_eids={})


async def ingested(graph: AsyncDriver, worker: MembershipWorker,
                   types_by_user: Mapping[str, Iterable[str]],
                   renamed: Mapping[str, list[str]] | None = None,
                   merged: Mapping[str, str] | None = None) -> None:
    """Record the work, then notify the worker as intake does after its commit."""
    await record_work(graph, types_by_user, renamed, merged)
    await worker.on_ingest(IngestedChange(
        {u: frozenset(t) for u, t in types_by_user.items()}, merged=dict(merged or {})))
