"""A generated storefront for demos, big enough for recommendations and segments to mean
something: a catalog in categories and style collections, shoppers with a taste (a category
and a style) who browse anonymously, log in, come back in later sessions, add to cart and
order, buying items that go together. A consent mix and a few example segments.
Deterministic for a given seed, so loading twice stores nothing new."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from app.catalog.item_repository import ItemRepository
from app.importers.demo_segments import create_demo_segments
from app.importers.pipeline import Totals
from app.intake.intake_service import IntakeService
from app.intake.messages import parse_message
from app.segments.segment_service import SegmentService

CATEGORIES = {
    "Kitchen": ["Mug", "Teapot", "Kettle", "Cutting Board", "Chef Knife", "Spice Rack"],
    "Garden": ["Watering Can", "Pruning Shears", "Seed Kit", "Planter", "Gloves", "Bird Feeder"],
    "Books": ["Cookbook", "Garden Guide", "Novel", "Travel Atlas", "Poetry", "Sketchbook"],
    "Lighting": ["Desk Lamp", "Fairy Lights", "Lantern", "Floor Lamp", "Candle Holder",
                 "Pendant Shade"],
    "Textiles": ["Apron", "Tea Towel", "Cushion", "Throw Blanket", "Table Runner", "Napkins"],
    "Tableware": ["Dinner Plate", "Bowl", "Serving Platter", "Wine Glass", "Carafe",
                  "Salad Servers"],
    "Bath": ["Towel Set", "Soap Dish", "Bath Mat", "Candle", "Toothbrush Cup", "Robe"],
    "Outdoor": ["Picnic Blanket", "Cool Bag", "Camping Mug", "Hammock", "Lantern Torch",
                "Folding Chair"],
}
STYLES = ["Nordic", "Rustic", "Coastal", "Botanical", "Midnight"]
# Categories bought together: a kitchen shopper also looks at tableware and textiles.
AFFINITY = {"Kitchen": ["Tableware", "Textiles", "Books"], "Garden": ["Outdoor", "Books"],
            "Books": ["Kitchen", "Garden"], "Lighting": ["Textiles", "Bath"],
            "Textiles": ["Kitchen", "Bath", "Lighting"], "Tableware": ["Kitchen", "Textiles"],
            "Bath": ["Textiles", "Lighting"], "Outdoor": ["Garden", "Kitchen"]}
SOURCE = "demo"
DEFAULT_USERS = 2000


@dataclass
class DemoSummary:
    users: int
    items: int
    messages: int
    totals: Totals
    segments: list[str]
    seconds: float


def catalog() -> list[dict[str, Any]]:
    rows, n = [], 0
    for category, nouns in CATEGORIES.items():
        for noun in nouns:
            for style in STYLES:
                n += 1
                rows.append({"item_id": f"demo-{n:03d}", "category": category,
                             "props": {"title": f"{style} {noun}", "style": style,
                                       "price": round(4.5 + (n * 7.3) % 60, 2)}})
    return rows


def _product(item: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"product_id": item["item_id"], "name": item["props"]["title"],
            "category": item["category"], "price": item["props"]["price"], **extra}


class _Shopper:
    """One shopper's messages, in time order."""

    def __init__(self, u: int, seed: int, now: datetime, rng: random.Random) -> None:
        self.anon, self.user_id = f"demo-anon-{u:04d}", f"demo-user-{u:04d}"
        self.prefix = f"demo-{seed}-{u:04d}"
        self.now, self.rng = now, rng
        self.t = now - timedelta(days=rng.uniform(1, 60))
        self.identified = False
        self.messages: list[dict[str, Any]] = []

    def send(self, kind: str, **body: Any) -> None:
        self.t += timedelta(minutes=self.rng.uniform(0.5, 6))
        base = {"type": kind, "messageId": f"{self.prefix}-{len(self.messages):03d}",
                "anonymousId": self.anon, "timestamp": min(self.t, self.now).isoformat()}
        self.messages.append({**base, **({"userId": self.user_id} if self.identified else {}),
                              **body})


