"""Materialized membership: incremental updates after ingest (membership work drained by the
worker, as in production), the time sweep, full refresh, and the MembershipChange history."""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any

import pytest
from neo4j import AsyncDriver

from app.db.database import Database
from app.intake.ingest_hooks import IngestedChange, IngestHooks
from app.segments.loaded import CompileCache
from app.segments.membership import MembershipRepository, MembershipService, MembershipWorker
from app.segments.segment_repository import SegmentRepository
from app.segments.segment_service import SegmentService
from tests.segments.dataset import (
    NOW,
    Dataset,
    Event,
    Item,
    Line,
    User,
    member_ids,
    write_dataset,
)
from tests.segments.work import ingested, record_work


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock(NOW)


@pytest.fixture
def services(graph: AsyncDriver, clock: Clock) -> tuple[SegmentService, MembershipService]:
    cache = CompileCache()
    db = Database(graph, "neo4j")
    segments, members = SegmentRepository(db), MembershipRepository(db)
    membership = MembershipService(segments, members, cache, clock=clock)
    return SegmentService(segments, members, membership, cache, clock=clock), membership


@pytest.fixture
def worker(services: tuple[SegmentService, MembershipService]) -> MembershipWorker:
    """Not started, as in the CLI and importers: an ingest applies its work before it returns."""
    return MembershipWorker(services[1])


async def _members(graph: AsyncDriver, segment_id: str) -> set[str]:
    return await member_ids(graph, segment_id)


async def _history(graph: AsyncDriver, segment_id: str) -> list[tuple[str, str]]:
    rows = await MembershipRepository(Database(graph, "neo4j")).changes(segment_id, None, 100)
    return sorted((r["user_id"], r["change"]) for r in rows)


ITEMS = [Item("sku-1", "shoes", 50.0), Item("sku-2", "hats", 5.0)]


async def _add_event(graph: AsyncDriver, event: Event) -> None:
    await write_dataset(graph, Dataset(events=[event], items=ITEMS))


def _segment(seg_id: str, condition: dict[str, Any]) -> dict[str, Any]:
    return {"id": seg_id, "name": seg_id, "condition": condition}


