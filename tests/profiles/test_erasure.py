"""GDPR: export everything, erase everything, keep only a receipt without personal data."""

from __future__ import annotations

from tests.helpers import scalar, track


async def _seed(client, ingest_headers):
    first = await client.post("/v1/track", json=track(anonymous_id="a1"), headers=ingest_headers)
    assert first.status_code == 200
    batch = [
        {"type": "identify", "userId": "u1", "anonymousId": "a1",
         "traits": {"email": "ann@example.com", "name": "Ann"},
         "context": {"consent": {"categoryPreferences": {"Marketing": True}}}},
        track("u1", "Order Completed", revenue=20, products=[{"product_id": "p1", "price": 20}]),
        track("u2", "Product Viewed", product_id="p1"),
    ]
    r = await client.post("/v1/batch", json={"batch": batch}, headers=ingest_headers)
    assert r.status_code == 200, r.text


async def test_export_holds_everything(client, graph, ingest_headers, admin_headers, opt_out):
    await _seed(client, ingest_headers)
    r = await client.get("/v1/users/u1/export", headers=admin_headers)
    assert r.status_code == 200, r.text
    doc = r.json()
    assert doc["profile"]["user_id"] == "u1"
    assert doc["profile"]["traits"]["name"] == "Ann"
    assert len(doc["events"]) == 2
    # opt-out: the anonymous profile got the default recorded and the merge kept it; the
    # later Marketing=true restated what was already granted, so it is not a change
    assert sorted((c["purpose"], c["status"], c["source"]) for c in doc["consent_history"]) \
        == [("analytics", "granted", "default"), ("marketing", "granted", "default"),
            ("personalization", "granted", "default")]
    assert doc["profile"]["merges"][0]["from_user_id"] == "anon:a1"
    # the anonymous id still resolves to the same person
    r = await client.get("/v1/users/a1/export", headers=admin_headers)
    assert r.json()["profile"]["user_id"] == "u1"


async def test_erasure_leaves_nothing_of_the_user(client, graph, ingest_headers,
                                                  admin_headers, read_headers, opt_out):
    await _seed(client, ingest_headers)
    await graph.execute_query(
        "MATCH (u:User {user_id:'u1'}) MERGE (s:Segment {segment_id:'s1'}) "
        "MERGE (u)-[:IN_SEGMENT {since: datetime()}]->(s) "
        "CREATE (s)-[:MEMBERSHIP_CHANGED]->(:MembershipChange {user_id:'u1', change:'entered'})")
    erased: list = []

    async def listener(change):
        erased.append(change.erased)

    client._transport.app.state.services.ingest_hooks.register(listener)
    before_other = await scalar(graph, "MATCH (:User {user_id:'u2'})-[r]-() RETURN count(r)")

    r = await client.delete("/v1/users/u1", headers=admin_headers)
    assert r.status_code == 200, r.text
    receipt = r.json()
    assert receipt["deleted"]["events"] == 2 and receipt["deleted"]["identities"] == 3
    assert erased == [frozenset({"u1", "anon:a1"})]

    rows, _, _ = await graph.execute_query("MATCH (n) RETURN labels(n) AS l, properties(n) AS p")
    dump = repr([(r["l"], r["p"]) for r in rows])
    for secret in ("u1", "a1", "Ann", "ann@example.com"):
        assert f"'{secret}'" not in dump, secret
    assert await scalar(graph, "MATCH (e:Event) RETURN count(e)") == 1  # u2's only
    assert await scalar(graph, "MATCH (m:MembershipChange) RETURN count(m)") == 0
    assert await scalar(graph, "MATCH (:User {user_id:'u2'})-[r]-() RETURN count(r)") \
        == before_other
    record = await scalar(graph, "MATCH (r:ErasureRecord) RETURN properties(r)")
    assert record["receipt_id"] == receipt["receipt_id"] and set(record) == {
        "receipt_id", "at", "counts"}
    assert await scalar(graph, "MATCH (i:Item {item_id:'p1'}) RETURN count(i)") == 1

    assert (await client.get("/v1/users/u1/profile", headers=read_headers)).status_code == 404
    # a retried erasure (GDPR tools retry) answers with the first one's receipt, by any of
    # the person's ids; an id never seen stays a 404
    assert receipt["status"] == "erased"
    for again_id in ("u1", "a1"):
        again = await client.delete(f"/v1/users/{again_id}", headers=admin_headers)
        assert again.status_code == 200, again.text
        assert again.json() == {**receipt, "status": "already_erased"}
    assert await scalar(graph, "MATCH (r:ErasureRecord) RETURN count(r)") == 1
    assert (await client.delete("/v1/users/never-seen", headers=admin_headers)
            ).status_code == 404
    assert (await client.delete("/v1/users/u2", headers=read_headers)).status_code == 403
