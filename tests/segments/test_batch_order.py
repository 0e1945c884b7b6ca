"""Events of one write share a timestamp when sent without one (a batch gets its receipt
time): a sequence segment orders them as they were sent, by the position each had in the
write (`Event.seq`) and the write's time (`received_at`)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings

VIEWED_THEN_BOUGHT = {"id": "viewed-then-bought", "name": "Viewed then bought the same item",
                      "condition": {"type": "sequence",
                                    "first": {"event_type": "product_viewed"},
                                    "then": {"event_type": "order_completed"},
                                    "within": {"days": 1}, "same_item": True}}
VIEWED_NOT_BOUGHT = {"id": "viewed-not-bought", "name": "Viewed and no order within a minute",
                     "condition": {"type": "sequence",
                                   "first": {"event_type": "product_viewed"},
                                   "then": {"event_type": "order_completed"},
                                   "within": {"minutes": 1}, "then_occurred": False}}


def _view(user: str, **extra: Any) -> dict[str, Any]:
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user,
            "event": "Product Viewed", "properties": {"product_id": "sku-1"}, **extra}


def _order(user: str, **extra: Any) -> dict[str, Any]:
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user,
            "event": "Order Completed", **extra,
            "properties": {"order_id": str(uuid.uuid4()), "revenue": 5.0,
                           "products": [{"product_id": "sku-1", "price": 5.0}]}}


async def _members(client: httpx.AsyncClient, headers: dict, segment_id: str) -> set[str]:
    r = await client.post(f"/v1/segments/{segment_id}/refresh", headers=headers)
    assert r.status_code == 200, r.text
    r = await client.get(f"/v1/segments/{segment_id}/members", headers=headers)
    return {m["user_id"] for m in r.json()["members"]}


async def test_a_batch_without_timestamps_keeps_its_order(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
        opt_out: Settings) -> None:
    for segment in (VIEWED_THEN_BOUGHT, VIEWED_NOT_BOUGHT):
        assert (await client.post("/v1/segments", json=segment, headers=admin_headers)
                ).status_code == 201
    at = "2026-11-20T10:00:00Z"
    for batch in ([_view("ann"), _order("ann")],  # one batch, no timestamps, in order
                  [_order("bob"), _view("bob")],  # bought, then viewed
                  [_view("cy", timestamp=at)]):   # two batches, one timestamp
        r = await client.post("/v1/batch", json={"batch": batch}, headers=admin_headers)
        assert r.status_code == 200, r.text
    r = await client.post("/v1/batch", json={"batch": [_order("cy", timestamp=at)]},
                          headers=admin_headers)
    assert r.status_code == 200, r.text

    records, _, _ = await graph.execute_query(
        "MATCH (u:User)-[:PERFORMED]->(e:Event) RETURN u.user_id AS u, "
        "count(DISTINCT e.ts) AS times, collect(e.type) AS types")
    assert {r["u"]: r["times"] for r in records} == {"ann": 1, "bob": 1, "cy": 1}  # ties

    assert await _members(client, admin_headers, "viewed-then-bought") == {"ann", "cy"}
    # cy's minute has passed and her order (same timestamp, later batch) followed the view;
    # ann's and bob's minute has not passed yet
    assert await _members(client, admin_headers, "viewed-not-bought") == set()
