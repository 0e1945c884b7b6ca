"""GDPR: erased people stay erased (suppression list), e-mails and phones in free text are not
stored in clear, the export carries segment membership history."""

from __future__ import annotations

import httpx
import orjson
from neo4j import AsyncDriver

from tests.helpers import scalar, track


async def test_replay_after_erasure_is_suppressed(client: httpx.AsyncClient, graph: AsyncDriver,
                                                  admin_headers: dict, opt_out) -> None:
    first = track("shopper-1", anonymous_id="device-1")
    identify = {"type": "identify", "userId": "shopper-1",
                "traits": {"email": "Shopper@Example.com"}}
    r = await client.post("/v1/batch", json={"batch": [first, identify]}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["stored"] == 2
    assert (await client.delete("/v1/users/shopper-1", headers=admin_headers)).status_code == 200

    replay = {"batch": [first, identify, track(anonymous_id="device-1"),
                        {"type": "identify", "userId": "someone-else",
                         "traits": {"email": "shopper@example.com"}},
                        track("bystander")]}
    r = await client.post("/v1/batch", json=replay, headers=admin_headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["stored"] == 1 and body["dropped_reasons"] == {"suppressed": 4}
    assert await scalar(graph, "MATCH (u:User) RETURN collect(u.user_id)") == ["bystander"]
    assert await scalar(graph, "MATCH (i:Identity)-[:IDENTIFIES]->(:User {user_id: "
                               "'shopper-1'}) RETURN count(i)") == 0
    hashes = await scalar(graph, "MATCH (e:ErasedIdentity) RETURN collect(e.hash)")
    assert len(hashes) == 3 and all(len(h) == 64 for h in hashes)
    raw = orjson.dumps(await scalar(graph, "MATCH (e:ErasedIdentity) RETURN collect(e.hash)"))
    assert b"shopper" not in raw.lower()


async def test_email_and_phone_inside_free_text_are_scrubbed(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict, opt_out) -> None:
    msg = track("u1", "Review Written",
                text="great, write me at jane.doe@example.org or call +44 20 7946 0958",
                note={"inner": "ping jane.doe@example.org"})
    r = await client.post("/v1/track", json=msg, headers=admin_headers)
    assert r.status_code == 200, r.text
    stored = await scalar(graph, "MATCH (e:Event) RETURN e.properties_json + e.p_text")
    assert "jane.doe" not in stored and "7946" not in stored
    assert "sha256:" in stored and "[phone]" in stored


async def test_export_includes_segment_membership_history(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict, opt_out) -> None:
    r = await client.post("/v1/track", json=track("u1"), headers=admin_headers)
    assert r.status_code == 200
    segment = {"id": "viewers", "name": "Viewers",
               "condition": {"type": "event", "event_type": "product_viewed"}}
    assert (await client.post("/v1/segments", json=segment, headers=admin_headers)
            ).status_code == 201
    export = (await client.get("/v1/users/u1/export", headers=admin_headers)).json()
    history = export["segment_membership_history"]
    assert [(h["segment_id"], h["change"]) for h in history] == [("viewers", "entered")]
