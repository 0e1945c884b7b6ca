"""What keeps membership lag short under load, exactly: a drain's segment statements run at
once, the next drain evaluates while the previous one applies (leaving its profiles out), and
the lag is measured from the ingest commit, on buckets fine enough around 1 s."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from neo4j import AsyncDriver
from prometheus_client import REGISTRY

from app.core.config import Settings
from app.intake.intake_service import parse_batch
from app.segments.membership.changes import IncrementalResult
from app.segments.membership.drain import Evaluation
from app.segments.membership.repository import MembershipRepository
from app.segments.membership.worker import MembershipWorker
from app.wiring import Services

SEGMENTS = [
    {"id": "buyers", "name": "Buyers", "condition": {
        "type": "event", "event_type": "order_completed", "within_days": 30}},
    {"id": "repeat-buyers", "name": "Repeat buyers", "condition": {
        "type": "event", "event_type": "order_completed", "within_days": 30, "min_count": 2}},
    {"id": "big-spenders", "name": "Big spenders", "condition": {
        "type": "event", "event_type": "order_completed", "within_days": 30,
        "aggregate": {"fn": "sum", "property": "p_revenue", "op": "gte", "value": 30}}},
    {"id": "pros", "name": "Pro plan", "condition": {
        "type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}},
]


def _order(user: str, revenue: float = 20.0) -> dict[str, Any]:
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user,
            "event": "Order Completed",
            "timestamp": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            "properties": {"order_id": str(uuid.uuid4()), "revenue": revenue,
                           "products": [{"product_id": "sku-1", "price": revenue}]}}


async def _ingest(services: Services, messages: list[dict[str, Any]], **kw: Any) -> None:
    await services.intake.ingest(parse_batch({"batch": messages}, datetime.now(UTC), 1000),
                                 **kw)


async def _segments_of(graph: AsyncDriver, user: str) -> set[str]:
    records, _, _ = await graph.execute_query(
        "MATCH (:User {user_id: $u})-[:IN_SEGMENT]->(s:Segment) RETURN s.segment_id AS s",
        u=user)
    return {r["s"] for r in records}


async def _pending_count(graph: AsyncDriver) -> int:
    records, _, _ = await graph.execute_query(
        "MATCH (u:User) WHERE u.membership_pending IS NOT NULL RETURN count(u) AS n")
    return records[0]["n"]


async def _queued(services: Services) -> None:
    services.membership_worker._stopped = True  # work queues; drained by the test
    for definition in SEGMENTS:
        await services.segments.create(definition)


async def test_a_drain_runs_its_segment_statements_at_once(
        graph: AsyncDriver, services: Services, opt_out: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    await _queued(services)
    await _ingest(services, [_order("shopper-1", 25.0), _order("shopper-1", 25.0),
                             _order("shopper-2")])
    running, most = 0, 0
    real = MembershipRepository.run_compiled

    async def counted(self: MembershipRepository, cypher: str, params: Mapping[str, Any]
                      ) -> list[dict[str, Any]]:
        nonlocal running, most
        running += 1
        most = max(most, running)
        try:
            await asyncio.sleep(0.05)  # long enough for the others to start
            return await real(self, cypher, params)
        finally:
            running -= 1

    monkeypatch.setattr(MembershipRepository, "run_compiled", counted)
    result = await services.membership.drain(100)
    # the three segments orders touch (not the trait one), read at the same time
    assert most == 3
    assert result.users == 2
    assert await _segments_of(graph, "shopper-1") == {"buyers", "repeat-buyers",
                                                      "big-spenders"}
    assert await _segments_of(graph, "shopper-2") == {"buyers"}
    assert await _pending_count(graph) == 0


async def test_lag_is_measured_from_the_ingest_commit(
        graph: AsyncDriver, services: Services, opt_out: Settings) -> None:
    await _queued(services)
    # an import with batch times an hour old: the work waited milliseconds, not an hour
    await _ingest(services, [_order("shopper-3")],
                  received_at=datetime.now(UTC) - timedelta(hours=1), source="import")
    result = await services.membership.drain(100)
    assert result.users == 1 and len(result.lags_s) == 1
    assert 0 <= result.lags_s[0] < 60
    assert await _segments_of(graph, "shopper-3") == {"buyers"}


async def test_the_next_drain_evaluates_while_the_previous_one_applies(
        graph: AsyncDriver, services: Services, opt_out: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    await _queued(services)
    membership = services.membership
    worker = MembershipWorker(membership)
    release, second_evaluated = asyncio.Event(), asyncio.Event()
    evaluated: list[set[str]] = []
    real_apply, real_evaluate = membership.apply_work, membership.evaluate_work

    async def held_apply(evaluation: Evaluation) -> IncrementalResult:
        await release.wait()
        return await real_apply(evaluation)

    async def seen_evaluate(limit: int, exclude: Any = ()) -> Evaluation:
        evaluation = await real_evaluate(limit, exclude)
        evaluated.append({r["user_id"] for r in evaluation.work})
        if len(evaluated) == 2:
            second_evaluated.set()
        return evaluation

    monkeypatch.setattr(membership, "apply_work", held_apply)
    monkeypatch.setattr(membership, "evaluate_work", seen_evaluate)
    await _ingest(services, [_order("shopper-4")])
    assert await worker._overlapped_drain()  # its apply is held
    # while it applies: a second order for the profile being applied, and a new profile
    await _ingest(services, [_order("shopper-4"), _order("shopper-5")])
    second = asyncio.create_task(worker._overlapped_drain())
    async with asyncio.timeout(10):
        await second_evaluated.wait()
    assert evaluated == [{"shopper-4"}, {"shopper-5"}]  # evaluated without waiting, and
    assert not second.done()  # its apply waits for the previous one's
    release.set()
    async with asyncio.timeout(10):
        assert await second
        await worker._settle()
    # shopper-4's second order committed before its held apply took the lock: evaluated
    # again under the lock, with both orders
    assert await _segments_of(graph, "shopper-4") == {"buyers", "repeat-buyers",
                                                      "big-spenders"}
    assert await _segments_of(graph, "shopper-5") == {"buyers"}
    assert await _pending_count(graph) == 0


async def test_drain_times_and_lag_buckets_on_metrics(
        graph: AsyncDriver, services: Services, opt_out: Settings) -> None:
    await _queued(services)

    def count(name: str, labels: dict[str, str]) -> float:
        return REGISTRY.get_sample_value(name, labels) or 0.0

    before = count("profilegraph_membership_drain_seconds_count", {"phase": "apply"})
    await _ingest(services, [_order("shopper-6")])
    worker = MembershipWorker(services.membership)
    assert await worker.run_until_idle() == 1
    assert count("profilegraph_membership_drain_seconds_count", {"phase": "apply"}) == \
        before + 1
    assert count("profilegraph_membership_drain_seconds_count", {"phase": "evaluate"}) >= 1
    for le in ("0.5", "0.75", "1.0", "1.5", "2.0"):  # p99 against 1 s can be told apart
        assert REGISTRY.get_sample_value("profilegraph_membership_lag_seconds_bucket",
                                         {"le": le}) is not None
