"""One example per condition type, window edges included, each checked against both the
compiled Cypher on Neo4j and the oracle."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from neo4j import AsyncDriver

from app.segments.compiler import compile_condition
from tests.segments.dataset import NOW, Dataset, Event, Item, Line, User, write_dataset
from tests.segments.oracle import Oracle
from tests.segments.strategies import parse

ITEMS = [Item("sku-1", "shoes", 50.0, brand="acme"), Item("sku-2", "hats", 5.0, brand="zed"),
         Item("sku-3", "shoes", 120.0, brand="zed")]


def _days(n: float) -> Any:
    return NOW - timedelta(days=n)


USERS = [
    User("ann", {"trait_plan": "pro", "trait_age": 34, "order_count": 3, "revenue_total": 180.0},
         {"marketing": "granted", "analytics": "granted"}),
    User("bob", {"trait_plan": "free", "trait_age": 19, "order_count": 1}, {"marketing": "denied"}),
    User("cat", {"trait_plan": 1, "trait_vip": True}),
    User("dan", {}),
]
EVENTS = [
    # ann: viewed sku-1, bought sku-1 two days later; three orders over time
    Event("a1", "ann", "product_viewed", _days(10), {}, [Line("sku-1")]),
    Event("a2", "ann", "order_completed", _days(8), {"p_revenue": 50}, [Line("sku-1")]),
    Event("a3", "ann", "order_completed", _days(30), {"p_revenue": 10}, [Line("sku-2")]),
    Event("a4", "ann", "order_completed", _days(40), {"p_revenue": 120}, [Line("sku-3")]),
    # bob: added sku-1 to the cart 3 days ago, bought sku-2 instead
    Event("b1", "bob", "product_added", _days(3), {}, [Line("sku-1")]),
    Event("b2", "bob", "order_completed", _days(2.5), {"p_revenue": 5, "p_source": "email"},
          [Line("sku-2")]),
    # cat: viewed sku-3 and bought it 9 days later; an event in the future is ignored
    Event("c1", "cat", "product_viewed", _days(12), {"p_source": "ads"}, [Line("sku-3")]),
    Event("c2", "cat", "order_completed", _days(3), {"p_revenue": 120}, [Line("sku-3")]),
    Event("c3", "cat", "order_completed", NOW + timedelta(hours=1), {"p_revenue": 999},
          [Line("sku-1")]),
    # dan: added sku-2 an hour ago; an order dated in the future does not count
    Event("d1", "dan", "product_added", NOW - timedelta(hours=1), {}, [Line("sku-2")]),
    Event("d2", "dan", "order_completed", NOW + timedelta(hours=2), {}, [Line("sku-2")]),
]
DATA = Dataset(USERS, ITEMS, EVENTS)

CASES: list[tuple[str, dict[str, Any], set[str]]] = [
    ("trait eq", {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"},
     {"ann"}),
    ("true is not 1", {"type": "trait", "property": "trait_plan", "op": "eq", "value": True},
     set()),
    ("int equals float", {"type": "trait", "property": "trait_plan", "op": "eq", "value": 1.0},
     {"cat"}),
    ("neq skips missing", {"type": "trait", "property": "trait_plan", "op": "neq",
                           "value": "pro"}, {"bob", "cat"}),
    ("gte", {"type": "trait", "property": "trait_age", "op": "gte", "value": 34}, {"ann"}),
    ("lt across kinds", {"type": "trait", "property": "trait_plan", "op": "lt", "value": 5},
     {"cat"}),
    ("in", {"type": "trait", "property": "trait_plan", "op": "in", "value": ["free", 1]},
     {"bob", "cat"}),
    ("contains", {"type": "trait", "property": "trait_plan", "op": "contains", "value": "re"},
     {"bob"}),
    ("exists", {"type": "trait", "property": "trait_vip", "op": "exists"}, {"cat"}),
    ("not exists", {"type": "trait", "property": "order_count", "op": "exists",
                    "value": False}, {"cat", "dan"}),
    ("computed trait", {"type": "trait", "property": "revenue_total", "op": "gt", "value": 100},
     {"ann"}),
    ("within_days includes its first instant",
     {"type": "event", "event_type": "order_completed", "within_days": 8}, {"ann", "bob", "cat"}),
    ("within_days excludes older",
     {"type": "event", "event_type": "product_viewed", "within_days": 9}, set()),
    ("between is start-inclusive, end-exclusive",
     {"type": "event", "event_type": "order_completed",
      "between": {"start": _days(30).isoformat(), "end": _days(8).isoformat()}}, {"ann"}),
    ("not occurred", {"type": "event", "event_type": "order_completed", "occurred": False},
     {"dan"}),
    ("min_count", {"type": "event", "event_type": "order_completed", "min_count": 3}, {"ann"}),
    ("max_count", {"type": "event", "event_type": "order_completed", "min_count": 0,
                   "max_count": 1}, {"bob", "cat", "dan"}),
    ("revenue >= 100 in 30 days",
     {"type": "event", "event_type": "order_completed", "within_days": 30,
      "aggregate": {"fn": "sum", "property": "p_revenue", "op": "gte", "value": 100}},
     {"cat"}),
    ("avg", {"type": "event", "event_type": "order_completed",
             "aggregate": {"fn": "avg", "property": "p_revenue", "op": "gt", "value": 50}},
     {"ann", "cat"}),
    ("item category filter", {"type": "event", "event_type": "order_completed", "filters": [
        {"field": "category", "op": "eq", "value": "hats"}]}, {"ann", "bob"}),
    ("item price and brand", {"type": "event", "event_type": "order_completed", "filters": [
        {"field": "price", "op": "gt", "value": 100}, {"field": "brand", "op": "eq",
                                                       "value": "zed"}]}, {"ann", "cat"}),
    ("event property filter", {"type": "event", "event_type": "order_completed", "filters": [
        {"field": "p_source", "op": "eq", "value": "email"}]}, {"bob"}),
    ("viewed X and purchased X within 7 days",
     {"type": "sequence", "first": {"event_type": "product_viewed"},
      "then": {"event_type": "order_completed"}, "within": {"days": 7}, "same_item": True},
     {"ann"}),
    ("added X then bought X within a day",
     {"type": "sequence", "first": {"event_type": "product_added"},
      "then": {"event_type": "order_completed"}, "within": {"days": 1}, "same_item": True},
     set()),
    ("added then bought anything within a day",
     {"type": "sequence", "first": {"event_type": "product_added"},
      "then": {"event_type": "order_completed"}, "within": {"days": 1}}, {"bob"}),
    ("viewed then purchased within 10 days, any item",
     {"type": "sequence", "first": {"event_type": "product_viewed"},
      "then": {"event_type": "order_completed"}, "within": {"days": 10}}, {"ann", "cat"}),
    ("cart abandonment (same item, window passed)",
     {"type": "sequence", "first": {"event_type": "product_added"},
      "then": {"event_type": "order_completed"}, "within": {"days": 1}, "same_item": True,
      "then_occurred": False}, {"bob"}),
    ("added and no order at all within a day",
     {"type": "sequence", "first": {"event_type": "product_added"},
      "then": {"event_type": "order_completed"}, "within": {"days": 1},
      "then_occurred": False}, set()),
    ("a short abandonment window that has passed",
     {"type": "sequence", "first": {"event_type": "product_added", "filters": [
         {"field": "item_id", "op": "eq", "value": "sku-2"}]},
      "then": {"event_type": "order_completed"}, "within": {"minutes": 30},
      "then_occurred": False}, {"dan"}),
    ("first step lookback",
     {"type": "sequence", "first": {"event_type": "product_viewed"},
      "then": {"event_type": "order_completed"}, "within": {"days": 10},
      "first_within_days": 11}, {"ann"}),
    ("consent granted", {"type": "consent", "purpose": "marketing"}, {"ann"}),
    ("consent not granted", {"type": "consent", "purpose": "marketing", "granted": False},
     {"bob", "cat", "dan"}),
    ("and / or / not",
     {"type": "or", "conditions": [
         {"type": "and", "conditions": [
             {"type": "trait", "property": "trait_plan", "op": "eq", "value": "free"},
             {"type": "event", "event_type": "order_completed"}]},
         {"type": "not", "condition": {"type": "event", "event_type": "order_completed"}}]},
     {"bob", "dan"}),
]


@pytest.mark.parametrize(("name", "condition", "expected"), CASES, ids=[c[0] for c in CASES])
async def test_condition_examples(graph: AsyncDriver, name: str, condition: dict[str, Any],
                                  expected: set[str]) -> None:
    await write_dataset(graph, DATA)
    parsed = parse(condition)
    assert Oracle(DATA, NOW).members(parsed) == expected, "oracle"
    compiled = compile_condition(parsed)
    records, _, _ = await graph.execute_query(compiled.cypher, compiled.parameters(NOW))
    assert {r["user_id"] for r in records} == expected, "cypher"


async def test_windowed_conditions_start_from_the_event_index(graph: AsyncDriver) -> None:
    compiled = compile_condition(parse(
        {"type": "and", "conditions": [
            {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"},
            {"type": "event", "event_type": "order_completed", "within_days": 30}]}))
    result = await graph.execute_query("EXPLAIN " + compiled.cypher, compiled.parameters(NOW))
    plan = result.summary.plan["args"]["string-representation"]
    assert "NodeIndexSeek" in plan and "Event(type, ts)" in plan
    assert "AllNodesScan" not in plan and "NodeByLabelScan" not in plan


def test_compiled_text_holds_no_values() -> None:
    compiled = compile_condition(parse(
        {"type": "event", "event_type": "order_completed",
         "filters": [{"field": "p_coupon", "op": "eq", "value": "x' OR 1=1 //"}]}))
    assert "order_completed" not in compiled.cypher and "p_coupon" not in compiled.cypher
    assert "OR 1=1" not in compiled.cypher
    assert set(compiled.params.values()) >= {"order_completed", "p_coupon", "x' OR 1=1 //"}
