"""End to end: events sent to intake change segment membership before the call returns."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from app.core.config import Settings


def _message(kind: str, user_id: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "messageId": str(uuid.uuid4()), "userId": user_id,
            "timestamp": datetime.now(UTC).isoformat(), **fields}


async def test_track_and_identify_update_membership(client: httpx.AsyncClient,
                                                    admin_headers: dict,
                                                    opt_out: Settings) -> None:
    for definition in (
        {"id": "buyers", "name": "Bought this month", "condition": {
            "type": "event", "event_type": "order_completed", "within_days": 30}},
        {"id": "pro-buyers", "name": "Pro buyers", "condition": {"type": "and", "conditions": [
            {"type": "segment", "segment_id": "buyers"},
            {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}]}},
    ):
        r = await client.post("/v1/segments", json=definition, headers=admin_headers)
        assert r.status_code == 201, r.text

    order = _message("track", "alice", event="Order Completed", properties={
        "order_id": "o-1", "revenue": 50.0,
        "products": [{"product_id": "sku-1", "price": 50.0, "quantity": 1}]})
    r = await client.post("/v1/track", json=order, headers=admin_headers)
    assert r.status_code < 300, r.text
    mine = (await client.get("/v1/users/alice/segments", headers=admin_headers)).json()
    assert [s["segment_id"] for s in mine["segments"]] == ["buyers"]

    r = await client.post("/v1/identify", json=_message("identify", "alice",
                                                        traits={"plan": "pro"}),
                          headers=admin_headers)
    assert r.status_code < 300, r.text
    mine = (await client.get("/v1/users/alice/segments", headers=admin_headers)).json()
    assert [s["segment_id"] for s in mine["segments"]] == ["buyers", "pro-buyers"]
    changes = (await client.get("/v1/segments/pro-buyers/changes", headers=admin_headers)
               ).json()["changes"]
    assert [(c["user_id"], c["change"]) for c in changes] == [("alice", "entered")]


async def test_consent_route_updates_membership_at_once(client: httpx.AsyncClient,
                                                        admin_headers: dict) -> None:
    definition = {"id": "reachable", "name": "Marketing allowed",
                  "condition": {"type": "consent", "purpose": "marketing"}}
    r = await client.post("/v1/segments", json=definition, headers=admin_headers)
    assert r.status_code == 201, r.text

    async def segments_of(user: str) -> list[str]:
        body = (await client.get(f"/v1/users/{user}/segments", headers=admin_headers)).json()
        return [s["segment_id"] for s in body["segments"]]

    grant = {"purposes": {"analytics": True, "marketing": True}}
    r = await client.put("/v1/users/bob/consent", json=grant, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert await segments_of("bob") == ["reachable"]

    revoke = {"purposes": {"marketing": False}}
    r = await client.put("/v1/users/bob/consent", json=revoke, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert await segments_of("bob") == []
    changes = (await client.get("/v1/segments/reachable/changes", headers=admin_headers)
               ).json()["changes"]
    assert sorted(c["change"] for c in changes if c["user_id"] == "bob") == ["entered", "exited"]
