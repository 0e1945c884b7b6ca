"""Consent: per-purpose API, SDK category preferences, enforcement on intake, history."""

from __future__ import annotations

from tests.helpers import scalar, track


def _prefs(**prefs: bool) -> dict:
    return {"consent": {"categoryPreferences": prefs}}


async def test_opt_in_drops_events_until_granted(client, graph, ingest_headers, read_headers,
                                                 opt_in):
    r = await client.post("/v1/batch", json={"batch": [track("u1"), track("u1")]},
                          headers=ingest_headers)
    body = r.json()
    assert (body["stored"], body["dropped"]) == (0, 2)
    assert body["dropped_reasons"] == {"no_analytics_consent": 2}
    assert await scalar(graph, "MATCH (n) WHERE n:User OR n:Event RETURN count(n)") == 0

    r = await client.put("/v1/users/u1/consent", json={"purposes": {"analytics": True}},
                         headers=ingest_headers)
    assert r.status_code == 200, r.text
    state = r.json()
    assert state["purposes"]["analytics"] == {**state["purposes"]["analytics"],
                                              "status": "granted", "explicit": True}
    assert state["purposes"]["marketing"]["status"] == "denied"
    assert state["purposes"]["marketing"]["explicit"] is False
    r = await client.post("/v1/batch", json={"batch": [track("u1")]}, headers=ingest_headers)
    assert r.json()["stored"] == 1
    edge = await scalar(graph, "MATCH (:User {user_id:'u1'})-[c:CONSENTED]->"
                               "(:Purpose {name:'analytics'}) RETURN c {.status, .source}")
    assert edge == {"status": "granted", "source": "api"}


async def test_event_consent_applies_in_message_order(client, graph, ingest_headers, opt_in):
    batch = [
        track(anonymous_id="a1"),  # no consent yet: dropped
        {**track(anonymous_id="a1"), "context": _prefs(Analytics=True, Advertising=False)},
        track(anonymous_id="a1"),
        {**track(anonymous_id="a1"), "context": _prefs(Analytics=False)},
        track(anonymous_id="a1"),  # refused again: dropped
    ]
    body = (await client.post("/v1/batch", json={"batch": batch}, headers=ingest_headers)).json()
    assert (body["stored"], body["dropped"]) == (2, 3)
    assert [d["messageId"] for d in body["dropped_messages"]] == [
        batch[0]["messageId"], batch[3]["messageId"], batch[4]["messageId"]]
    history = await scalar(graph, "MATCH (:User {user_id:'anon:a1'})-[:CONSENT_CHANGED]->(c) "
                                  "WITH c ORDER BY c.at, c.purpose, c.status "
                                  "RETURN collect(c.purpose + '=' + c.status)")
    assert sorted(history) == sorted(["analytics=granted", "marketing=denied",
                                      "analytics=denied"])
    assert await scalar(graph, "MATCH (:User {user_id:'anon:a1'})-[c:CONSENTED]->"
                               "(:Purpose {name:'analytics'}) RETURN c.status") == "denied"


async def test_opt_out_stores_until_refused(client, graph, ingest_headers, opt_out):
    r = await client.post("/v1/batch", json={"batch": [track("u2")]}, headers=ingest_headers)
    assert r.json()["stored"] == 1
    await client.put("/v1/users/u2/consent", json={"purposes": {"analytics": False}},
                     headers=ingest_headers)
    r = await client.post("/v1/batch", json={"batch": [track("u2")]}, headers=ingest_headers)
    assert r.json()["dropped_reasons"] == {"no_analytics_consent": 1}
    # identify is not behavioural: traits are still kept
    r = await client.post("/v1/identify", json={"userId": "u2", "traits": {"plan": "x"}},
                          headers=ingest_headers)
    assert r.json()["stored"] == 1


async def test_consent_bad_input(client, graph, ingest_headers, read_headers):
    r = await client.put("/v1/users/u3/consent", json={"purposes": {"tracking": True}},
                         headers=ingest_headers)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "/purposes/tracking"
    for loose in ("yes", "no", "true", "off", 1, 0, None):
        r = await client.put("/v1/users/u3/consent", json={"purposes": {"marketing": loose}},
                             headers=ingest_headers)
        assert r.status_code == 422, (loose, r.text)
        assert [f["field"] for f in r.json()["error"]["fields"]] == ["/purposes/marketing"]
    assert await scalar(graph, "MATCH (u:User {user_id:'u3'}) RETURN count(u)") == 0
    r = await client.put("/v1/users/u3/consent", json={"purposes": {}}, headers=ingest_headers)
    assert r.status_code == 422
    r = await client.put("/v1/users/u3/consent", json={"purposes": {"analytics": True}},
                         headers=read_headers)
    assert r.status_code == 403
    bad = {"batch": [{**track("u3"), "context": _prefs(Analytics="yes")}]}
    r = await client.post("/v1/batch", json=bad, headers=ingest_headers)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == \
        "batch.0.context.consent.categoryPreferences.Analytics"


async def test_opt_out_default_is_written_as_granted_edges(client, graph, ingest_headers,
                                                           opt_out):
    batch = [{**track("u5"), "context": _prefs(Marketing=False)}]
    assert (await client.post("/v1/batch", json={"batch": batch},
                              headers=ingest_headers)).status_code == 200
    rows, _, _ = await graph.execute_query(
        "MATCH (:User {user_id:'u5'})-[c:CONSENTED]->(p:Purpose) "
        "RETURN p.name AS p, c.status AS s, c.source AS src ORDER BY p")
    assert [(r["p"], r["s"], r["src"]) for r in rows] == [
        ("analytics", "granted", "default"), ("marketing", "denied", "event"),
        ("personalization", "granted", "default")]
    # an existing profile is not touched again
    await client.post("/v1/batch", json={"batch": [track("u5")]}, headers=ingest_headers)
    assert await scalar(graph, "MATCH (:User {user_id:'u5'})-[:CONSENT_CHANGED]->(c) "
                               "RETURN count(c)") == 3
