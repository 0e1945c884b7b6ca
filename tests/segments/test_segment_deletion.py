"""Deleting a segment at any size (bounded transactions, an answer that says what happened,
progress and a durable resume for long ones), a memory refusal from Neo4j reported as what
it is, and the retention rule of membership history (age and count per segment, on
/metrics)."""

from __future__ import annotations

import uuid
import warnings
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from neo4j import AsyncDriver
from neo4j.exceptions import Neo4jError

from app.core.config import Settings
from app.main import create_app
from app.segments.segment_service import SegmentService
from tests.helpers import scalar, track

BUYERS = {"id": "viewers", "name": "Viewers", "condition": {
    "type": "event", "event_type": "product_viewed"}}


@asynccontextmanager
async def app_with(settings: Settings, **overrides: Any
                   ) -> AsyncIterator[tuple[Any, httpx.AsyncClient]]:
    app = create_app(settings.model_copy(update={"segment_sweep_interval_s": 0, **overrides}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield app, c


async def _busy_segment(c: httpx.AsyncClient, graph: AsyncDriver, headers: dict,
                        changes: int, at: datetime | None = None) -> None:
    """The segment with a few real members and `changes` more history records, as a segment
    saved many times accumulates them."""
    r = await c.post("/v1/batch", json={"batch": [track(f"u{n}") for n in range(5)]},
                     headers=headers)
    assert r.status_code == 200, r.text
    assert (await c.post("/v1/segments", json=BUYERS, headers=headers)).status_code == 201
    for start in range(0, changes, 5000):
        await graph.execute_query(
            "MATCH (s:Segment {segment_id: 'viewers'}) UNWIND range($a, $b) AS i "
            "CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: 'u' + (i % 5), "
            "change: CASE i % 2 WHEN 0 THEN 'exited' ELSE 'entered' END, "
            "at: $at + duration({milliseconds: i})})",
            a=start, b=min(start + 5000, changes) - 1, at=at or datetime.now(UTC))


async def test_a_segment_with_a_large_history_is_deleted_in_bounded_transactions(
        graph: AsyncDriver, settings: Settings, admin_headers: dict, opt_out: Settings) -> None:
    async with app_with(settings, segment_delete_batch=1000) as (_, c):
        await _busy_segment(c, graph, admin_headers, 12_000)
        r = await c.delete("/v1/segments/viewers", headers=admin_headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["status"] == "deleted"
        assert body["deleted"]["membership_changes"] == 12_005  # 5 entries of the members
        assert body["deleted"]["members"] == 5 and body["deleted"]["versions"] == 1
        assert body["remaining"] == {"membership_changes": 0, "members": 0, "versions": 0}
        assert body["transactions"] >= 13  # 1,000 records a transaction at most
        assert await scalar(graph, "MATCH (n) WHERE n:Segment OR n:MembershipChange OR "
                                   "n:SegmentVersion RETURN count(n)") == 0
        assert (await c.delete("/v1/segments/viewers", headers=admin_headers)
                ).status_code == 404
        metrics = (await c.get("/metrics")).text
        assert 'profilegraph_segment_deletion_records_total{kind="membership_changes"}' \
            in metrics


async def test_a_long_deletion_answers_its_progress_and_resumes(
        graph: AsyncDriver, settings: Settings, admin_headers: dict, opt_out: Settings) -> None:
    async with app_with(settings, segment_delete_batch=500,
                        segment_delete_budget_s=0.001) as (app, c):
        await _busy_segment(c, graph, admin_headers, 3000)
        r = await c.delete("/v1/segments/viewers", headers=admin_headers)
        assert r.status_code == 202, r.text
        assert r.headers["retry-after"]
        body = r.json()
        assert body["status"] == "deleting" and body["remaining"]["membership_changes"] > 0
        # gone from every list and from evaluation at once; its id is not reused meanwhile
        assert (await c.get("/v1/segments/viewers", headers=admin_headers)).status_code == 404
        assert (await c.get("/v1/segments", headers=admin_headers)).json()["segments"] == []
        again = await c.post("/v1/segments", json=BUYERS, headers=admin_headers)
        assert again.status_code == 409 and again.json()["error"]["code"] == \
            "segment_being_deleted"
        # the background job of any process finishes it (the mark is in the graph)
        assert await app.state.services.segment_housekeeping.resume_deletions() == 0
        assert await scalar(graph, "MATCH (n) WHERE n:Segment OR n:MembershipChange "
                                   "RETURN count(n)") == 0
        assert (await c.post("/v1/segments", json=BUYERS, headers=admin_headers)
                ).status_code == 201


async def test_a_memory_refusal_is_not_reported_as_an_outage(
        client: httpx.AsyncClient, admin_headers: dict, monkeypatch: pytest.MonkeyPatch
        ) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        refusal = Neo4jError.hydrate(
            code="Neo.TransientError.General.MemoryPoolOutOfMemoryError",
            message="The allocation of an extra 2.0 MiB would use more than the limit 716.8 "
                    "MiB. dbms.memory.transaction.total.max threshold reached")

    async def refused(*_: Any, **__: Any) -> None:
        raise refusal

    monkeypatch.setattr(SegmentService, "delete", refused)
    r = await client.delete("/v1/segments/any", headers=admin_headers)
    assert r.status_code == 503 and r.headers["retry-after"]
    error = r.json()["error"]
    assert error["code"] == "database_memory_limit"
    assert "unavailable" not in error["message"] and "memory" in error["message"]
    # the API keeps answering: a memory refusal does not trip the outage breaker
    assert (await client.get("/v1/segments", headers=admin_headers)).status_code == 200


async def test_membership_history_is_kept_by_age_and_count(
        graph: AsyncDriver, settings: Settings, admin_headers: dict, opt_out: Settings) -> None:
    async with app_with(settings, segment_history_retention_days=30,
                        segment_history_max_per_segment=40) as (app, c):
        old = datetime.now(UTC) - timedelta(days=31)
        await _busy_segment(c, graph, admin_headers, 25, at=old)
        recent = datetime.now(UTC) - timedelta(days=1)
        await graph.execute_query(
            "MATCH (s:Segment {segment_id: 'viewers'}) UNWIND range(1, 60) AS i "
            "CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id: $u + i, "
            "change: 'entered', at: $at + duration({seconds: i})})", u=str(uuid.uuid4()),
            at=recent)
        report = await app.state.services.segment_housekeeping.prune()
        assert report.by_age == 25
        # 5 entries of the members (now) + 60 recent: the 40 newest stay
        assert report.over_cap == 25
        kept = await scalar(graph, "MATCH (:Segment {segment_id: 'viewers'})"
                                   "-[:MEMBERSHIP_CHANGED]->(m) RETURN collect(m.at)")
        assert len(kept) == 40 and min(kept).to_native() > recent
        # the current memberships are never pruned
        count = await c.get("/v1/segments/viewers/count", headers=admin_headers)
        assert count.json()["count"] == 5
        metrics = (await c.get("/metrics")).text
        assert 'profilegraph_segment_history_pruned_total{rule="age"}' in metrics
        assert 'profilegraph_segment_history_pruned_total{rule="count"}' in metrics
