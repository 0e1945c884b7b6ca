"""The e-commerce spec properties the service reads (revenue, products, price, quantity) must
be readable: a value it would skip or count as 0 is a 422 naming the field; properties it does
not read, and custom events, keep Segment's leniency."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from neo4j import AsyncDriver

from app.intake.messages import MessageError, parse_message
from tests.helpers import scalar, track

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
LINE = {"product_id": "sku-1", "price": 10, "quantity": 2}


def _field(event: str, **properties: Any) -> str | None:
    msg = {"type": "track", "userId": "u", "event": event, "properties": properties}
    try:
        parse_message(msg, 0, NOW)
    except MessageError as exc:
        return exc.field
    return None


@pytest.mark.parametrize(("event", "properties", "field"), [
    ("Order Completed", {"revenue": "lots"}, "properties.revenue"),
    ("Order Completed", {"revenue": True}, "properties.revenue"),
    ("Order Completed", {"total": {"amount": 3}}, "properties.total"),
    ("Order Completed", {"products": "x"}, "properties.products"),
    ("Order Completed", {"products": ["sku-1"]}, "properties.products.0"),
    ("Order Completed", {"products": [LINE, {"price": 3}]}, "properties.products.1.product_id"),
    ("Order Completed", {"products": [{**LINE, "quantity": "two"}]},
     "properties.products.0.quantity"),
    ("Checkout Started", {"products": [{**LINE, "price": "cheap"}]},
     "properties.products.0.price"),
    ("Product Viewed", {"product_id": "sku-1", "price": "free"}, "properties.price"),
    ("Product Added", {"product_id": "sku-1", "quantity": [1]}, "properties.quantity"),
    ("Product Added", {"product_id": {"a": 1}}, "properties.product_id"),
    ("Wishlist Shared", {"products": [{"name": "no id"}]}, "properties.products.0.product_id"),
])
def test_unreadable_spec_properties_are_named(event: str, properties: dict, field: str) -> None:
    assert _field(event, **properties) == field


@pytest.mark.parametrize(("event", "properties"), [
    ("Order Completed", {"revenue": 12.5, "products": [LINE]}),
    ("Order Completed", {"revenue": "12.50", "total": None}),  # a numeric string reads as one
    ("Product Viewed", {"product_id": 42, "price": 3, "colour": {"any": "shape"}}),
    ("Product Viewed", {}),  # no product: the view links no item, as before
    ("Custom Thing", {"revenue": "lots", "products": "x", "price": "free"}),  # not read
    ("Order Completed", {"value": "n/a", "coupon": ["a"], "currency": 1}),  # not read
])
def test_readable_or_unread_properties_pass(event: str, properties: dict) -> None:
    assert _field(event, **properties) is None


@pytest.mark.neo4j
async def test_bad_order_is_refused_and_nothing_stored(client: httpx.AsyncClient,
                                                      graph: AsyncDriver, opt_out: Any,
                                                      admin_headers: dict) -> None:
    bad = track("u1", "Order Completed", revenue="lots", products="x")
    r = await client.post("/v1/track", json=bad, headers=admin_headers)
    assert r.status_code == 422, r.text
    assert r.json()["error"]["fields"] == [{"field": "properties.revenue",
                                            "reason": "must be a number"}]
    # a batch with one unreadable message is refused whole, as for any invalid message
    good = track("u1", "Order Completed", revenue=20, products=[LINE])
    r = await client.post("/v1/batch", json={"batch": [good, {
        **bad, "properties": {"revenue": 5, "products": "x"}}]}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "batch.1.properties.products"
    assert await scalar(graph, "MATCH (e:Event) RETURN count(e)") == 0
    r = await client.post("/v1/batch", json={"batch": [good]}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["stored"] == 1
    assert await scalar(graph, "MATCH (u:User {user_id:'u1'}) RETURN u.revenue_total") == 20.0
