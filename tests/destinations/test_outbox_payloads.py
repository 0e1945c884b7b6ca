"""What the outbox queues and what the receiver gets for trait changes and raw events:
previous values, event properties, marketing consent, order per profile, a paused
destination, and erasure of a profile's deliveries."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from neo4j import AsyncDriver

from tests.destinations.receiver import Receiver
from tests.destinations.shoppers import CART_ADDERS, add_to_cart, identify, send
from tests.helpers import scalar

pytestmark = pytest.mark.neo4j


async def test_trait_changes_and_events(dclient: httpx.AsyncClient, graph: AsyncDriver,
                                        admin_headers: dict, fast_delivery,
                                        receiver: Receiver) -> None:
    r = await dclient.post("/v1/destinations", headers=admin_headers, json={
        "id": "crm", "name": "CRM", "kind": "webhook", "target": receiver.url,
        "subscriptions": {"traits": ["plan"], "events": ["Product Added"]}})
    receiver.secret = r.json()["secret"]
    await send(dclient, admin_headers, [identify("u1", plan="free", city="Oslo"),
                                        identify("quiet", marketing=False, plan="free")])
    await send(dclient, admin_headers, [identify("u1", plan="free", city="Bergen")])  # same
    await send(dclient, admin_headers, [identify("u1", plan="pro"), add_to_cart("u1"),
                                        add_to_cart("quiet", marketing=False)])
    await receiver.wait_for(3)
    await asyncio.sleep(0.5)
    assert receiver.invalid == 0
    bodies = [b for _, b in receiver.received]
    assert [b["type"] for b in bodies] == ["profile.trait_changed", "profile.trait_changed",
                                           "event.product_added"]
    first, second, event = bodies
    assert first["data"] == {"profile_id": "u1", "trait": "plan", "value": "free",
                             "previous": None}
    assert second["data"] == {"profile_id": "u1", "trait": "plan", "value": "pro",
                              "previous": "free"}
    assert event["data"]["event"] == "Product Added"
    assert event["data"]["event_type"] == "product_added"
    assert event["data"]["properties"] == {"product_id": "sku-1", "price": 10.0}
    assert event["data"]["event_id"] and event["timestamp"]
    seqs = await graph.execute_query(
        "MATCH (x:Delivery {user_id: 'u1'}) RETURN x.type AS t ORDER BY x.seq")
    assert [r["t"] for r in seqs.records] == [b["type"] for b in bodies]

    # paused: nothing more is queued
    r = await dclient.patch("/v1/destinations/crm", json={"active": False},
                            headers=admin_headers)
    assert r.json()["active"] is False
    await send(dclient, admin_headers, [identify("u1", plan="team")])
    assert await scalar(graph, "MATCH (x:Delivery) RETURN count(x)") == 3

    # erasure takes the profile's deliveries with it
    r = await dclient.delete("/v1/users/u1", headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json()["deleted"]["deliveries"] == 3
    assert await scalar(graph, "MATCH (x:Delivery) RETURN count(x)") == 0


async def test_a_renamed_profile_is_followed_under_its_new_id(
        dclient: httpx.AsyncClient, admin_headers: dict, fast_delivery,
        receiver: Receiver) -> None:
    """An anonymous shopper enters, then signs in: the destination hears that the anonymous
    id left and the user id entered (two profile ids: no order between them)."""
    await dclient.post("/v1/segments", json=CART_ADDERS, headers=admin_headers)
    r = await dclient.post("/v1/destinations", headers=admin_headers, json={
        "id": "crm", "name": "CRM", "kind": "webhook", "target": receiver.url,
        "subscriptions": {"segments": {"ids": ["cart-adders"]}}})
    receiver.secret = r.json()["secret"]
    anonymous = {**add_to_cart("x"), "anonymousId": "a-1"}
    del anonymous["userId"]
    await send(dclient, admin_headers, [anonymous])
    await receiver.wait_for(1)
    signed_in = {**identify("u-9"), "anonymousId": "a-1"}
    await send(dclient, admin_headers, [signed_in])
    await receiver.wait_for(3)
    await asyncio.sleep(0.5)
    got = [(b["type"], b["data"]["profile_id"]) for _, b in receiver.received]
    assert got[0] == ("segment.entered", "anon:a-1")
    assert sorted(got[1:]) == [("segment.entered", "u-9"), ("segment.exited", "anon:a-1")]