async def test_ingest_enters_and_exits_only_affected_segments(
        graph: AsyncDriver, services: tuple[SegmentService, MembershipService],
        worker: MembershipWorker) -> None:
    segment_service, membership = services
    await write_dataset(graph, Dataset([User("u1"), User("u2", {"trait_plan": "pro"})], ITEMS))
    await segment_service.create(_segment("buyers", {
        "type": "event", "event_type": "order_completed", "within_days": 30}))
    await segment_service.create(_segment("no-views", {
        "type": "event", "event_type": "product_viewed", "occurred": False}))
    await segment_service.create(_segment("pro", {
        "type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}))
    assert await _members(graph, "buyers") == set()
    assert await _members(graph, "no-views") == {"u1", "u2"}

    await _add_event(graph, Event("o1", "u1", "order_completed", NOW - timedelta(hours=1),
                                  {"p_revenue": 10}, [Line("sku-1")]))
    await record_work(graph, {"u1": {"order_completed"}})
    result = await membership.drain(100)  # the worker's step
    # only the segment that depends on orders, only for u1
    assert result.evaluated == {"buyers": ["u1"]}
    assert result.changes == [{"user_id": "u1", "segment_id": "buyers", "change": "entered"}]
    assert await _members(graph, "buyers") == {"u1"}

    await _add_event(graph, Event("v1", "u2", "product_viewed", NOW, {}, [Line("sku-2")]))
    hooks = IngestHooks()
    hooks.register(worker.on_ingest)
    await record_work(graph, {"u2": {"product_viewed"}})
    await hooks.notify(IngestedChange({"u2": frozenset({"product_viewed"})}))
    assert await _members(graph, "no-views") == {"u1"}
    assert await _history(graph, "no-views") == [("u1", "entered"), ("u2", "entered"),
                                                 ("u2", "exited")]
    assert await _history(graph, "buyers") == [("u1", "entered")]


async def test_ingest_follows_references_in_order(
        graph: AsyncDriver, services: tuple[SegmentService, MembershipService],
        worker: MembershipWorker) -> None:
    segment_service, _ = services
    await write_dataset(graph, Dataset([User("u1", {"trait_plan": "pro"})], ITEMS))
    await segment_service.create(_segment("buyers", {
        "type": "event", "event_type": "order_completed"}))
    await segment_service.create(_segment("pro-buyers", {"type": "and", "conditions": [
        {"type": "segment", "segment_id": "buyers"},
        {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}]}))
    await _add_event(graph, Event("o1", "u1", "order_completed", NOW, {}, [Line("sku-1")]))
    # pro-buyers inherits the order dependency of buyers and is evaluated after it
    await ingested(graph, worker, {"u1": {"order_completed"}})
    assert await _members(graph, "buyers") == {"u1"}
    assert await _members(graph, "pro-buyers") == {"u1"}


async def test_merged_profile_is_evaluated_against_every_segment(
        graph: AsyncDriver, services: tuple[SegmentService, MembershipService],
        worker: MembershipWorker) -> None:
    segment_service, _ = services
    await write_dataset(graph, Dataset([User("u1"), User("anon:1", {"trait_plan": "pro"})],
                                       ITEMS))
    await segment_service.create(_segment("pro", {
        "type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}))
    assert await _members(graph, "pro") == {"anon:1"}
    # intake merges anon:1 into u1: the loser's node and memberships go, its traits move
    await graph.execute_query("MATCH (u:User {user_id: 'anon:1'}) DETACH DELETE u")
    await graph.execute_query("MATCH (u:User {user_id: 'u1'}) SET u.trait_plan = 'pro'")
    await ingested(graph, worker, {}, merged={"anon:1": "u1"})
    assert await _members(graph, "pro") == {"u1"}
    assert await _history(graph, "pro") == [("anon:1", "entered"), ("anon:1", "exited"),
                                            ("u1", "entered")]


async def test_sweep_ages_out_windows_and_adds_abandoners(
        graph: AsyncDriver, services: tuple[SegmentService, MembershipService],
        clock: Clock) -> None:
    segment_service, membership = services
    events = [
        Event("o1", "u1", "order_completed", NOW - timedelta(days=10), {}, [Line("sku-1")]),
        Event("a2", "u2", "product_added", NOW - timedelta(hours=2), {}, [Line("sku-1")]),
        Event("a3", "u3", "product_added", NOW - timedelta(hours=3), {}, [Line("sku-2")]),
        Event("o3", "u3", "order_completed", NOW - timedelta(hours=1), {}, [Line("sku-2")]),
    ]
    await write_dataset(graph, Dataset([User("u1"), User("u2"), User("u3")], ITEMS, events))
    await segment_service.create(_segment("recent-buyers", {
        "type": "event", "event_type": "order_completed", "within_days": 14}))
    await segment_service.create(_segment("abandoned-cart", {
        "type": "sequence", "first": {"event_type": "product_added"},
        "then": {"event_type": "order_completed"}, "within": {"hours": 24},
        "same_item": True, "then_occurred": False}))
    await segment_service.create(_segment("static", {
        "type": "event", "event_type": "order_completed"}))
    assert await _members(graph, "recent-buyers") == {"u1", "u3"}
    assert await _members(graph, "abandoned-cart") == set()  # the 24 h have not passed

    clock.now = NOW + timedelta(days=5)
    results = await membership.sweep()
    # only segments the clock can change are swept
    assert sorted(r.segment_id for r in results) == ["abandoned-cart", "recent-buyers"]
    assert await _members(graph, "recent-buyers") == {"u3"}  # u1's order is 15 days old
    assert await _members(graph, "abandoned-cart") == {"u2"}  # u3 bought the added item
    assert ("u1", "exited") in await _history(graph, "recent-buyers")
    assert await _history(graph, "abandoned-cart") == [("u2", "entered")]


async def test_full_refresh_applies_the_set_difference(
        graph: AsyncDriver, services: tuple[SegmentService, MembershipService]) -> None:
    segment_service, membership = services
    users = [User(f"u{n}", {"order_count": n}) for n in range(6)]
    await write_dataset(graph, Dataset(users, ITEMS))
    await segment_service.create(_segment("repeat", {
        "type": "trait", "property": "order_count", "op": "gte", "value": 3}))
    assert await _members(graph, "repeat") == {"u3", "u4", "u5"}
    # traits change behind the listener's back; a refresh reconciles
    await graph.execute_query(
        "MATCH (u:User) SET u.order_count = CASE u.user_id WHEN 'u5' THEN 0 WHEN 'u1' THEN 9 "
        "ELSE u.order_count END")
    [result] = await membership.refresh(["repeat"])
    assert (result.entered, result.exited, result.size) == (1, 1, 3)
    assert await _members(graph, "repeat") == {"u1", "u3", "u4"}
    again = await membership.refresh()
    assert [(r.entered, r.exited) for r in again] == [(0, 0)]


async def test_second_step_of_a_sequence_triggers_evaluation(
        graph: AsyncDriver, services: tuple[SegmentService, MembershipService],
        worker: MembershipWorker) -> None:
    segment_service, _ = services
    await write_dataset(graph, Dataset([User("u1")], ITEMS, [
        Event("v1", "u1", "product_viewed", NOW - timedelta(days=2), {}, [Line("sku-1")])]))
    await segment_service.create(_segment("viewed-then-bought", {
        "type": "sequence", "first": {"event_type": "product_viewed"},
        "then": {"event_type": "order_completed"}, "within": {"days": 7}, "same_item": True}))
    await _add_event(graph, Event("o1", "u1", "order_completed", NOW - timedelta(days=1), {},
                                  [Line("sku-1")]))
    await ingested(graph, worker, {"u1": {"order_completed"}})
    assert await _members(graph, "viewed-then-bought") == {"u1"}


async def test_concurrent_ingests_enter_one_segment(
        graph: AsyncDriver, services: tuple[SegmentService, MembershipService]) -> None:
    segment_service, membership = services
    worker = MembershipWorker(membership, wait_s=30.0)  # started, as in a serving process
    users = [User(f"u{n}") for n in range(20)]
    await write_dataset(graph, Dataset(users, ITEMS))
    await segment_service.create(_segment("buyers", {
        "type": "event", "event_type": "order_completed"}))
    await write_dataset(graph, Dataset([], ITEMS, [
        Event(f"o{n}", f"u{n}", "order_completed", NOW, {}, [Line("sku-1")]) for n in range(20)]))
    worker.start()
    try:
        await asyncio.gather(*(ingested(graph, worker, {f"u{n}": {"order_completed"}})
                               for n in range(20)))
    finally:
        await worker.stop()
    assert await _members(graph, "buyers") == {f"u{n}" for n in range(20)}
    assert len(await _history(graph, "buyers")) == 20
