"""Property: after new events, the membership worker's drain (re-evaluating only the
segments indexed under those event types, for those users only) leaves membership exactly as
the oracle computes it over the whole log (the dependency index never skips a segment that
could change)."""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from neo4j import AsyncDriver

from app.db.database import Database
from app.segments.loaded import CompileCache
from app.segments.membership import MembershipRepository, MembershipService, MembershipWorker
from app.segments.segment_repository import SegmentRepository
from app.segments.segment_service import SegmentService
from tests.conftest import wipe_data
from tests.segments.dataset import NOW, Dataset, member_ids, write_dataset
from tests.segments.oracle import Oracle
from tests.segments.strategies import conditions, datasets, leaf_of, parse
from tests.segments.work import ingested


@settings(max_examples=30, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.data_too_large])
@given(data=datasets(),
       conds=st.lists(st.one_of(leaf_of("sequence"), leaf_of("event"), conditions()),
                      min_size=1, max_size=3),
       tail=st.integers(min_value=1, max_value=3))
async def test_incremental_matches_oracle(graph: AsyncDriver, data: Dataset,
                                          conds: list[dict[str, Any]], tail: int) -> None:
    await wipe_data(graph, "neo4j")
    cut = max(0, len(data.events) - tail)  # the last few events arrive after the upload
    before, after = data.events[:cut], data.events[cut:]
    await write_dataset(graph, Dataset(data.users, data.items, before))
    cache = CompileCache()
    db = Database(graph, "neo4j")
    segments, members = SegmentRepository(db), MembershipRepository(db)
    membership = MembershipService(segments, members, cache, clock=lambda: NOW)
    service = SegmentService(segments, members, membership, cache, clock=lambda: NOW)
    for n, cond in enumerate(conds):
        await service.create({"id": f"s{n}", "name": f"s{n}", "condition": cond})

    await write_dataset(graph, Dataset([], data.items, after))
    types: dict[str, set[str]] = {}
    for event in after:
        types.setdefault(event.user_id, set()).add(event.type)
    if types:
        await ingested(graph, MembershipWorker(membership), types)

    oracle = Oracle(data, NOW)
    for n, cond in enumerate(conds):
        assert await member_ids(graph, f"s{n}") == oracle.members(parse(cond)), f"s{n}"
