"""An audience in plain words: a segment definition read out as the sentences a marketer
would say ("viewed a product whose category is Kitchen at least 3 times in the last 60
days"). Works on the definition as JSON (stored or a valid draft); groups become nested
lists, each line one condition."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# event type -> (what they did, the same after "did not")
DEEDS = {
    "product_viewed": ("viewed a product", "view a product"),
    "product_clicked": ("clicked a product", "click a product"),
    "product_added": ("added a product to the cart", "add a product to the cart"),
    "product_removed": ("removed a product from the cart", "remove a product from the cart"),
    "product_added_to_wishlist": ("added a product to a wishlist",
                                  "add a product to a wishlist"),
    "product_removed_from_wishlist": ("removed a product from a wishlist",
                                      "remove a product from a wishlist"),
    "product_shared": ("shared a product", "share a product"),
    "product_reviewed": ("reviewed a product", "review a product"),
    "order_completed": ("completed an order", "complete an order"),
    "order_refunded": ("had an order refunded", "have an order refunded"),
    "checkout_started": ("started a checkout", "start a checkout"),
    "page": ("viewed a page", "view a page"),
    "screen": ("viewed a screen", "view a screen"),
}
OPS = {"eq": "is", "neq": "is not", "gt": "is more than", "gte": "is at least",
       "lt": "is less than", "lte": "is at most", "in": "is one of", "contains": "contains",
       "exists": "is set"}
NEGATED_OPS = {"eq": "is not", "neq": "is", "gt": "is at most", "gte": "is less than",
               "lt": "is at least", "lte": "is more than", "in": "is not one of",
               "contains": "does not contain", "exists": "is not set"}
AGG_OPS = {"eq": "of", "neq": "other than", "gt": "over", "gte": "of at least", "lt": "under",
           "lte": "of at most"}
TRAITS = {"event_count": "number of events", "order_count": "number of orders",
          "revenue_total": "total revenue", "rfm_r": "RFM recency score",
          "rfm_f": "RFM frequency score", "rfm_m": "RFM monetary score",
          "rfm_recency_days": "days since the last order",
          "engagement_score": "engagement score"}
ITEM_FIELDS = {"item_id": "item id", "category": "category", "price": "price",
               "brand": "brand", "title": "title"}


@dataclass
class Line:
    text: str
    children: list[Line] = field(default_factory=list)


def _value(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_value(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _test(name: str, cond: dict[str, Any], negated: bool = False) -> str:
    op = cond.get("op", "eq")
    words = (NEGATED_OPS if negated else OPS).get(op, op)
    return f"{name} {words}" if op == "exists" else f"{name} {words} {_value(cond.get('value'))}"


def _trait_name(prop: str) -> str:
    if prop.startswith("trait_"):
        return prop.removeprefix("trait_").replace("_", " ")
    if prop.startswith("count_"):
        return f"number of {prop.removeprefix('count_').replace('_', ' ')} events"
    return TRAITS.get(prop, prop)


def _field_name(name: str) -> str:
    return ITEM_FIELDS.get(name) or name.removeprefix("p_").replace("_", " ")


def _whose(filters: list[dict[str, Any]]) -> str:
    if not filters:
        return ""
    return " whose " + " and ".join(_test(_field_name(f.get("field", "")), f)
                                    for f in filters)


def _deed(event_type: str) -> tuple[str, str]:
    return DEEDS.get(event_type, (f"had a '{event_type}' event", f"have a '{event_type}' event"))


def _times(cond: dict[str, Any]) -> str:
    low, high = cond.get("min_count"), cond.get("max_count")
    if low is not None and high is not None:
        return f" between {low} and {high} times"
    if low is not None and low != 1:
        return f" at least {low} time{'s' if low != 1 else ''}"
    if high is not None:
        return f" at most {high} time{'s' if high != 1 else ''}"
    return ""


def _when(cond: dict[str, Any]) -> str:
    if (days := cond.get("within_days")) is not None:
        return " in the last day" if days == 1 else f" in the last {days} days"
    if between := cond.get("between"):
        return f" between {between.get('start')} and {between.get('end')}"
    return ""


def _event(cond: dict[str, Any], negated: bool) -> str:
    done, do = _deed(cond.get("event_type", ""))
    what = _whose(cond.get("filters", []))
    occurred = cond.get("occurred", True)
    if occurred == negated:  # "did not" (occurred: false, or a negated "did")
        times = _times(cond) if occurred else ""
        if not times and not _when(cond):
            return f"never {done}{what}"
        return f"did not {do}{what}{times}{_when(cond)}"
    text = f"{done}{what}{_times(cond)}{_when(cond)}"
    if agg := cond.get("aggregate"):
        how = "total" if agg.get("fn") == "sum" else "average"
        text += (f", with {'a' if how == 'total' else 'an'} {how} "
                 f"{_field_name(agg.get('property', ''))} {AGG_OPS.get(agg.get('op'), '')} "
                 f"{_value(agg.get('value'))}")
    return text


def _duration(within: dict[str, Any]) -> str:
    parts = [(within.get(unit) or 0, unit) for unit in ("days", "hours", "minutes")]
    words = [f"{n} {unit if n != 1 else unit[:-1]}" for n, unit in parts if n]
    return " and ".join(words) or "no time"


def _sequence(cond: dict[str, Any], negated: bool) -> str:
    first, then = cond.get("first", {}), cond.get("then", {})
    did_first = _deed(first.get("event_type", ""))[0] + _whose(first.get("filters", []))
    then_done, then_do = _deed(then.get("event_type", ""))
    then_what = _whose(then.get("filters", []))
    same = " (the same item)" if cond.get("same_item") else ""
    window = _duration(cond.get("within", {}))
    if cond.get("then_occurred", True):
        text = f"{did_first}, then {then_done}{then_what}{same} within {window}"
    else:
        text = f"{did_first} and did not {then_do}{then_what}{same} within {window}"
    if (days := cond.get("first_within_days")) is not None:
        text += f", the first in the last {days} day{'s' if days != 1 else ''}"
    return f"did not do this: {text}" if negated else text


def _leaf(cond: dict[str, Any], negated: bool) -> str:
    kind = cond.get("type")
    if kind == "trait":
        return f"whose {_test(_trait_name(cond.get('property', '')), cond, negated)}"
    if kind == "event":
        return "who " + _event(cond, negated)
    if kind == "sequence":
        return "who " + _sequence(cond, negated)
    if kind == "consent":
        granted = cond.get("granted", True) != negated
        return (f"who {'granted' if granted else 'have not granted'} "
                f"{cond.get('purpose', '')} consent")
    if kind == "segment":
        member = cond.get("member", True) != negated
        return f"who {'are' if member else 'are not'} in segment {cond.get('segment_id', '')}"
    return f"who meet a {kind} condition"


def describe(cond: dict[str, Any], negated: bool = False) -> Line:
    """The condition as a line of words after "Shoppers" ("who …", "whose …"); and/or
    groups as a line with one child each."""
    kind = cond.get("type")
    if kind == "not":
        return describe(cond.get("condition", {}), not negated)
    if kind in ("and", "or"):
        all_of = (kind == "and") != negated  # not(a and b) = not a or not b
        head = "who match all of these:" if all_of else "who match any of these:"
        return Line(head, [describe(c, negated) for c in cond.get("conditions", [])])
    return Line(_leaf(cond, negated))


def audience(definition: dict[str, Any]) -> Line:
    """Who a definition takes in, from "Shoppers …"."""
    line = describe(definition.get("condition", {}))
    return Line(f"Shoppers {line.text}", line.children)
