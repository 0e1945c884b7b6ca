"""Segment messages for the delivery tests: shoppers who add to cart, with consent."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

CART_ADDERS = {"id": "cart-adders", "name": "Added to cart",
               "condition": {"type": "event", "event_type": "product_added"}}


def consent(marketing: bool = True) -> dict[str, Any]:
    return {"consent": {"categoryPreferences": {"Analytics": True, "Personalization": True,
                                                "Marketing": marketing}}}


def add_to_cart(user_id: str, marketing: bool = True, minutes: int = 0,
                sku: str = "sku-1") -> dict[str, Any]:
    ts = datetime.now(UTC).replace(microsecond=0) + timedelta(minutes=minutes)
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user_id,
            "event": "Product Added", "timestamp": ts.isoformat(),
            "properties": {"product_id": sku, "price": 10.0}, "context": consent(marketing)}


def identify(user_id: str, marketing: bool = True, **traits: Any) -> dict[str, Any]:
    return {"type": "identify", "messageId": str(uuid.uuid4()), "userId": user_id,
            "traits": traits, "context": consent(marketing)}


async def send(client: httpx.AsyncClient, headers: dict, messages: list[dict],
               chunk: int = 100) -> None:
    for i in range(0, len(messages), chunk):
        r = await client.post("/v1/batch", json={"batch": messages[i:i + chunk]},
                              headers=headers)
        assert r.status_code == 200, r.text
