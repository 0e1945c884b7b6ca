"""A small generated storefront for demos: a catalog, visitors who browse anonymously, grant
or refuse consent, log in, add to cart and order. Deterministic for a given seed, so loading
twice stores nothing new."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.catalog.item_repository import ItemRepository
from app.importers.pipeline import Totals
from app.intake.intake_service import IntakeService
from app.intake.messages import parse_message

CATEGORIES = {
    "Kitchen": ["Mug", "Teapot", "Kettle", "Cutting Board", "Chef Knife", "Spice Rack"],
    "Garden": ["Watering Can", "Pruning Shears", "Seed Kit", "Planter", "Gloves"],
    "Books": ["Cookbook", "Garden Guide", "Novel", "Travel Atlas", "Poetry"],
    "Lighting": ["Desk Lamp", "Fairy Lights", "Lantern", "Floor Lamp"],
    "Textiles": ["Apron", "Tea Towel", "Cushion", "Throw Blanket", "Table Runner"],
}
SOURCE = "demo"


@dataclass
class DemoSummary:
    users: int
    items: int
    messages: int
    totals: Totals


def catalog() -> list[dict[str, Any]]:
    rows, n = [], 0
    for category, titles in CATEGORIES.items():
        for title in titles:
            n += 1
            rows.append({"item_id": f"demo-{n:03d}", "category": category,
                         "props": {"title": title, "price": round(4.5 + (n * 7.3) % 60, 2)}})
    return rows


def _product(item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"product_id": item["item_id"], "name": item["props"]["title"],
            "category": item["category"], "price": item["props"]["price"], **extra}


class _Visitor:
    """One visitor's messages, in time order."""

    def __init__(self, u: int, seed: int, start: datetime, now: datetime,
                 rng: random.Random) -> None:
        self.anon, self.user_id = f"demo-anon-{u:03d}", f"demo-user-{u:03d}"
        self.prefix = f"demo-{seed}-{u:03d}"
        self.t, self.now, self.rng = start, now, rng
        self.messages: list[dict[str, Any]] = []

    def send(self, kind: str, identified: bool, **body: Any) -> None:
        self.t += timedelta(minutes=self.rng.uniform(1, 90))
        base = {"type": kind, "messageId": f"{self.prefix}-{len(self.messages):03d}",
                "anonymousId": self.anon, "timestamp": min(self.t, self.now).isoformat()}
        self.messages.append({**base, **({"userId": self.user_id} if identified else {}),
                              **body})


def storefront_messages(users: int, seed: int, now: datetime) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    items = catalog()
    out: list[dict[str, Any]] = []
    for u in range(users):
        v = _Visitor(u, seed, now - timedelta(days=rng.uniform(1, 60)), now, rng)
        taste = rng.choice(list(CATEGORIES))
        roll = rng.random()
        prefs = ({"Analytics": True, "Personalization": True, "Marketing": rng.random() < .5}
                 if roll < .75 else {"Analytics": False} if roll < .85 else None)
        context = {"consent": {"categoryPreferences": prefs}} if prefs else {}
        v.send("page", False, name="Home", properties={"path": "/"}, context=context)
        liked = [i for i in items if i["category"] == taste] + rng.sample(items, 3)
        viewed = rng.sample(liked, k=min(len(liked), rng.randint(2, 6)))
        identified = rng.random() < .65
        if identified:
            v.send("identify", True, traits={
                "email": f"{v.user_id}@example.com", "name": f"Demo User {u}",
                "plan": rng.choice(["free", "plus", "pro"])})
        for item in viewed:
            v.send("track", identified, event="Product Viewed", properties=_product(item))
        cart = [i for i in viewed if rng.random() < .45]
        for item in cart:
            v.send("track", identified, event="Product Added",
                   properties=_product(item, quantity=1))
        if cart and identified and rng.random() < .7:
            products = [_product(i, quantity=rng.randint(1, 3)) for i in cart]
            v.send("track", True, event="Order Completed", properties={
                "order_id": f"demo-order-{u:03d}", "currency": "EUR", "products": products,
                "revenue": round(sum(p["price"] * p["quantity"] for p in products), 2)})
        out.extend(v.messages)
    return out


async def load_demo_data(intake: IntakeService, item_store: ItemRepository, *, users: int = 60,
                         seed: int = 7, now: datetime | None = None) -> DemoSummary:
    # A fixed reference time keeps ids and timestamps identical between runs of the same day.
    now = now or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    items = catalog()
    await item_store.upsert(items, now)
    raw = storefront_messages(users, seed, now)
    totals = Totals()
    for start in range(0, len(raw), 200):
        chunk = raw[start:start + 200]
        messages = [parse_message(m, i, now) for i, m in enumerate(chunk)]
        totals.add(await intake.ingest(messages, now, source=SOURCE))
    return DemoSummary(users, len(items), len(raw), totals)
