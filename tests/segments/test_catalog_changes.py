"""The rule for catalog changes (docs/segments.md): a segment's item filters read the item's
current attributes, event-property filters the values the event carried. When an item
changes category (through the catalog API or an event carrying new product details), the
real-time memberships follow, and a full refresh then changes nothing."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings
from tests.helpers import scalar, track

KITCHEN = {"id": "kitchen-viewers", "name": "Viewed a Kitchen item", "condition": {
    "type": "event", "event_type": "product_viewed",
    "filters": [{"field": "category", "op": "eq", "value": "Kitchen"}]}}
SUMMER = {"id": "summer-list", "name": "Viewed from the summer list", "condition": {
    "type": "event", "event_type": "product_viewed",
    "filters": [{"field": "p_list_id", "op": "eq", "value": "summer"}]}}


async def _settled(graph: AsyncDriver) -> None:
    """Catalog changes expanded and every profile's membership work applied."""
    for _ in range(400):
        left = await scalar(graph, "RETURN COUNT { (i:CatalogChanged) } + COUNT { (u:User) "
                                   "WHERE u.membership_pending IS NOT NULL }")
        if left == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("catalog changes or membership work left")


async def _members(c: httpx.AsyncClient, headers: dict, segment: str) -> list[str]:
    r = await c.get(f"/v1/segments/{segment}/members", headers=headers)
    return [m["user_id"] for m in r.json()["members"]]


async def _refresh_changes(c: httpx.AsyncClient, headers: dict) -> dict[str, int]:
    r = await c.post("/v1/segments/refresh", headers=headers)
    return {x["segment_id"]: x["entered"] + x["exited"] for x in r.json()["refreshed"]}


async def _put(c: httpx.AsyncClient, headers: dict, item: str, **fields: Any) -> None:
    r = await c.put(f"/v1/items/{item}", json=fields, headers=headers)
    assert r.status_code == 200, r.text


async def test_a_category_change_moves_real_time_membership_as_a_refresh_would(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
        opt_out: Settings) -> None:
    await _put(client, admin_headers, "sku-1", title="Teapot", category="Kitchen")
    await _put(client, admin_headers, "sku-2", title="Trowel", category="Garden")
    for segment in (KITCHEN, SUMMER):
        assert (await client.post("/v1/segments", json=segment, headers=admin_headers)
                ).status_code == 201
    batch = [track("u1", product_id="sku-1", list_id="summer"), track("u2", product_id="sku-1"),
             track("u3", product_id="sku-2", list_id="summer")]
    r = await client.post("/v1/batch", json={"batch": batch}, headers=admin_headers)
    assert r.status_code == 200, r.text
    await _settled(graph)
    assert await _members(client, admin_headers, "kitchen-viewers") == ["u1", "u2"]

    # the catalog API moves the teapot out of Kitchen and the trowel in
    await _put(client, admin_headers, "sku-1", category="Garden")
    await _put(client, admin_headers, "sku-2", category="Kitchen")
    await _settled(graph)
    assert await _members(client, admin_headers, "kitchen-viewers") == ["u3"]
    # event properties count as sent: the list a view came from does not move
    assert await _members(client, admin_headers, "summer-list") == ["u1", "u3"]
    assert await _refresh_changes(client, admin_headers) == {"kitchen-viewers": 0,
                                                             "summer-list": 0}

    # an event carrying new product details changes the item too: its past viewers follow
    moved = track("u4", product_id="sku-1", category="Kitchen", name="Teapot")
    r = await client.post("/v1/batch", json={"batch": [moved]}, headers=admin_headers)
    assert r.status_code == 200, r.text
    await _settled(graph)
    assert await _members(client, admin_headers, "kitchen-viewers") == ["u1", "u2", "u3", "u4"]
    assert await _refresh_changes(client, admin_headers) == {"kitchen-viewers": 0,
                                                             "summer-list": 0}
    metrics = (await client.get("/metrics")).text
    assert "profilegraph_catalog_change_users_total" in metrics


async def test_without_item_rules_a_catalog_change_only_clears_its_mark(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
        opt_out: Settings) -> None:
    assert (await client.post("/v1/segments", json=SUMMER, headers=admin_headers)
            ).status_code == 201
    await _put(client, admin_headers, "sku-1", category="Kitchen")
    r = await client.post("/v1/batch", json={"batch": [track("u1", product_id="sku-1")]},
                          headers=admin_headers)
    assert r.status_code == 200
    await _settled(graph)
    await _put(client, admin_headers, "sku-1", category="Garden", price=3.5)
    await _settled(graph)  # the mark is cleared, and no profile was given work
    assert await scalar(graph, "MATCH (u:User {user_id: 'u1'}) "
                               "RETURN u.membership_seq") == 1
