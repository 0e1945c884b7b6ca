"""A storefront's shoppers for bench/live.py, and ten segments covering every condition type.

Each shopper browses anonymously first (a device id); most then identify (userId + the
device id: the anonymous profile is renamed), some with a second device that gets merged;
some carry a legacy userId that is later aliased into the known one. They view products,
add to cart, order (one or two lines), and state consent (analytics, personalization,
marketing) through `context.consent.categoryPreferences`, as Segment's consent manager does.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

CATEGORIES = ["shoes", "shirts", "bags", "hats", "jackets", "socks"]


@dataclass
class Shopper:
    n: int
    device: str
    user_id: str | None = None  # set once identified
    legacy: str | None = None  # an old userId aliased into user_id
    second_device: str | None = None
    identified: bool = False
    carts: list[str] = field(default_factory=list)

    def who(self) -> dict[str, str]:
        if self.identified and self.user_id:
            return {"userId": self.user_id, "anonymousId": self.device}
        return {"anonymousId": self.device}


class Storefront:
    """Messages of a storefront's traffic; every call yields fresh messageIds."""

    def __init__(self, run: str, shoppers: int, items: int = 400, seed: int = 1) -> None:
        self.run = run
        self.rng = random.Random(seed)
        self.items = [f"{run}-sku{i}" for i in range(items)]
        self.item_category = {i: self.rng.choice(CATEGORIES) for i in self.items}
        self.item_price = {i: round(self.rng.uniform(5, 120), 2) for i in self.items}
        self.shoppers = [self._new(n) for n in range(shoppers)]

    def _new(self, n: int) -> Shopper:
        s = Shopper(n, f"{self.run}-d{n}")
        if self.rng.random() < 0.7:
            s.user_id = f"{self.run}-u{n}"
        if s.user_id and self.rng.random() < 0.15:
            s.legacy = f"{self.run}-legacy{n}"
        if s.user_id and self.rng.random() < 0.1:
            s.second_device = f"{self.run}-d{n}b"
        return s

    def _msg(self, kind: str, who: dict[str, str], ago_h: float, **fields: Any) -> dict:
        ts = datetime.now(UTC) - timedelta(hours=ago_h)
        return {"type": kind, "messageId": str(uuid.uuid4()), "timestamp": ts.isoformat(),
                **who, **fields}

    def _product(self, item: str) -> dict[str, Any]:
        return {"product_id": item, "category": self.item_category[item],
                "price": self.item_price[item]}

    def session(self, s: Shopper, recent: bool = False) -> list[dict]:
        """One visit: a few views, maybe a cart, maybe an order, maybe identify/alias."""
        rng = self.rng
        ago = rng.uniform(0, 2) if recent else rng.uniform(0, 24 * 40)
        who = s.who()
        out = [self._msg("page", who, ago, name="Home", properties={"path": "/"})]
        for _ in range(rng.randint(1, 5)):
            item = rng.choice(self.items)
            out.append(self._msg("track", who, ago, event="Product Viewed",
                                 properties=self._product(item)))
        if rng.random() < 0.35:
            item = rng.choice(self.items)
            s.carts.append(item)
            out.append(self._msg("track", who, ago, event="Product Added",
                                 properties=self._product(item)))
            if rng.random() < 0.5:
                lines = [self._product(i) | {"quantity": 1}
                         for i in {item, rng.choice(self.items)}]
                out.append(self._msg("track", who, max(ago - 0.5, 0), event="Order Completed",
                                     properties={"order_id": str(uuid.uuid4()),
                                                 "revenue": sum(x["price"] for x in lines),
                                                 "products": lines}))
        if s.user_id and not s.identified and rng.random() < 0.5:
            s.identified = True
            out.append(self._msg("identify", s.who(), ago, traits={
                "plan": rng.choice(["free", "free", "pro"]),
                "country": rng.choice(["FR", "DE", "US", "GB"])},
                context={"consent": {"categoryPreferences": {
                    "analytics": rng.random() < 0.95,
                    "personalization": rng.random() < 0.85,
                    "marketing": rng.random() < 0.5}}}))
        if s.identified and s.legacy and rng.random() < 0.3:
            out.append(self._msg("track", {"userId": s.legacy}, ago + 24 * 30,
                                 event="Order Completed", properties={
                                     "order_id": str(uuid.uuid4()), "revenue": 40.0,
                                     "products": [self._product(self.items[0]) | {
                                         "quantity": 1}]}))
            out.append(self._msg("alias", {"userId": s.user_id}, ago, previousId=s.legacy))
            s.legacy = None
        if s.identified and s.second_device and rng.random() < 0.3:
            out.append(self._msg("track", {"anonymousId": s.second_device}, ago,
                                 event="Product Viewed",
                                 properties=self._product(rng.choice(self.items))))
            out.append(self._msg("identify", {"userId": s.user_id,
                                              "anonymousId": s.second_device}, ago))
            s.second_device = None
        return out

    def backfill(self, sessions_per_shopper: int, batch: int) -> Iterator[list[dict]]:
        """History for every shopper, in batches (each shopper's sessions in order)."""
        pending: list[dict] = []
        for _ in range(sessions_per_shopper):
            for s in self.shoppers:
                pending += self.session(s)
                while len(pending) >= batch:
                    yield pending[:batch]
                    pending = pending[batch:]
        if pending:
            yield pending

    def live_batch(self, size: int) -> list[dict]:
        """Live traffic: recent sessions of random shoppers (new ones now and then)."""
        out: list[dict] = []
        while len(out) < size:
            if self.rng.random() < 0.02:
                self.shoppers.append(self._new(len(self.shoppers)))
            out += self.session(self.rng.choice(self.shoppers), recent=True)
        return out

    def known_ids(self) -> list[str]:
        return [s.user_id if s.identified and s.user_id else s.device for s in self.shoppers]


