"""Which conditions the membership drain may skip for current members (app/segments/monotone.py):
only those new events can turn true and never false."""

from __future__ import annotations

from typing import Any

import pytest

from app.segments.compiler import compile_condition
from app.segments.definition import SegmentDefinition
from app.segments.monotone import monotone

VIEW = {"type": "event", "event_type": "product_viewed"}
SEQ = {"type": "sequence", "first": {"event_type": "product_viewed"},
       "then": {"event_type": "order_completed"}, "within": {"days": 1}}
BETWEEN = {"start": "2026-01-01T00:00:00Z", "end": "2026-02-01T00:00:00Z"}


def _cond(c: dict[str, Any]) -> Any:
    return SegmentDefinition.model_validate({"id": "s", "name": "s", "condition": c}).condition


@pytest.mark.parametrize("cond", [
    VIEW,
    {**VIEW, "min_count": 3},
    {**VIEW, "between": BETWEEN},
    {**VIEW, "filters": [{"field": "p_price", "op": "gte", "value": 10}]},
    SEQ,
    {**SEQ, "same_item": True},
    {"type": "and", "conditions": [VIEW, SEQ]},
    {"type": "or", "conditions": [VIEW, {**SEQ, "same_item": True}]},
])
def test_monotone_conditions(cond: dict[str, Any]) -> None:
    assert monotone(_cond(cond))


@pytest.mark.parametrize("cond", [
    {**VIEW, "within_days": 30},  # events age out of the window
    {**VIEW, "max_count": 3},
    {**VIEW, "occurred": False},
    {**VIEW, "aggregate": {"fn": "sum", "property": "p_revenue", "op": "gte", "value": 1}},
    {**VIEW, "filters": [{"field": "category", "op": "eq", "value": "shoes"}]},  # the catalog
    {**SEQ, "then_occurred": False},
    {**SEQ, "first_within_days": 7},
    {**SEQ, "then": {"event_type": "order_completed",
                     "filters": [{"field": "category", "op": "eq", "value": "shoes"}]}},
    {"type": "trait", "property": "order_count", "op": "gte", "value": 2},
    {"type": "consent", "purpose": "marketing"},
    {"type": "segment", "segment_id": "other"},
    {"type": "not", "condition": {"type": "trait", "property": "trait_plan", "op": "eq",
                                  "value": "pro"}},
    {"type": "and", "conditions": [VIEW, {"type": "consent", "purpose": "marketing"}]},
    {"type": "or", "conditions": [VIEW, {**VIEW, "within_days": 7}]},
])
def test_not_monotone_conditions(cond: dict[str, Any]) -> None:
    assert not monotone(_cond(cond))


@pytest.mark.parametrize("cond", [
    {**SEQ, "same_item": True},  # the live benchmark's viewed-then-bought
    {**SEQ, "same_item": True, "then_occurred": False, "first_within_days": 7},  # abandoners
    {**VIEW, "within_days": 30, "min_count": 5},
    {"type": "and", "conditions": [{"type": "segment", "segment_id": "a"},
                                   {"type": "consent", "purpose": "marketing"}]},
])
def test_compiled_flag_is_the_monotone_verdict(cond: dict[str, Any]) -> None:
    assert compile_condition(_cond(cond)).monotone == monotone(_cond(cond))
    assert compile_condition(_cond(cond)).monotone is (cond == {**SEQ, "same_item": True})
