"""A segment definition read out in plain words (pure logic)."""

from __future__ import annotations

from app.console.audience_words import Line, audience


def _read(line: Line, depth: int = 0) -> list[str]:
    return ["  " * depth + line.text] + [t for c in line.children for t in _read(c, depth + 1)]


def test_an_event_with_a_filter_a_count_and_a_window() -> None:
    doc = {"condition": {"type": "event", "event_type": "product_viewed", "min_count": 3,
                         "within_days": 60,
                         "filters": [{"field": "category", "op": "eq", "value": "Kitchen"}]}}
    assert _read(audience(doc)) == [
        "Shoppers who viewed a product whose category is Kitchen at least 3 times "
        "in the last 60 days"]


def test_sequences_with_step_filters_and_cart_abandonment() -> None:
    kitchen_then_buy = {"type": "sequence", "within": {"days": 7},
                        "first": {"event_type": "product_viewed", "filters": [
                            {"field": "category", "op": "eq", "value": "Kitchen"}]},
                        "then": {"event_type": "order_completed"}}
    assert audience({"condition": kitchen_then_buy}).text == (
        "Shoppers who viewed a product whose category is Kitchen, then completed an order "
        "within 7 days")
    abandoned = {"type": "sequence", "first": {"event_type": "product_added"},
                 "then": {"event_type": "order_completed"}, "within": {"days": 1},
                 "then_occurred": False, "same_item": True}
    assert audience({"condition": abandoned}).text == (
        "Shoppers who added a product to the cart and did not complete an order "
        "(the same item) within 1 day")


def test_groups_negations_traits_consent_and_segments() -> None:
    doc = {"condition": {"type": "and", "conditions": [
        {"type": "trait", "property": "trait_plan", "op": "in", "value": ["pro", "team"]},
        {"type": "not", "condition": {"type": "event", "event_type": "order_completed",
                                      "within_days": 30}},
        {"type": "consent", "purpose": "marketing"},
        {"type": "event", "event_type": "order_completed", "aggregate": {
            "fn": "sum", "property": "p_revenue", "op": "gte", "value": 100}},
        {"type": "not", "condition": {"type": "segment", "segment_id": "vip"}},
        {"type": "event", "event_type": "order_completed", "occurred": False},
        {"type": "not", "condition": {"type": "or", "conditions": [
            {"type": "trait", "property": "order_count", "op": "gte", "value": 2},
            {"type": "trait", "property": "trait_country", "op": "eq", "value": "NO"}]}},
    ]}}
    assert _read(audience(doc)) == [
        "Shoppers who match all of these:",
        "  whose plan is one of pro, team",
        "  who did not complete an order in the last 30 days",
        "  who granted marketing consent",
        "  who completed an order, with a total revenue of at least 100",
        "  who are not in segment vip",
        "  who never completed an order",
        # not (a or b): neither
        "  who match all of these:",
        "    whose number of orders is less than 2",
        "    whose country is not NO",
    ]
