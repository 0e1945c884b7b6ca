"""Event intake over HTTP: happy paths, idempotency, e-commerce links, bad input."""

from __future__ import annotations

import asyncio
import gzip
import uuid

import orjson

from tests.helpers import basic, scalar, track


async def test_batch_stores_events_once(client, graph, ingest_headers, opt_out):
    batch = {"batch": [track("u1"), track("u1", "Signed Up"), track(anonymous_id="a1")]}
    first = await client.post("/v1/batch", json=batch, headers=ingest_headers)
    assert first.status_code == 200, first.text
    assert first.json()["stored"] == 3
    again = await client.post("/v1/batch", json=batch, headers=ingest_headers)
    assert again.json() == {**again.json(), "stored": 0, "duplicates": 3, "dropped": 0}
    assert await scalar(graph, "MATCH (e:Event) RETURN count(e)") == 3
    types = await scalar(graph, "MATCH (:User {user_id:'u1'})-[:PERFORMED]->(e) "
                                "RETURN collect(e.type)")
    assert sorted(types) == ["product_viewed", "signed_up"]
    assert await scalar(graph, "MATCH (u:User {user_id:'anon:a1'}) RETURN u.event_count") == 1


async def test_duplicate_inside_one_batch_is_counted(client, graph, ingest_headers, opt_out):
    msg = track("u1")
    r = await client.post("/v1/batch", json={"batch": [msg, msg]}, headers=ingest_headers)
    assert (r.json()["stored"], r.json()["duplicates"]) == (1, 1)


async def test_single_calls(client, graph, ingest_headers, opt_out):
    t = await client.post("/v1/track", json=track("u2", "Order Completed", revenue=12.5),
                          headers=ingest_headers)
    assert t.status_code == 200, t.text
    p = await client.post("/v1/page", json={"userId": "u2", "name": "Home",
                                            "properties": {"path": "/"}},
                          headers=ingest_headers)
    assert p.json()["stored"] == 1
    i = await client.post("/v1/identify", json={"userId": "u2", "traits": {"plan": "pro"}},
                          headers=ingest_headers)
    assert i.json()["stored"] == 1
    user = await scalar(graph, "MATCH (u:User {user_id:'u2'}) RETURN properties(u)")
    assert user["trait_plan"] == "pro"
    assert user["count_page"] == 1 and user["order_count"] == 1
    assert user["revenue_total"] == 12.5 and user["rfm_m"] == 1


async def test_ecommerce_links_items(client, graph, ingest_headers, opt_out):
    order = track("u3", "Order Completed", order_id="o1", revenue=30.0, products=[
        {"product_id": "p1", "name": "Mug", "category": "Kitchen", "price": 10.0, "quantity": 2},
        {"product_id": "p2", "name": "Tea", "price": 10.0},
    ])
    viewed = track("u3", "Product Viewed", product_id="p3", name="Pot", category="Kitchen",
                   price=25.0)
    r = await client.post("/v1/batch", json={"batch": [order, viewed]}, headers=ingest_headers)
    assert r.status_code == 200, r.text
    rows, _, _ = await graph.execute_query(
        "MATCH (:User {user_id:'u3'})-[:PERFORMED]->(e)-[on:ON]->(i:Item) "
        "RETURN e.type AS t, i.item_id AS item, on.quantity AS q, on.price AS p ORDER BY item")
    assert [(r["t"], r["item"], r["q"], r["p"]) for r in rows] == [
        ("order_completed", "p1", 2, 10.0), ("order_completed", "p2", 1, 10.0),
        ("product_viewed", "p3", 1, 25.0)]
    assert await scalar(graph, "MATCH (:Item {item_id:'p1'})-[:IN_CATEGORY]->(c) "
                               "RETURN c.name") == "Kitchen"
    assert await scalar(graph, "MATCH (i:Item {item_id:'p3'}) RETURN i.title") == "Pot"
    assert await scalar(graph, "MATCH (u:User {user_id:'u3'}) RETURN u.revenue_total") == 30.0


async def test_gzip_and_basic_auth(client, graph, admin_headers, opt_out):
    from tests.helpers import create_key

    key = await create_key(client, admin_headers, "ingest")
    body = gzip.compress(orjson.dumps({"batch": [track("u4"), track("u4")]}))
    r = await client.post("/v1/batch", content=body, headers={
        **basic(key), "Content-Encoding": "gzip", "Content-Type": "application/json"})
    assert r.status_code == 200, r.text
    assert r.json()["stored"] == 2


