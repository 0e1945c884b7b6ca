"""A small storefront for decision tests: shoppers in and out of a segment and of
prediction bands, with and without personalization consent, and a placement over them."""

from __future__ import annotations

from typing import Any

import httpx
from neo4j import AsyncDriver

from tests.segments.dataset import Dataset, Item, User, write_dataset

GRANTED = {"personalization": "granted"}
SHOPPERS = [
    User("vip", {"trait_plan": "gold", "pred_purchase_30d": 0.9, "pred_value_90d": 300.0},
         GRANTED),
    User("likely", {"trait_plan": "free", "pred_purchase_30d": 0.7, "pred_value_90d": 50.0},
         GRANTED),
    User("edge", {"pred_purchase_30d": 0.6}, GRANTED),  # exactly on the threshold
    User("cold", {"pred_purchase_30d": 0.1, "pred_value_90d": 0.0}, GRANTED),
    User("big-spender", {"pred_purchase_30d": 0.2, "pred_value_90d": 250.0}, GRANTED),
    User("unscored", {}, GRANTED),
    User("refused", {"trait_plan": "gold", "pred_purchase_30d": 0.9},
         {"personalization": "denied"}),
    User("silent", {"trait_plan": "gold", "pred_purchase_30d": 0.9}, {}),
]
GOLD = {"id": "gold", "name": "Gold plan",
        "condition": {"type": "trait", "property": "trait_plan", "op": "eq", "value": "gold"}}
BANNER: dict[str, Any] = {
    "name": "Home banner",
    "variants": [
        {"id": "premium", "title": "Welcome back", "image_url": "https://cdn.example/p.png",
         "link": "/premium"},
        {"id": "offer", "title": "10% off this week", "link": "/offer"},
        {"id": "shoes", "title": "New shoes", "link": "/c/shoes"},
        {"id": "picks", "recommendation": {"limit": 4, "category": "hats"}},
        {"id": "generic", "title": "Our bestsellers", "link": "/best"},
    ],
    "rules": [
        {"name": "Gold members", "when": {"type": "segment", "segment_id": "gold"},
         "variant": "premium"},
        {"name": "Likely buyers",
         "when": {"type": "prediction", "prediction": "purchase_30d", "op": "gte",
                  "value": 0.6}, "variant": "offer"},
        {"name": "Shoes on mobile",
         "when": {"type": "and", "conditions": [
             {"type": "context", "field": "device", "op": "eq", "value": "mobile"},
             {"type": "context", "field": "context_category", "op": "eq", "value": "shoes"}]},
         "variant": "shoes"},
        {"name": "High expected value",
         "when": {"type": "trait", "property": "pred_value_90d", "op": "gte", "value": 200},
         "variant": "picks"},
    ],
    "default": "generic",
}


async def storefront(graph: AsyncDriver, client: httpx.AsyncClient,
                     headers: dict[str, str]) -> None:
    items = [Item("sku-1", "shoes", 50.0), Item("sku-2", "hats", 5.0)]
    await write_dataset(graph, Dataset(SHOPPERS, items, []))
    r = await client.post("/v1/segments", json=GOLD, headers=headers)
    assert r.status_code == 201, r.text
    r = await client.put("/v1/placements/home_banner", json=BANNER, headers=headers)
    assert r.status_code == 200, r.text


async def decide(client: httpx.AsyncClient, headers: dict[str, str], user: str,
                 **params: str) -> dict[str, Any]:
    r = await client.get(f"/v1/users/{user}/decisions",
                         params={"placement": "home_banner", **params}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()