def segments(run: str) -> list[dict[str, Any]]:
    """Ten segments: trait, event (filters, window, counts, aggregate), sequence (conversion
    and abandonment), consent, segment reference, and, or, not."""
    def seg(id_: str, name: str, condition: dict) -> dict:
        return {"id": f"{run}-{id_}", "name": name, "condition": condition}

    return [
        seg("frequent-viewers", "Viewed 5+ products this month", {
            "type": "event", "event_type": "product_viewed", "within_days": 30, "min_count": 5}),
        seg("shoe-browsers", "Viewed shoes this week", {
            "type": "event", "event_type": "product_viewed", "within_days": 7,
            "filters": [{"field": "category", "op": "eq", "value": "shoes"}]}),
        seg("big-spenders", "Ordered for 150+ in 60 days", {
            "type": "event", "event_type": "order_completed", "within_days": 60,
            "aggregate": {"fn": "sum", "property": "p_revenue", "op": "gte", "value": 150}}),
        seg("pro-plan", "Pro plan", {
            "type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}),
        seg("viewed-then-bought", "Viewed then bought the same item within a day", {
            "type": "sequence", "first": {"event_type": "product_viewed"},
            "then": {"event_type": "order_completed"}, "within": {"days": 1},
            "same_item": True}),
        seg("cart-abandoners", "Added to cart, no order within an hour, this week", {
            "type": "sequence", "first": {"event_type": "product_added"},
            "then": {"event_type": "order_completed"}, "within": {"hours": 1},
            "same_item": True, "then_occurred": False, "first_within_days": 7}),
        seg("marketable", "Marketing consent", {"type": "consent", "purpose": "marketing"}),
        seg("marketable-pros", "Pro plan and reachable", {"type": "and", "conditions": [
            {"type": "segment", "segment_id": f"{run}-pro-plan"},
            {"type": "segment", "segment_id": f"{run}-marketable"}]}),
        seg("engaged", "Frequent viewer or two+ orders", {"type": "or", "conditions": [
            {"type": "segment", "segment_id": f"{run}-frequent-viewers"},
            {"type": "trait", "property": "order_count", "op": "gte", "value": 2}]}),
        seg("browsers-not-buyers", "Viewed this month, never ordered", {
            "type": "and", "conditions": [
                {"type": "event", "event_type": "product_viewed", "within_days": 30},
                {"type": "not", "condition": {"type": "trait", "property": "order_count",
                                              "op": "gte", "value": 1}}]}),
    ]