def _consent(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    if roll < .75:
        prefs = {"Analytics": True, "Personalization": True, "Marketing": rng.random() < .5}
    elif roll < .85:
        prefs = {"Analytics": True, "Personalization": False, "Marketing": False}
    elif roll < .90:
        prefs = {"Analytics": False}
    else:
        return {}  # never stated: the service's default applies
    return {"consent": {"categoryPreferences": prefs}}


def _picks(rng: random.Random, items: list[dict[str, Any]], category: str, style: str,
           n: int) -> list[dict[str, Any]]:
    """Mostly the shopper's category and style, some affine categories, a little noise."""
    def pool(roll: float) -> list[dict[str, Any]]:
        if roll < .55:
            return [i for i in items if i["category"] == category]
        if roll < .85:
            near = rng.choice(AFFINITY[category])
            return [i for i in items if i["category"] == near]
        return items
    chosen = []
    for _ in range(n):
        candidates = pool(rng.random())
        styled = [i for i in candidates if i["props"]["style"] == style]
        chosen.append(rng.choice(styled if styled and rng.random() < .7 else candidates))
    return chosen


def storefront_messages(users: int, seed: int, now: datetime) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    items = catalog()
    out: list[dict[str, Any]] = []
    for u in range(users):
        s = _Shopper(u, seed, now, rng)
        category, style = rng.choice(list(CATEGORIES)), rng.choice(STYLES)
        s.send("page", name="Home", properties={"path": "/"}, context=_consent(rng))
        will_login = rng.random() < .7
        for session in range(rng.choice([1, 1, 2, 2, 3, 4])):
            if session:
                s.t += timedelta(days=rng.uniform(0.5, 10))
            viewed = _picks(rng, items, category, style, rng.randint(2, 7))
            for item in viewed:
                s.send("track", event="Product Viewed", properties=_product(item))
            if will_login and not s.identified and (session or rng.random() < .5):
                s.identified = True  # anonymous browsing, then login: one profile
                s.send("identify", traits={"email": f"{s.user_id}@example.com",
                                           "name": f"Demo Shopper {u}",
                                           "plan": rng.choice(["free", "plus", "pro"])})
            cart = [i for i in dict.fromkeys(x["item_id"] for x in viewed) if rng.random() < .4]
            cart_items = [i for i in items if i["item_id"] in cart]
            for item in cart_items:
                s.send("track", event="Product Added", properties=_product(item, quantity=1))
            if cart_items and s.identified and rng.random() < .65:
                products = [_product(i, quantity=rng.randint(1, 3)) for i in cart_items]
                s.send("track", event="Order Completed", properties={
                    "order_id": f"demo-order-{u:04d}-{session}", "currency": "EUR",
                    "products": products,
                    "revenue": round(sum(p["price"] * p["quantity"] for p in products), 2)})
        out.extend(s.messages)
    out.sort(key=lambda m: m["timestamp"])  # a storefront sends in time order
    return out


async def load_demo_data(intake: IntakeService, item_store: ItemRepository,
                         segments: SegmentService | None = None, *,
                         users: int = DEFAULT_USERS, seed: int = 7,
                         now: datetime | None = None) -> DemoSummary:
    """Catalog, then every shopper's messages through the intake service (the path
    /v1/batch takes), then the example segments when `segments` is given."""
    started = time.perf_counter()
    # A fixed reference time keeps ids and timestamps identical between runs of the same day.
    now = now or datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    items = catalog()
    await item_store.upsert(items, now)
    raw = storefront_messages(users, seed, now)
    totals = Totals()
    for start in range(0, len(raw), 500):
        chunk = raw[start:start + 500]
        messages = [parse_message(m, i, now) for i, m in enumerate(chunk)]
        totals.add(await intake.ingest(messages, now, source=SOURCE))
    created = await create_demo_segments(segments) if segments is not None else []
    return DemoSummary(users, len(items), len(raw), totals, created,
                       time.perf_counter() - started)
