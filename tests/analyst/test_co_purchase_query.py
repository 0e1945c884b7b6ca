"""The saved query top_co_purchased_items (cypher/analytics/): item pairs by the customers
who ordered both, all time. It counts only the pairs of items that can reach the top (a
bound from the most bought items), so its answer must equal counting every pair of every
customer's items, which timed out on the Online Retail history."""

from __future__ import annotations

import random
from collections import Counter
from datetime import timedelta
from itertools import combinations

import pytest
from neo4j import AsyncDriver

from app.analyst.analyst_service import AnalystService, WorkerTarget
from app.core.config import Settings
from tests.segments.dataset import NOW, Dataset, Event, Item, Line, User, write_dataset

pytestmark = pytest.mark.neo4j


def _expected(baskets: dict[str, set[str]], limit: int) -> list[tuple[str, str, int]]:
    """Every pair of every customer's items, counted by customer: the query's meaning."""
    pairs = Counter(p for items in baskets.values() for p in combinations(sorted(items), 2))
    ranked = sorted(pairs.items(), key=lambda kv: (-kv[1], kv[0]))
    return [(a, b, n) for (a, b), n in ranked[:limit]]


async def _write(graph: AsyncDriver, orders: list[tuple[str, list[str]]],
                 views: list[tuple[str, str]] = ()) -> dict[str, set[str]]:
    items = sorted({sku for _, skus in orders for sku in skus} | {s for _, s in views})
    users = sorted({u for u, _ in orders} | {u for u, _ in views})
    events = [Event(f"o{n}", uid, "order_completed", NOW - timedelta(hours=n), {},
                    [Line(sku) for sku in skus]) for n, (uid, skus) in enumerate(orders)]
    events += [Event(f"v{n}", uid, "product_viewed", NOW - timedelta(hours=n), {},
                     [Line(sku)]) for n, (uid, sku) in enumerate(views)]
    await write_dataset(graph, Dataset([User(u) for u in users],
                                       [Item(i, "c", 1.0, title=f"title {i}") for i in items],
                                       events))
    baskets: dict[str, set[str]] = {}
    for uid, skus in orders:
        baskets.setdefault(uid, set()).update(skus)
    return baskets


async def _run(settings: Settings, **params: int) -> list[tuple[str, str, int]]:
    service = AnalystService(WorkerTarget.from_settings(settings), timeout_s=10,
                             row_cap=1000, workers=1)
    try:
        result = await service.run_saved("top_co_purchased_items", params)
    finally:
        service.close()
    rows = [dict(zip(result.columns, row, strict=True)) for row in result.rows]
    assert all(r["title_a"] == f"title {r['item_a']}" and r["title_b"] == f"title {r['item_b']}"
               for r in rows)
    return [(r["item_a"], r["item_b"], r["buyers"]) for r in rows]


async def test_a_pair_outside_the_most_bought_items_is_found(graph: AsyncDriver,
                                                             settings: Settings) -> None:
    """`a` and `b` are the most bought items but share one buyer; `c` and `d`, fewer
    buyers each, are always bought together (in separate orders for some customers: the
    pair is per customer, not per order). Views are not purchases."""
    orders = [(f"a{n}", ["a"]) for n in range(9)] + [(f"b{n}", ["b"]) for n in range(9)]
    orders += [("ab", ["a", "b"])]
    orders += [(f"cd{n}", ["c", "d"]) for n in range(4)] + [("c-then-d", ["c"]),
                                                              ("c-then-d", ["d"])]
    views = [(f"a{n}", "c") for n in range(9)]
    baskets = await _write(graph, orders, views)
    assert await _run(settings, limit=1, candidates=2) == [("c", "d", 5)]
    assert await _run(settings, limit=3, candidates=2) == _expected(baskets, 3) == [
        ("c", "d", 5), ("a", "b", 1)]
    assert await _run(settings, limit=0) == []


async def test_the_answer_is_every_pair_counted_by_customer(graph: AsyncDriver,
                                                            settings: Settings) -> None:
    """Random baskets (popular items more likely, ties everywhere): the same top rows, in
    the same order, whatever the number of candidate items."""
    rng = random.Random(7)
    skus = [f"sku-{k:02d}" for k in range(25)]
    weights = [1 / (k + 1) for k in range(len(skus))]
    orders = [(f"u{rng.randrange(60)}",
               sorted(set(rng.choices(skus, weights, k=rng.randint(1, 6)))))
              for _ in range(150)]
    baskets = await _write(graph, orders)
    for limit, candidates in [(20, 60), (10, 1), (10, 3), (25, 5), (5, 25), (400, 2)]:
        assert await _run(settings, limit=limit, candidates=candidates) == \
            _expected(baskets, limit), (limit, candidates)
