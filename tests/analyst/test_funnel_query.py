"""The saved funnel query (cypher/analytics/funnel_view_cart_purchase.cypher): its window ends
at the newest event stored (imported histories are old), and its cost follows the events in
that window, not the viewers' whole histories (it timed out on a 12k-profile store)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from neo4j import AsyncDriver

from app.analyst.analyst_service import AnalystService, WorkerTarget, load_saved
from app.core.config import Settings
from tests.segments.dataset import Dataset, Event, Item, Line, User, write_dataset

pytestmark = pytest.mark.neo4j

NEWEST = datetime(2010, 12, 9, 12, 0, tzinfo=UTC)  # an Online Retail-like date, not today
USERS = 30
HISTORY = 150  # old events per shopper, outside the window


def _store() -> tuple[Dataset, list[Event]]:
    day = timedelta(days=1)
    window: list[Event] = []
    history: list[Event] = []
    for n in range(USERS):
        uid = f"u{n}"
        def event(kind: str, at: datetime, tag: str, uid: str = uid) -> Event:
            return Event(f"{uid}-{tag}", uid, kind, at, {}, [Line("sku-1")])
        window.append(event("product_viewed", NEWEST - 5 * day, "view"))
        if n < 20:
            window.append(event("product_added", NEWEST - 4 * day, "add"))
        elif n < 25:  # added before viewing: not a funnel step
            window.append(event("product_added", NEWEST - 6 * day, "add"))
        if n < 10:
            window.append(event("order_completed", NEWEST - 3 * day, "order"))
        elif n < 15:  # ordered before adding: not a purchase of this funnel
            window.append(event("order_completed", NEWEST - 4.5 * day, "order"))
        history += [event("product_viewed", NEWEST - (200 + k) * day, f"old{k}")
                    for k in range(HISTORY)]
    window.append(Event("last", "u0", "page", NEWEST, {}, []))
    users = [User(f"u{n}") for n in range(USERS)]
    return Dataset(users, [Item("sku-1", "kitchen", 9.0)], window + history), window


def _db_hits(plan: dict[str, Any]) -> int:
    return plan.get("dbHits", 0) + sum(_db_hits(c) for c in plan.get("children", []))


async def test_funnel_counts_the_window_before_the_newest_event(graph: AsyncDriver,
                                                                settings: Settings) -> None:
    data, _ = _store()
    await write_dataset(graph, data)
    service = AnalystService(WorkerTarget.from_settings(settings), timeout_s=10, row_cap=10,
                             workers=1)
    try:
        result = await service.run_saved("funnel_view_cart_purchase")  # default: 30 days
    finally:
        service.close()
    row = dict(zip(result.columns, result.rows[0], strict=True))
    assert (row["viewed"], row["added"], row["purchased"]) == (USERS, 20, 10)
    assert (row["view_to_cart"], row["cart_to_purchase"]) == (round(20 / 30, 4), 0.5)


async def test_funnel_cost_follows_the_window_not_the_histories(graph: AsyncDriver) -> None:
    data, window = _store()
    await write_dataset(graph, data)
    query = load_saved()["funnel_view_cart_purchase"].text
    result = await graph.execute_query("PROFILE " + query, days=30)
    assert result.records[0]["viewed"] == USERS
    hits = _db_hits(result.summary.profile)
    # a few reads per event in the window; reading every viewer's history once would be
    # USERS * HISTORY = 4,500 events (the old statement read them twice, ~25,000 hits)
    assert hits < 12 * len(window), hits
