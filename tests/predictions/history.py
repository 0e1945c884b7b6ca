"""A synthetic shop history in 2010 (long before the wall clock), with shoppers whose next
purchase is predictable from their past: regulars keep buying, lapsed buyers stopped,
browsers never buy."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd

from tests.segments.dataset import Dataset, Event, Item, Line, User

END = datetime(2010, 12, 9, 18, 0, tzinfo=UTC)  # the latest event: the anchor
START = END - timedelta(days=300)
ITEMS = [Item(f"sku-{n}", f"cat-{n % 3}", 10.0 + n) for n in range(6)]


def shop(n_users: int = 240, seed: int = 7, denied: int = 10, end: datetime = END,
         prefix: str = "") -> Dataset:
    """Ids start with `prefix`; the latest event is exactly `end` (300 days of history)."""
    rng = random.Random(seed)
    users, events = [], []
    start = end - (END - START)
    for n in range(n_users):
        kind = ("regular", "lapsed", "browser", "big")[n % 4]
        uid = f"{prefix}{kind}-{n}"
        consent = {"personalization": "denied" if n < denied else "granted"}
        users.append(User(uid, {}, consent))
        t = start + timedelta(days=rng.uniform(0, 60))
        stop = end if kind in ("regular", "big", "browser") else start + timedelta(
            days=rng.uniform(90, 180))
        gap = {"regular": 12, "big": 20, "lapsed": 15, "browser": 6}[kind]
        k = 0
        while t <= stop:
            item = rng.choice(ITEMS)
            typ = "product_viewed" if kind == "browser" else "order_completed"
            props = {"p_revenue": round(rng.uniform(200, 400), 2) if kind == "big"
                     else round(rng.uniform(10, 60), 2)} if typ == "order_completed" else {}
            events.append(Event(f"{uid}-e{k}", uid, typ, t, props, [Line(item.item_id)]))
            k += 1
            t += timedelta(days=rng.expovariate(1 / gap))
    # the anchor: the latest event is exactly `end`
    events.append(Event(f"{prefix}last", users[-1].user_id, "product_viewed", end, {},
                        [Line(ITEMS[0].item_id)]))
    return Dataset(users, ITEMS, events)


def as_frame(data: Dataset) -> pd.DataFrame:
    return pd.DataFrame({
        "user_id": [e.user_id for e in data.events],
        "ts": [e.ts for e in data.events],
        "type": [e.type for e in data.events],
        "revenue": [float(e.props.get("p_revenue", 0.0)) for e in data.events],
    })
