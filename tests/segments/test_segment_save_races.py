"""A segment saved while batches are in flight: the work those batches record is applied
against the segments that exist when it is drained, never a copy from before the save."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.intake.intake_service import parse_batch
from app.wiring import Services, open_services

BUYERS = {"id": "buyers", "name": "Buyers", "condition": {
    "type": "event", "event_type": "order_completed", "within_days": 30}}


def _order(user: str) -> dict[str, Any]:
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user,
            "event": "Order Completed",
            "timestamp": (datetime.now(UTC) - timedelta(minutes=1)).isoformat(),
            "properties": {"order_id": str(uuid.uuid4()), "revenue": 20.0,
                           "products": [{"product_id": "sku-1", "price": 20.0}]}}


async def _ingest(services: Services, users: list[str]) -> None:
    messages = parse_batch({"batch": [_order(u) for u in users]}, datetime.now(UTC), 1000)
    await services.intake.ingest(messages)


async def _members(graph: AsyncDriver, segment_id: str) -> set[str]:
    records, _, _ = await graph.execute_query(
        "MATCH (:Segment {segment_id: $s})<-[:IN_SEGMENT]-(u:User) RETURN u.user_id AS id",
        s=segment_id)
    return {r["id"] for r in records}


async def _save_missing(services: Services, monkeypatch: pytest.MonkeyPatch,
                        users_in_flight: list[str]) -> None:
    """Save BUYERS as if its materialization had read the graph before the in-flight
    batch committed: the refresh sees everyone but those users."""
    refresh = services.membership.refresh

    async def early_refresh(*args: Any, **kwargs: Any) -> Any:
        result = await refresh(*args, **kwargs)
        await services.driver.execute_query(
            "MATCH (u:User)-[r:IN_SEGMENT]->(:Segment {segment_id: 'buyers'}) "
            "WHERE u.user_id IN $users DELETE r", users=users_in_flight)
        return result

    monkeypatch.setattr(services.membership, "refresh", early_refresh)
    await services.segments.create(BUYERS)
    monkeypatch.setattr(services.membership, "refresh", refresh)


async def test_a_batch_committed_before_the_first_segment_records_its_work(
        graph: AsyncDriver, services: Services, opt_out: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    services.membership_worker._stopped = True  # work queues; drained below
    await _ingest(services, ["early-1", "early-2"])  # no segment exists yet
    await _save_missing(services, monkeypatch, ["early-1", "early-2"])
    assert await _members(graph, "buyers") == set()
    await services.membership_worker.run_until_idle()
    assert await _members(graph, "buyers") == {"early-1", "early-2"}


async def test_a_drain_sees_a_segment_another_replica_just_saved(
        graph: AsyncDriver, settings: Settings, services: Services, opt_out: Settings,
        monkeypatch: pytest.MonkeyPatch) -> None:
    services.membership_worker._stopped = True
    await services.segments.create({"id": "viewers", "name": "Viewers", "condition": {
        "type": "event", "event_type": "product_viewed"}})
    await _ingest(services, ["warm-up"])
    await services.membership_worker.run_until_idle()  # this process has read the segments
    async with open_services(settings, driver=graph) as other_replica:
        other_replica.membership_worker._stopped = True
        await _save_missing(other_replica, monkeypatch, [])
    await _ingest(services, ["late-1"])
    await services.membership_worker.run_until_idle()
    assert await _members(graph, "buyers") == {"warm-up", "late-1"}
