"""Segment benchmark: full recompute of 10 representative rules and incremental membership
latency per ingested event, over a generated storefront log of >= 1M events.

The incremental figure times the path production runs: each event is written with its
membership work recorded on the profile (the statement intake runs in the batch's
transaction), then the membership worker's ingest listener applies it: one drain (read the
work, evaluate without locks, lock and apply, clear the work), as in a process that does not
run the worker in the background (the CLI, importers); a serving process runs the same drain
steps in its background loop.

Starts its own Neo4j (ports 7693/7483, or BENCH_SEGMENTS_BOLT_PORT/_HTTP_PORT; data in
.cache/neo4j/bench), writes the log straight
to the graph in batched UNWIND (graph model of docs/graph-model.md: anonymous and identified
users with identities, views, carts, checkouts, orders with line items, consent, computed
traits), then prints figures. Not a test.

    .venv/bin/python bench/segments.py [--events 1000000] [--users 100000] [--reuse]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.update(
    {
        "PROFILEGRAPH_NEO4J_BOLT_PORT": os.environ.get("BENCH_SEGMENTS_BOLT_PORT", "7693"),
        "PROFILEGRAPH_NEO4J_HTTP_PORT": os.environ.get("BENCH_SEGMENTS_HTTP_PORT", "7483"),
        "PROFILEGRAPH_NEO4J_HOME": str(ROOT / ".cache" / "neo4j" / "bench"),
        "PROFILEGRAPH_NEO4J_HEAP": os.environ.get("BENCH_NEO4J_HEAP", "2g"),
        "PROFILEGRAPH_NEO4J_PAGECACHE": os.environ.get("BENCH_NEO4J_PAGECACHE", "2g"),
        "PROFILEGRAPH_LOG_LEVEL": "WARNING",
    }
)

from neo4j import AsyncDriver  # noqa: E402

from app.core.config import get_settings  # noqa: E402
from app.db.database import Database  # noqa: E402
from app.db.driver import create_driver  # noqa: E402
from app.db.queries import queries  # noqa: E402
from app.intake.ingest_hooks import IngestedChange  # noqa: E402
from app.ops import neo4j_server  # noqa: E402
from app.segments.loaded import CompileCache  # noqa: E402
from app.segments.membership import (  # noqa: E402
    IncrementalResult,
    MembershipRepository,
    MembershipService,
    MembershipWorker,
)
from app.segments.segment_repository import SegmentRepository  # noqa: E402
from app.segments.segment_service import SegmentService  # noqa: E402
from bench import _harness as harness  # noqa: E402
from bench._harness import percentile  # noqa: E402

NOW = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 180
CATEGORIES = [
    "shoes",
    "shirts",
    "hats",
    "bags",
    "socks",
    "jackets",
    "watches",
    "toys",
    "books",
    "garden",
    "kitchen",
    "beauty",
]
PLANS = ["free"] * 6 + ["plus"] * 3 + ["pro"]

RULES: list[dict[str, Any]] = [
    {
        "id": "recent-buyers",
        "condition": {"type": "event", "event_type": "order_completed", "within_days": 30},
    },
    {
        "id": "high-value-90d",
        "condition": {
            "type": "event",
            "event_type": "order_completed",
            "within_days": 90,
            "aggregate": {"fn": "sum", "property": "p_revenue", "op": "gte", "value": 200},
        },
    },
    {
        "id": "cart-abandoners",
        "condition": {
            "type": "sequence",
            "first": {"event_type": "product_added"},
            "then": {"event_type": "order_completed"},
            "within": {"days": 1},
            "same_item": True,
            "then_occurred": False,
            "first_within_days": 7,
        },
    },
    {
        "id": "viewed-then-bought-same-item",
        "condition": {
            "type": "sequence",
            "first": {"event_type": "product_viewed"},
            "then": {"event_type": "order_completed"},
            "within": {"days": 7},
            "same_item": True,
            "first_within_days": 30,
        },
    },
    {
        "id": "lapsed-repeat-customers",
        "condition": {
            "type": "and",
            "conditions": [
                {"type": "trait", "property": "order_count", "op": "gte", "value": 2},
                {
                    "type": "event",
                    "event_type": "order_completed",
                    "within_days": 90,
                    "occurred": False,
                },
            ],
        },
    },
    {
        "id": "shoe-browsers",
        "condition": {
            "type": "event",
            "event_type": "product_viewed",
            "within_days": 14,
            "min_count": 3,
            "filters": [{"field": "category", "op": "eq", "value": "shoes"}],
        },
    },
    {
        "id": "reachable-big-spenders",
        "condition": {
            "type": "and",
            "conditions": [
                {"type": "trait", "property": "rfm_m", "op": "gte", "value": 4},
                {"type": "consent", "purpose": "marketing"},
            ],
        },
    },
    {
        "id": "engaged-pro",
        "condition": {
            "type": "and",
            "conditions": [
                {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"},
                {"type": "trait", "property": "event_count", "op": "gte", "value": 10},
            ],
        },
    },
    {
        "id": "browsing-never-bought",
        "condition": {
            "type": "and",
            "conditions": [
                {"type": "event", "event_type": "product_viewed", "within_days": 7},
                {"type": "trait", "property": "order_count", "op": "exists", "value": False},
            ],
        },
    },
    {
        "id": "win-back-email",
        "condition": {
            "type": "and",
            "conditions": [
                {"type": "segment", "segment_id": "cart-abandoners"},
                {"type": "consent", "purpose": "marketing"},
                {"type": "not", "condition": {"type": "segment", "segment_id": "recent-buyers"}},
            ],
        },
    },
]


# -- generator ------------------------------------------------------------------------------


@dataclass
class UserState:
    user_id: str
    props: dict[str, Any] = field(default_factory=dict)
    identities: list[dict[str, str]] = field(default_factory=list)
    consents: list[dict[str, str]] = field(default_factory=list)


def _items(rng: random.Random, n: int) -> list[dict[str, Any]]:
    return [
        {
            "item_id": f"sku-{i}",
            "title": f"Item {i}",
            "category": rng.choice(CATEGORIES),
            "price": round(rng.lognormvariate(3.3, 0.8), 2),
            "brand": f"brand{i % 40}",
        }
        for i in range(n)
    ]


def generate(
    n_events: int, n_users: int, n_items: int, seed: int
) -> tuple[list[dict], list[UserState], list[dict]]:
    """Sessions per user (heavy-tailed): views of popular-skewed items, some added to the
    cart, some carts checked out and ordered. 40% of users identified (anonymous id merged
    into a customer id), the rest anonymous."""
    rng = random.Random(seed)
    items = _items(rng, n_items)
    weights = [1.0 / (rank + 10) for rank in range(n_items)]
    users: list[UserState] = []
    for n in range(n_users):
        anon = f"a{n:07d}"
        identified = rng.random() < 0.4
        user = UserState(f"c{n:07d}" if identified else f"anon:{anon}")
        user.identities.append({"kind": "anonymous_id", "value": anon})
        if identified:
            user.identities.append({"kind": "user_id", "value": user.user_id})
            user.props.update(
                trait_plan=rng.choice(PLANS),
                trait_country=rng.choice(["DE", "FR", "US", "GB", "NL"]),
            )
        for purpose, p_granted in (
            ("analytics", 0.95),
            ("marketing", 0.55),
            ("personalization", 0.7),
        ):
            if rng.random() < 0.85:
                status = "granted" if rng.random() < p_granted else "denied"
                user.consents.append({"purpose": purpose, "status": status})
        users.append(user)
    # heavy-tailed, capped: the busiest shoppers have a few hundred events, not bots' 10^4
    activity = [min(rng.paretovariate(1.3), 100.0) for _ in users]
    total = sum(activity)
    events: list[dict] = []
    for user, act in zip(users, activity, strict=True):
        budget = max(1, round(n_events * act / total))
        while budget > 0:
            ts = NOW - timedelta(seconds=rng.randrange(DAYS * 86400))
            viewed = rng.choices(range(n_items), weights=weights, k=rng.randint(1, 6))
            for i in viewed:
                ts += timedelta(seconds=rng.randrange(20, 300))
                events.append(_event(user, "product_viewed", ts, [items[i]], rng))
            carted = [i for i in viewed if rng.random() < 0.3]
            for i in carted:
                ts += timedelta(seconds=rng.randrange(10, 120))
                events.append(_event(user, "product_added", ts, [items[i]], rng))
            budget -= len(viewed) + len(carted)
            if carted and rng.random() < 0.5:
                ts += timedelta(minutes=rng.randrange(1, 30))
                events.append(_event(user, "checkout_started", ts, [], rng))
                budget -= 1
                if rng.random() < 0.8:
                    ts += timedelta(minutes=rng.randrange(1, 2000))
                    lines = [items[i] for i in carted]
                    events.append(_event(user, "order_completed", ts, lines, rng))
                    budget -= 1
    _computed_traits(users, events)
    return items, users, events


def _event(
    user: UserState, etype: str, ts: datetime, lines: list[dict], rng: random.Random
) -> dict:
    props: dict[str, Any] = {}
    if etype == "order_completed":
        props["p_revenue"] = round(sum(i["price"] for i in lines), 2)
        props["p_currency"] = "EUR"
    if etype == "product_viewed":
        props["p_source"] = rng.choice(["ads", "email", "direct", "search"])
    return {
        "event_id": f"{user.user_id}-{len(user.props)}-{rng.getrandbits(64):x}",
        "user_id": user.user_id,
        "type": etype,
        "ts": min(ts, NOW),
        "props": props,
        "lines": [
            {"item_id": i["item_id"], "quantity": 1, "price": i["price"], "position": n}
            for n, i in enumerate(lines)
        ],
    }


def _computed_traits(users: list[UserState], events: list[dict]) -> None:
    """What intake keeps on each profile (docs/graph-model.md, computed traits)."""
    by_id = {u.user_id: u for u in users}
    for e in events:
        p = by_id[e["user_id"]].props
        p["event_count"] = p.get("event_count", 0) + 1
        p[f"count_{e['type']}"] = p.get(f"count_{e['type']}", 0) + 1
        p["first_seen"] = min(p.get("first_seen", e["ts"]), e["ts"])
        p["last_seen"] = max(p.get("last_seen", e["ts"]), e["ts"])
        if e["type"] == "order_completed":
            p["order_count"] = p.get("order_count", 0) + 1
            p["revenue_total"] = p.get("revenue_total", 0.0) + e["props"]["p_revenue"]
            p["last_order_at"] = max(p.get("last_order_at", e["ts"]), e["ts"])
    for u in users:
        p = u.props
        if p.get("order_count"):
            recency = (NOW - p["last_order_at"]).days
            p["rfm_recency_days"] = recency
            p["rfm_r"] = 5 - sum(recency > t for t in (14, 30, 90, 180))
            p["rfm_f"] = 1 + sum(p["order_count"] >= t for t in (2, 3, 5, 10))
            p["rfm_m"] = 1 + sum(p["revenue_total"] >= t for t in (100, 500, 1000, 2000))


# -- loading --------------------------------------------------------------------------------

LOAD_ITEMS = """
UNWIND $rows AS row
MERGE (c:Category {name: row.category})
CREATE (i:Item {item_id: row.item_id, title: row.title, category: row.category,
                price: row.price, brand: row.brand, updated_at: $now})