async def test_bad_input_names_the_field(client, graph, ingest_headers):
    cases = [
        ({"batch": [{"type": "track", "userId": "u", "event": ""}]}, "batch.0.event"),
        ({"batch": [{"type": "track", "event": "X"}]}, "batch.0.userId"),
        ({"batch": [{"type": "nope", "userId": "u"}]}, "batch.0.type"),
        ({"batch": [{"type": "track", "userId": "u", "event": "X", "timestamp": "yesterday"}]},
         "batch.0.timestamp"),
        ({"batch": [{"type": "track", "userId": "u", "event": "X", "properties": [1]}]},
         "batch.0.properties"),
        ({"batch": "x"}, "batch"),
        ({"batch": [{"type": "alias", "userId": "u"}]}, "batch.0.previousId"),
    ]
    for body, field in cases:
        r = await client.post("/v1/batch", json=body, headers=ingest_headers)
        assert r.status_code == 422, (body, r.text)
        assert r.json()["error"]["fields"][0]["field"] == field
    r = await client.post("/v1/batch", content=b"{not json", headers=ingest_headers)
    assert r.status_code == 400 and r.json()["error"]["code"] == "invalid_json"
    r = await client.post("/v1/batch", content=b"abc",
                          headers={**ingest_headers, "Content-Encoding": "gzip"})
    assert r.status_code == 400
    assert await scalar(graph, "MATCH (n) WHERE n:Event OR n:User RETURN count(n)") == 0


async def test_size_limits(client, graph, ingest_headers, opt_out):
    big = track("u5", blob="x" * 33_000)
    r = await client.post("/v1/batch", json={"batch": [track("u5"), big]}, headers=ingest_headers)
    assert r.status_code == 413
    assert r.json()["error"]["fields"][0]["field"] == "batch.1"
    r = await client.post("/v1/track", json=big, headers=ingest_headers)
    assert r.status_code == 413 and "32 KB" in r.json()["error"]["message"]
    many = {"batch": [track("u5", blob="y" * 20_000) for _ in range(30)]}
    r = await client.post("/v1/batch", json=many, headers=ingest_headers)
    assert r.status_code == 413 and "500 KB" in r.json()["error"]["message"]
    bomb = gzip.compress(orjson.dumps({"batch": [track("u5", blob="z" * 10_000)
                                                 for _ in range(60)]}))
    assert len(bomb) < 100_000
    r = await client.post("/v1/batch", content=bomb,
                          headers={**ingest_headers, "Content-Encoding": "gzip"})
    assert r.status_code == 413
    assert await scalar(graph, "MATCH (e:Event) RETURN count(e)") == 0


async def test_auth_required(client, graph, read_headers):
    body = {"batch": [track("u6")]}
    assert (await client.post("/v1/batch", json=body)).status_code == 401
    bad = {"Authorization": f"Bearer pg_nokey_{uuid.uuid4().hex}"}
    assert (await client.post("/v1/batch", json=body, headers=bad)).status_code == 401
    r = await client.post("/v1/batch", json=body, headers=read_headers)
    assert r.status_code == 403 and r.json()["error"]["code"] == "forbidden"


async def test_concurrent_retries_store_each_event_once(client, graph, ingest_headers,
                                                        opt_out):
    batch = {"batch": [track(f"c{i % 7}", "Product Added", product_id=f"p{i % 5}")
                       for i in range(60)]}
    results = await asyncio.gather(*(client.post("/v1/batch", json=batch,
                                                 headers=ingest_headers) for _ in range(4)))
    assert all(r.status_code == 200 for r in results), [r.text for r in results]
    assert sum(r.json()["stored"] for r in results) == 60
    assert sum(r.json()["duplicates"] for r in results) == 180
    assert await scalar(graph, "MATCH (e:Event) RETURN count(e)") == 60
    assert await scalar(graph, "MATCH (u:User) RETURN sum(u.event_count)") == 60


async def test_group_commit_answers_each_request_for_its_own_messages(
        client, graph, ingest_headers, opt_out):
    await client.put("/v1/users/refuser/consent", json={"purposes": {"analytics": False}},
                     headers=ingest_headers)
    shared = track("g0")
    bodies = [track(f"g{i}") for i in range(8)] + [shared, shared, track("refuser")]
    results = await asyncio.gather(*(client.post("/v1/track", json=b, headers=ingest_headers)
                                     for b in bodies))
    outcomes = [r.json() for r in results]
    assert [o["stored"] for o in outcomes[:8]] == [1] * 8
    assert sorted((o["stored"], o["duplicates"]) for o in outcomes[8:10]) == [(0, 1), (1, 0)]
    assert outcomes[10]["dropped_reasons"] == {"no_analytics_consent": 1}
    assert await scalar(graph, "MATCH (e:Event) RETURN count(e)") == 9
