"""Profile read with computed traits, and the paged timeline."""

from __future__ import annotations

from tests.helpers import track


def _at(msg: dict, ts: str) -> dict:
    return {**msg, "timestamp": ts}


async def test_profile_computed_traits(client, graph, ingest_headers, read_headers, opt_out):
    batch = [
        _at(track("u1", "Product Viewed", product_id="p1"), "2026-10-01T10:00:00Z"),
        _at(track("u1", "Order Completed", revenue=150.0,
                  products=[{"product_id": "p1", "price": 75.0, "quantity": 2}]),
            "2026-10-02T10:00:00Z"),
        {"type": "identify", "userId": "u1", "traits": {"name": "Ann", "age": 31,
                                                        "email": "ann@example.com"}},
    ]
    assert (await client.post("/v1/batch", json={"batch": batch},
                               headers=ingest_headers)).status_code == 200
    second = [_at(track("u1", "Order Completed", revenue=400.0), "2026-10-05T10:00:00Z")]
    await client.post("/v1/batch", json={"batch": second}, headers=ingest_headers)
    await graph.execute_query("MATCH (u:User {user_id:'u1'}) MERGE (s:Segment {segment_id:'vip'}) "
                              "SET s.name = 'VIP' MERGE (u)-[:IN_SEGMENT {since: datetime()}]->(s)")

    r = await client.get("/v1/users/u1/profile", headers=read_headers)
    assert r.status_code == 200, r.text
    p = r.json()
    assert p["traits"] == {"name": "Ann", "age": 31}
    kinds = {i["kind"] for i in p["identities"]}
    assert kinds == {"user_id", "email_sha256"}
    c = p["computed"]
    assert c["event_count"] == 3 and c["order_count"] == 2
    assert c["counts"] == {"product_viewed": 1, "order_completed": 2}
    assert c["revenue_total"] == 550.0
    assert c["first_seen"].startswith("2026-10-01") and c["last_seen"].startswith("2026-10-05")
    assert c["rfm"]["f"] == 2 and c["rfm"]["m"] == 3 and 1 <= c["rfm"]["r"] <= 5
    assert c["rfm"]["recency_days"] >= 0
    assert c["engagement_score"] > 0
    assert p["consent"]["default_policy"] == "opt_out"
    assert p["consent"]["purposes"]["analytics"]["status"] == "granted"
    assert p["segments"][0]["segment_id"] == "vip"


async def test_profile_missing_and_auth(client, graph, ingest_headers, read_headers):
    assert (await client.get("/v1/users/nobody/profile", headers=read_headers)).status_code \
        == 404
    assert (await client.get("/v1/users/u1/profile")).status_code == 401
    assert (await client.get("/v1/users/u1/profile", headers=ingest_headers)).status_code \
        == 403


async def test_timeline_pages_and_filters(client, graph, ingest_headers, read_headers, opt_out):
    batch = [_at(track("u2", "Product Viewed" if i % 2 else "Product Added", product_id=f"p{i}"),
                 f"2026-10-{i + 1:02d}T10:00:00Z") for i in range(7)]
    await client.post("/v1/batch", json={"batch": batch}, headers=ingest_headers)
    seen, cursor = [], None
    while True:
        params = {"limit": 3, **({"cursor": cursor} if cursor else {})}
        r = await client.get("/v1/users/u2/events", params=params, headers=read_headers)
        assert r.status_code == 200, r.text
        page = r.json()
        seen += [e["ts"][:10] for e in page["events"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [f"2026-10-{d:02d}" for d in range(7, 0, -1)]
    r = await client.get("/v1/users/u2/events", headers=read_headers, params={
        "type": "product_added", "since": "2026-10-02T00:00:00Z", "until": "2026-10-06T00:00:00Z"})
    events = r.json()["events"]
    assert [e["ts"][:10] for e in events] == ["2026-10-05", "2026-10-03"]
    assert events[0]["items"][0]["item_id"] == "p4"
    assert events[0]["properties"]["product_id"] == "p4"
    r = await client.get("/v1/users/u2/events", params={"cursor": "garbage"},
                         headers=read_headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "cursor"
    r = await client.get("/v1/users/u2/events", params={"since": "never"}, headers=read_headers)
    assert r.status_code == 422


async def test_new_profile_traits_match_incremental_path(client, graph, ingest_headers,
                                                         opt_out):
    """A profile the batch creates gets its computed traits in one write (Python-side);
    they equal those the incremental Cypher derives for an existing, empty profile."""
    await graph.execute_query("CREATE (:User {user_id: 'old', created_at: datetime(), "
                              "updated_at: datetime()})")

    def events(user: str) -> list[dict]:
        return [
            _at({**track(user, "Product Viewed", product_id="p1"), "messageId": f"{user}-1"},
                "2026-10-01T10:00:00.123Z"),
            _at({**track(user, "Product Added", product_id="p1"), "messageId": f"{user}-2"},
                "2026-10-03T08:30:00Z"),
            _at({**track(user, "Order Completed", revenue=612.5,
                         products=[{"product_id": "p1", "price": 306.25, "quantity": 2}]),
                 "messageId": f"{user}-3"}, "2026-10-02T23:59:59.999Z"),
            {"type": "identify", "userId": user, "traits": {"name": "Ann"}},
        ]

    for user in ("old", "new"):
        r = await client.post("/v1/batch", json={"batch": events(user)}, headers=ingest_headers)
        assert r.status_code == 200 and r.json()["stored"] == 4, r.text
    records, _, _ = await graph.execute_query(
        "MATCH (u:User) WHERE u.user_id IN ['old', 'new'] "
        "RETURN u.user_id AS id, properties(u) AS p")
    props = {r["id"]: dict(r["p"]) for r in records}
    for p in props.values():
        for key in ("user_id", "created_at", "updated_at"):
            p.pop(key)
    assert props["new"]["event_count"] == 3 and props["new"]["rfm_f"] == 1
    assert props["new"]["count_order_completed"] == 1
    assert props["new"] == props["old"]


async def test_money_is_presented_in_cents_and_stored_exact(client, graph, ingest_headers,
                                                            read_headers, opt_out):
    # 0.1 + 0.2 is 0.30000000000000004 in binary floating point, in either order: the graph
    # keeps the exact sum (so later orders add up), the profile shows cents
    batch = [_at(track("m1", "Order Completed", revenue=r), f"2026-10-0{n + 1}T10:00:00Z")
             for n, r in enumerate((0.1, 0.2))]
    assert (await client.post("/v1/batch", json={"batch": batch},
                               headers=ingest_headers)).status_code == 200
    records, _, _ = await graph.execute_query(
        "MATCH (u:User {user_id: 'm1'}) RETURN u.revenue_total AS r")
    assert records[0]["r"] == 0.1 + 0.2 != 0.3
    r = await client.get("/v1/users/m1/profile", headers=read_headers)
    c = r.json()["computed"]
    assert c["revenue_total"] == 0.3 and c["rfm"]["monetary"] == 0.3
    assert '"revenue_total":0.3,' in r.text
