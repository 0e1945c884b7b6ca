"""Hypothesis strategies: small random storefront logs and random segment definitions.

Domains are deliberately tiny (a handful of users, items, types, a one-day time grid) so
random conditions hit both members and non-members and window edges land exactly on events.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from hypothesis import strategies as st

from app.segments.definition import Condition, SegmentDefinition
from tests.segments.dataset import NOW, Dataset, Event, Item, Line, User

EVENT_TYPES = ["product_viewed", "product_added", "order_completed", "checkout_started"]
CATEGORIES = ["shoes", "shirts", "hats"]
ITEMS = [Item("sku-1", "shoes", 50.0), Item("sku-2", "shoes", 20.5),
         Item("sku-3", "shirts", 10.0), Item("sku-4", "hats", 5.0, brand="zed"),
         Item("sku-5", "shirts", 50.0, brand="zed")]
BASE_SEGMENTS = ["base-a", "base-b"]
PLAN_VALUES: list[Any] = ["free", "pro", "enterprise", 1, True]
TRAITS = ["trait_plan", "trait_age", "trait_vip", "order_count", "revenue_total", "rfm_r"]
EVENT_PROPS = ["p_revenue", "p_source"]

_hours_ago = st.integers(min_value=0, max_value=12).map(lambda n: NOW - timedelta(days=n))
_trait_value = {
    "trait_plan": st.sampled_from(PLAN_VALUES),
    "trait_age": st.integers(min_value=18, max_value=70),
    "trait_vip": st.booleans(),
    "order_count": st.integers(min_value=0, max_value=5),
    "revenue_total": st.sampled_from([0, 10.5, 99.5, 100, 250]),
    "rfm_r": st.integers(min_value=1, max_value=5),
}


@st.composite
def datasets(draw: st.DrawFn) -> Dataset:
    n_users = draw(st.integers(min_value=2, max_value=8))
    users = []
    for n in range(n_users):
        keys = draw(st.lists(st.sampled_from(TRAITS), unique=True))
        props = {k: draw(_trait_value[k]) for k in keys}
        consents = draw(st.dictionaries(st.sampled_from(["analytics", "marketing"]),
                                        st.sampled_from(["granted", "denied"])))
        users.append(User(f"u{n}", props, consents))
    events = []
    for n in range(draw(st.integers(min_value=4, max_value=40))):
        etype = draw(st.sampled_from(EVENT_TYPES))
        props: dict[str, Any] = {}
        if draw(st.booleans()):
            props["p_revenue"] = draw(st.sampled_from([0, 5, 20.5, 50, 100, "n/a"]))
        if draw(st.booleans()):
            props["p_source"] = draw(st.sampled_from(["email", "ads", "direct"]))
        lines = [Line(i) for i in draw(st.lists(st.sampled_from([i.item_id for i in ITEMS]),
                                                max_size=2))]
        # many events share a day: their order is their position (`seq`), as in one batch
        events.append(Event(f"e{n}", f"u{draw(st.integers(0, n_users - 1))}", etype,
                            draw(_hours_ago), props, lines, seq=n))
    return Dataset(users, list(ITEMS), events)


def _comparison(draw: st.DrawFn, values: st.SearchStrategy) -> dict[str, Any]:
    op = draw(st.sampled_from(["eq", "neq", "gt", "gte", "lt", "lte", "in", "contains",
                               "exists"]))
    if op == "exists":
        return {"op": op, "value": draw(st.sampled_from([True, False]))}
    if op == "in":
        return {"op": op, "value": draw(st.lists(values, min_size=1, max_size=3))}
    if op == "contains":
        return {"op": op, "value": draw(st.sampled_from(["e", "pro", "ho", "sku-"]))}
    value = draw(values)
    if op in ("gt", "gte", "lt", "lte") and isinstance(value, bool):
        value = 1
    return {"op": op, "value": value}


_scalar = st.sampled_from(["free", "pro", "shoes", "email", "sku-1", 1, 5, 20.5, 50, 100, True])


@st.composite
def filters(draw: st.DrawFn, most: int = 2) -> list[dict[str, Any]]:
    fields = ["item_id", "category", "price", "brand", *EVENT_PROPS]
    return [{"field": draw(st.sampled_from(fields)), **_comparison(draw, _scalar)}
            for _ in range(draw(st.integers(min_value=0, max_value=most)))]


@st.composite
def leaf_of(draw: st.DrawFn, kind: str) -> dict[str, Any]:
    if kind == "trait":
        return {"type": "trait", "property": draw(st.sampled_from(TRAITS)),
                **_comparison(draw, _scalar)}
    if kind == "consent":
        return {"type": "consent", "purpose": draw(st.sampled_from(["analytics", "marketing"])),
                "granted": draw(st.booleans())}
    if kind == "segment":
        return {"type": "segment", "segment_id": draw(st.sampled_from(BASE_SEGMENTS)),
                "member": draw(st.booleans())}
    if kind == "sequence":
        seq = {"type": "sequence",
               "first": {"event_type": draw(st.sampled_from(EVENT_TYPES)),
                         "filters": draw(filters(most=1))},
               "then": {"event_type": draw(st.sampled_from(EVENT_TYPES)),
                        "filters": draw(filters(most=1))},
               "within": {"days": draw(st.integers(min_value=1, max_value=4))},
               "same_item": draw(st.booleans()), "then_occurred": draw(st.booleans())}
        if draw(st.booleans()):
            seq["first_within_days"] = draw(st.integers(min_value=1, max_value=12))
        return seq
    cond: dict[str, Any] = {"type": "event", "event_type": draw(st.sampled_from(EVENT_TYPES)),
                            "filters": draw(filters())}
    window = draw(st.sampled_from(["none", "within", "between"]))
    if window == "within":
        cond["within_days"] = draw(st.integers(min_value=1, max_value=12))
    elif window == "between":
        start = draw(_hours_ago)
        cond["between"] = {"start": (start - timedelta(days=3)).isoformat(),
                           "end": start.isoformat()}
    if not draw(st.booleans()):
        cond["occurred"] = False
        return cond
    if draw(st.booleans()):
        cond["min_count"] = draw(st.integers(min_value=0, max_value=3))
    if draw(st.booleans()):
        cond["max_count"] = draw(st.integers(min_value=cond.get("min_count", 1), max_value=4))
    if draw(st.booleans()):
        cond["aggregate"] = {"fn": draw(st.sampled_from(["sum", "avg"])), "property": "p_revenue",
                             "op": draw(st.sampled_from(["gte", "lt", "eq"])),
                             "value": draw(st.sampled_from([0, 20.5, 50, 100]))}
    return cond


def leaf(with_segments: bool) -> st.SearchStrategy[dict[str, Any]]:
    # one_of over kinds (rather than drawing a kind name) keeps every kind equally likely
    kinds = ["event", "sequence", "trait", "event", "sequence", "consent"]
    kinds += ["segment"] if with_segments else []
    return st.one_of(*(leaf_of(k) for k in kinds))


def conditions(with_segments: bool = False) -> st.SearchStrategy[dict[str, Any]]:
    def extend(inner: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
        return st.one_of(
            st.builds(lambda cs: {"type": "and", "conditions": cs},
                      st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda cs: {"type": "or", "conditions": cs},
                      st.lists(inner, min_size=1, max_size=3)),
            st.builds(lambda c: {"type": "not", "condition": c}, inner),
        )

    return st.recursive(leaf(with_segments), extend, max_leaves=5)


def parse(cond: dict[str, Any], segment_id: str = "generated") -> Condition:
    return SegmentDefinition.model_validate(
        {"id": segment_id, "name": segment_id, "condition": cond}).condition
