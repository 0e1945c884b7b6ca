"""Identity under concurrency: shoppers browse anonymously, log in, are aliased and keep
shopping, their messages spread over many batches sent at once by four senders through two
app instances (two 'processes' over one Neo4j, each with its own membership worker). Every
profile must end under its canonical id (the known userId), never under an anonymous one,
and segment members and change feeds must name it by that id."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings
from app.main import create_app

SEGMENTS: list[dict[str, Any]] = [
    {"id": "viewers", "name": "Viewers", "condition": {
        "type": "event", "event_type": "product_viewed", "within_days": 30}},
    {"id": "buyers", "name": "Buyers", "condition": {
        "type": "event", "event_type": "order_completed", "within_days": 30}},
    {"id": "pro", "name": "Pro", "condition": {
        "type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}},
]
SHOPPERS = 90
SENDERS = 4
BATCH = 30


@asynccontextmanager
async def running_app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


def _msg(kind: str, at: datetime, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "messageId": str(uuid.uuid4()), "timestamp": at.isoformat(),
            **fields}


def _shopper(i: int, rng: random.Random, start: datetime) -> tuple[list[dict], int]:
    """One shopper's messages (anonymous browsing, login, alias of a legacy id, more
    shopping) and how many events they carry."""
    anon, user, legacy = f"dev-a{i:04d}", f"shop-u{i:04d}", f"legacy-{i:04d}"
    at = start + timedelta(seconds=i)
    sku = f"sku-{rng.randrange(12)}"
    out = [_msg("track", at, anonymousId=anon, event="Product Viewed",
                properties={"product_id": sku}) for _ in range(3)]
    out.append(_msg("identify", at, userId=user, anonymousId=anon,
                    traits={"plan": rng.choice(["pro", "free"])}))
    out.append(_msg("track", at, userId=user, anonymousId=anon, event="Order Completed",
                    properties={"order_id": str(uuid.uuid4()), "revenue": 12.5,
                                "products": [{"product_id": sku, "price": 12.5,
                                              "quantity": 1}]}))
    out.append(_msg("track", at, anonymousId=anon, event="Product Viewed",
                    properties={"product_id": sku}))
    events = 5
    if i % 3 == 0:
        out.append(_msg("track", at, userId=legacy, event="Product Viewed",
                        properties={"product_id": sku}))
        out.append(_msg("alias", at, previousId=legacy, userId=user))
        events += 1
    return out, events


async def _rows(graph: AsyncDriver, cypher: str, **params: Any) -> list[dict[str, Any]]:
    records, _, _ = await graph.execute_query(cypher, **params)
    return [r.data() for r in records]


async def _drained(graph: AsyncDriver) -> None:
    for _ in range(600):
        [row] = await _rows(graph, "MATCH (u:User) WHERE u.membership_pending IS NOT NULL "
                                   "RETURN count(u) AS n")
        if row["n"] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("membership work left")


async def test_every_profile_ends_under_its_canonical_id(
        graph: AsyncDriver, settings: Settings, admin_headers: dict, opt_out: Settings) -> None:
    rng = random.Random(27)
    start = datetime.now(UTC) - timedelta(hours=2)
    messages: list[dict[str, Any]] = []
    expected_events: dict[str, int] = {}
    for i in range(SHOPPERS):
        mine, events = _shopper(i, rng, start)
        messages += mine
        expected_events[f"shop-u{i:04d}"] = events
    rng.shuffle(messages)  # a shopper's messages land in different, concurrent batches
    batches = [messages[k:k + BATCH] for k in range(0, len(messages), BATCH)]

    async with AsyncExitStack() as stack:
        apps = [await stack.enter_async_context(running_app(settings)) for _ in range(2)]
        for segment in SEGMENTS:
            r = await apps[0].post("/v1/segments", json=segment, headers=admin_headers)
            assert r.status_code == 201, r.text

        async def sender(n: int) -> None:
            c = apps[n % 2]
            for batch in batches[n::SENDERS]:
                r = await c.post("/v1/batch", json={"batch": batch}, headers=admin_headers)
                assert r.status_code == 200, r.text

        await asyncio.gather(*(sender(n) for n in range(SENDERS)))
        await _drained(graph)

        profiles = await _rows(graph, """
            MATCH (u:User)
            OPTIONAL MATCH (i:Identity)-[:IDENTIFIES]->(u)
            WITH u, collect([i.kind, i.value]) AS ids
            OPTIONAL MATCH (u)-[:MERGED_FROM]->(m:ProfileMerge)
            WITH u, ids, collect(m.from_user_id) AS merged
            RETURN u.user_id AS id, ids, merged,
                   COUNT { (u)-[:PERFORMED]->(:Event) } AS events""")
        by_id = {p["id"]: p for p in profiles}
        # every profile is a known shopper's, under the shopper's own id
        assert sorted(by_id) == sorted(expected_events), \
            sorted(set(by_id) ^ set(expected_events))[:10]
        for i in range(SHOPPERS):
            user = f"shop-u{i:04d}"
            p = by_id[user]
            assert ["user_id", user] in p["ids"] and ["anonymous_id", f"dev-a{i:04d}"] in p["ids"]
            if i % 3 == 0:
                assert ["user_id", f"legacy-{i:04d}"] in p["ids"]
            assert user not in p["merged"]  # a rename recorded is a rename done
            assert p["events"] == expected_events[user], user
        identities = await _rows(graph, "MATCH (i:Identity) RETURN i.kind AS kind, "
                                        "i.value AS value, COUNT { (i)-[:IDENTIFIES]->() } AS n")
        assert [i for i in identities if i["n"] != 1] == []

        for segment in SEGMENTS:
            sid = segment["id"]
            r = await apps[1].get(f"/v1/segments/{sid}/members?limit=1000",
                                  headers=admin_headers)
            members = {m["user_id"] for m in r.json()["members"]}
            assert members <= set(expected_events), sorted(members - set(expected_events))
            # the change feed, replayed, names the same members by the same ids
            feed = await _rows(graph, """
                MATCH (:Segment {segment_id: $sid})-[:MEMBERSHIP_CHANGED]->(m)
                WITH m.user_id AS user_id, m ORDER BY m.at DESC
                WITH user_id, collect(m.change)[0] AS last
                WHERE last = 'entered' RETURN user_id""", sid=sid)
            assert {f["user_id"] for f in feed} == members, sid
        # the real-time memberships are what a full refresh computes
        r = await apps[0].post("/v1/segments/refresh", headers=admin_headers)
        assert r.status_code == 200, r.text
        assert {x["segment_id"]: x["entered"] + x["exited"] for x in r.json()["refreshed"]} \
            == {s["id"]: 0 for s in SEGMENTS}
