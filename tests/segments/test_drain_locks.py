"""The membership drain evaluates without holding profile locks: a batch on a profile whose
work is being evaluated commits at once, and the drain applies that profile's work as it is
when it locks it (evaluated again), never the stale result, never clearing work unapplied."""

from __future__ import annotations

import asyncio
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from neo4j import AsyncDriver

from app.core.config import Settings
from app.intake.intake_service import parse_batch
from app.wiring import Services

SEGMENTS = [
    {"id": "buyers", "name": "Buyers", "condition": {
        "type": "event", "event_type": "order_completed", "within_days": 30}},
    {"id": "repeat-buyers", "name": "Repeat buyers", "condition": {
        "type": "event", "event_type": "order_completed", "within_days": 30, "min_count": 2}},
    {"id": "pros", "name": "Pro plan", "condition": {
        "type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}},
    {"id": "pro-buyers", "name": "Pro buyers", "condition": {"type": "and", "conditions": [
        {"type": "segment", "segment_id": "pros"},
        {"type": "segment", "segment_id": "buyers"}]}},
]


def _order(user: str) -> dict[str, Any]:
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user,
            "event": "Order Completed",
            "timestamp": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            "properties": {"order_id": str(uuid.uuid4()), "revenue": 20.0,
                           "products": [{"product_id": "sku-1", "price": 20.0}]}}


def _identify(user: str) -> dict[str, Any]:
    return {"type": "identify", "messageId": str(uuid.uuid4()), "userId": user,
            "timestamp": datetime.now(UTC).isoformat(), "traits": {"plan": "pro"}}


async def _ingest(services: Services, messages: list[dict[str, Any]]) -> None:
    await services.intake.ingest(parse_batch({"batch": messages}, datetime.now(UTC), 1000))


async def _segments_of(graph: AsyncDriver, user: str) -> set[str]:
    records, _, _ = await graph.execute_query(
        "MATCH (:User {user_id: $u})-[:IN_SEGMENT]->(s:Segment) RETURN s.segment_id AS s",
        u=user)
    return {r["s"] for r in records}


async def _pending(graph: AsyncDriver, user: str) -> bool:
    records, _, _ = await graph.execute_query(
        "MATCH (u:User {user_id: $u}) RETURN u.membership_pending IS NOT NULL AS p", u=user)
    return records[0]["p"]


async def _paused_drain(services: Services, during: Any) -> Any:
    """A drain paused between its evaluation and its apply while `during` runs."""
    evaluated, resume = asyncio.Event(), asyncio.Event()

    async def pause() -> None:
        evaluated.set()
        await resume.wait()

    services.membership.before_apply = pause
    drain = asyncio.create_task(services.membership.drain(100))
    try:
        async with asyncio.timeout(30):
            await evaluated.wait()
        services.membership.before_apply = None
        await during()
    finally:
        resume.set()
    return await drain


async def test_intake_commits_while_a_drain_evaluates_the_same_profile(
        graph: AsyncDriver, services: Services, opt_out: Settings) -> None:
    services.membership_worker._stopped = True  # work queues; drained below
    for definition in SEGMENTS:
        await services.segments.create(definition)
    await _ingest(services, [_order("shopper-1"), _order("other-1")])

    async def second_order() -> None:  # the profile the paused drain evaluated
        async with asyncio.timeout(5):  # not held up by the drain
            await _ingest(services, [_order("shopper-1")])

    result = await _paused_drain(services, second_order)
    # shopper-1's work moved during the evaluation (one order then, two now): evaluated
    # again under its lock, with both orders
    assert result.users == 2 and result.redone == 1
    assert await _segments_of(graph, "other-1") == {"buyers"}
    assert await _segments_of(graph, "shopper-1") == {"buyers", "repeat-buyers"}
    assert not await _pending(graph, "shopper-1")


async def test_work_recorded_during_an_evaluation_is_applied_with_the_earlier_work(
        graph: AsyncDriver, services: Services, opt_out: Settings) -> None:
    services.membership_worker._stopped = True
    for definition in SEGMENTS:
        await services.segments.create(definition)
    await _ingest(services, [_order("shopper-2")])

    async def identify() -> None:  # a different kind of change: a trait the drain never read
        async with asyncio.timeout(5):
            await _ingest(services, [_identify("shopper-2")])

    result = await _paused_drain(services, identify)
    assert result.users == 1 and result.redone == 1
    # both batches' work at once, not only what the evaluation read (the order): the
    # trait too, and the segment built on both
    assert await _segments_of(graph, "shopper-2") == {"buyers", "pros", "pro-buyers"}
    records, _, _ = await graph.execute_query(
        "MATCH (s:Segment)-[:MEMBERSHIP_CHANGED]->(m:MembershipChange {user_id: 'shopper-2'}) "
        "RETURN s.segment_id AS s, m.change AS c")
    assert sorted((r["s"], r["c"]) for r in records) == [
        ("buyers", "entered"), ("pro-buyers", "entered"), ("pros", "entered")]
    assert not await _pending(graph, "shopper-2")


async def test_a_referring_segment_sees_the_membership_applied_in_the_same_drain(
        graph: AsyncDriver, services: Services, opt_out: Settings) -> None:
    services.membership_worker._stopped = True
    for definition in SEGMENTS:
        await services.segments.create(definition)
    await _ingest(services, [_identify("shopper-3")])
    await services.membership_worker.run_until_idle()
    assert await _segments_of(graph, "shopper-3") == {"pros"}
    # the evaluation reads pros-and-buyers before buyers is applied; the apply step
    # evaluates it again once buyers is
    await _ingest(services, [_order("shopper-3")])
    await services.membership_worker.run_until_idle()
    assert await _segments_of(graph, "shopper-3") == {"buyers", "pros", "pro-buyers"}