CREATE (i)-[:IN_CATEGORY]->(c)
"""
LOAD_USERS = """
UNWIND $rows AS row
CREATE (u:User {user_id: row.user_id, created_at: $now, updated_at: $now})
SET u += row.props
WITH u, row
CALL (u, row) {
  UNWIND row.identities AS ident
  CREATE (:Identity {kind: ident.kind, value: ident.value})-[:IDENTIFIES]->(u)
}
CALL (u, row) {
  UNWIND row.consents AS c
  MATCH (p:Purpose {name: c.purpose})
  CREATE (u)-[:CONSENTED {status: c.status, at: $now, source: 'bench'}]->(p)
}
"""
LOAD_EVENTS = """
UNWIND $rows AS row
MATCH (u:User {user_id: row.user_id})
CREATE (u)-[:PERFORMED]->(e:Event {event_id: row.event_id, type: row.type, name: row.type,
                                   ts: row.ts, received_at: row.ts})
SET e += row.props
WITH e, row
CALL (e, row) {
  UNWIND row.lines AS line
  MATCH (i:Item {item_id: line.item_id})
  CREATE (e)-[:ON {quantity: line.quantity, price: line.price, position: line.position}]->(i)
}
"""


async def _in_batches(driver: AsyncDriver, query: str) -> None:
    """`CALL ... IN TRANSACTIONS` needs an auto-commit transaction (session.run)."""
    async with driver.session(database="neo4j") as session:
        await (await session.run(query)).consume()  # type: ignore[arg-type]


async def load(
    driver: AsyncDriver, items: list[dict], users: list[UserState], events: list[dict]
) -> float:
    started = time.perf_counter()
    await _in_batches(
        driver,
        "MATCH (n) WHERE NOT (n:__Neo4jMigration OR n:__Neo4jMigrationsLock OR "
        "n:Purpose) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 10000 ROWS",
    )
    await driver.execute_query(LOAD_ITEMS, rows=items, now=NOW)
    user_rows = [
        {"user_id": u.user_id, "props": u.props, "identities": u.identities, "consents": u.consents}
        for u in users
    ]
    for start in range(0, len(user_rows), 5000):
        await driver.execute_query(LOAD_USERS, rows=user_rows[start : start + 5000], now=NOW)
    events.sort(key=lambda e: e["user_id"])  # batches touch few users: fewer lock waits
    for start in range(0, len(events), 10_000):
        await driver.execute_query(LOAD_EVENTS, rows=events[start : start + 10_000])
        if start % 200_000 == 0:
            print(
                f"  loaded {start + 10_000:>9,} events ({time.perf_counter() - started:.0f}s)",
                flush=True,
            )
    return time.perf_counter() - started


# -- measurements ---------------------------------------------------------------------------


class _CountingMembership(MembershipService):
    """Remembers how many entries/exits the last drain wrote (a write that changes membership
    commits to the transaction log; one that changes nothing does not)."""

    last_changes = 0

    async def drain(self, limit: int) -> IncrementalResult:
        result = await super().drain(limit)
        self.last_changes += len(result.changes)
        return result


async def measure(driver: AsyncDriver, samples: int, seed: int, warmup: int = 100) -> None:
    cache = CompileCache()
    db = Database(driver, "neo4j")
    segments, members = SegmentRepository(db), MembershipRepository(db)
    membership = _CountingMembership(segments, members, cache, clock=lambda: NOW)
    service = SegmentService(segments, members, membership, cache, clock=lambda: NOW)
    worker = MembershipWorker(membership)  # not started: each ingest applies its work at once
    await driver.execute_query("MATCH (s:Segment) DETACH DELETE s")
    await _in_batches(
        driver,
        "MATCH (m:MembershipChange) CALL (m) { DETACH DELETE m } IN TRANSACTIONS OF 10000 ROWS",
    )
    await driver.execute_query("MATCH (v:SegmentVersion) DETACH DELETE v")
    # events a previous incremental run added (--reuse)
    await driver.execute_query(
        "MATCH (e:Event) WHERE e.event_id STARTS WITH 'bench-' DETACH DELETE e"
    )
    started = time.perf_counter()
    for rule in RULES:
        await service.create({"id": rule["id"], "name": rule["id"], "condition": rule["condition"]})
    print(
        f"upload + EXPLAIN + first materialization of {len(RULES)} rules: "
        f"{time.perf_counter() - started:.2f}s"
    )
    sizes = {s.segment_id: s.size for s in await service.list_all()}
    for rule in RULES:
        compiled = cache.compiled(
            cache.load(rule["id"], 1, (await segments.get(rule["id"]))["definition"])
        )
        t0 = time.perf_counter()
        # counted in the database, as refresh uses it: member lists never reach Python
        await members.run_compiled(
            f"CALL () {{ {compiled.cypher} }} RETURN count(*) AS n", compiled.parameters(NOW)
        )
        print(
            f"  {rule['id']:<30} {sizes[rule['id']]:>8,} members  "
            f"evaluate {1000 * (time.perf_counter() - t0):8.1f} ms"
        )
    for label in (
        "full recompute (evaluate + set difference), steady state",
        "full recompute, second run",
    ):
        t0 = time.perf_counter()
        results = await membership.refresh(now=NOW)
        print(
            f"{label}: {time.perf_counter() - t0:.2f}s "
            f"({sum(r.entered + r.exited for r in results)} changes)"
        )
    t0 = time.perf_counter()
    await membership.sweep(now=NOW + timedelta(days=1))
    print(f"sweep one day later (time-dependent rules): {time.perf_counter() - t0:.2f}s")

    rng = random.Random(seed + 1)
    records, _, _ = await driver.execute_query(
        "MATCH (u:User) RETURN u.user_id AS id ORDER BY rand() LIMIT $n", n=samples + warmup
    )
    user_ids = [r["id"] for r in records]
    types = ["product_viewed"] * 6 + ["product_added"] * 2 + ["checkout_started", "order_completed"]
    latencies: list[float] = []
    changed: list[bool] = []
    for n, user_id in enumerate(user_ids):
        etype = rng.choice(types)
        ts = NOW + timedelta(days=1, seconds=n)
        records, _, _ = await driver.execute_query(
            "MATCH (u:User {user_id: $uid}), (i:Item {item_id: $item}) "
            "CREATE (u)-[:PERFORMED]->(e:Event {event_id: $eid, type: $type, name: $type, "
            "ts: $ts, received_at: $ts, p_revenue: $rev})-[:ON {quantity: 1, price: 10.0, "
            "position: 0}]->(i) RETURN elementId(u) AS eid",
            uid=user_id,
            item=f"sku-{rng.randrange(100)}",
            eid=f"bench-{seed}-{n}",
            type=etype,
            ts=ts,
            rev=25.0 if etype == "order_completed" else None,
        )
        # the membership work intake records in the batch's transaction
        await driver.execute_query(
            queries["intake/mark_membership_work"],
            marks=[{"u": "0", "user_id": user_id, "types": [etype], "renamed": []}],
            eid_prefix="", user_eids={"0": records[0]["eid"]}, now=NOW,
            marked_at=datetime.now(UTC))
        change = IngestedChange({user_id: frozenset({etype})})
        t0 = time.perf_counter()
        membership.last_changes = 0
        await worker.on_ingest(change)
        latencies.append(1000 * (time.perf_counter() - t0))
        changed.append(membership.last_changes > 0)
    # the first events of each type plan their evaluation query (cached by the server after)
    cold, warm = latencies[:warmup], latencies[warmup:]
    print(
        f"incremental membership per ingested event, first {warmup} (plans cold): "
        f"p50 {statistics.median(cold):.2f} ms, p99 {percentile(cold, 0.99):.2f} ms"
    )
    print(
        f"incremental membership per ingested event, next {len(warm)} (steady state): "
        f"p50 {statistics.median(warm):.2f} ms, p99 {percentile(warm, 0.99):.2f} ms, "
        f"max {max(warm):.2f} ms"
    )
    for label, want in (("changed membership", True), ("changed nothing", False)):
        part = [ms for ms, c in zip(warm, changed[warmup:], strict=True) if c is want]
        if part:
            print(f"  of which {label}: {len(part)} events, p50 {statistics.median(part):.2f} ms, "
                  f"p99 {percentile(part, 0.99):.2f} ms")


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--users", type=int, default=100_000)
    parser.add_argument("--items", type=int, default=5_000)
    parser.add_argument("--samples", type=int, default=1000, help="incremental samples")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--reuse", action="store_true", help="keep the loaded log")
    parser.add_argument("--stop", action="store_true", help="stop Neo4j at the end")
    args = parser.parse_args()
    settings = get_settings()
    if not neo4j_server.status(settings).running:
        neo4j_server.install(settings)
        neo4j_server.start(settings)
    driver = create_driver(settings)
    try:
        await harness.migrate(driver)
        records, _, _ = await driver.execute_query("MATCH (e:Event) RETURN count(e) AS n")
        if not (args.reuse and records[0]["n"] >= args.events * 0.9):
            t0 = time.perf_counter()
            items, users, events = generate(args.events, args.users, args.items, args.seed)
            print(
                f"generated {len(events):,} events, {len(users):,} users, {len(items):,} "
                f"items in {time.perf_counter() - t0:.1f}s"
            )
            print(f"loaded in {await load(driver, items, users, events):.1f}s")
        records, _, _ = await driver.execute_query(
            "MATCH (e:Event) WITH count(e) AS events MATCH (u:User) "
            "RETURN events, count(u) AS users"
        )
        print(
            f"graph: {records[0]['events']:,} events, {records[0]['users']:,} users; "
            f"{os.cpu_count()} CPU cores"
        )
        await measure(driver, args.samples, args.seed)
    finally:
        await driver.close()
        if args.stop:
            neo4j_server.stop(settings)


if __name__ == "__main__":
    asyncio.run(main())
