"""Rules evaluated over the facts one read returned, with reasons a marketer can read.

Comparisons follow the segment compiler's Cypher (`coalesce(u[p] op v, false)`): a missing
value matches nothing but `exists: false`, values of different kinds are never equal and
never ordered, and booleans are not numbers. So a trait rule here and the same condition in
a segment agree on every profile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from app.core.numbers import as_written, observed
from app.decisions.definition import (
    AllOf,
    AnyOf,
    ContextCondition,
    NoneOf,
    PlacementDefinition,
    PredictionCondition,
    RuleCondition,
)
from app.segments.definition import ConsentCondition, SegmentCondition, TraitCondition

OP_WORDS = {"eq": "is", "neq": "is not", "gt": ">", "gte": "≥", "lt": "<", "lte": "≤",
            "in": "is one of", "contains": "contains"}
LABELS = {
    "pred_purchase_30d": "predicted purchase probability (30 days)",
    "pred_value_90d": "predicted value (90 days)",
    "cluster": "behavioural cluster",
    "order_count": "orders", "revenue_total": "revenue", "event_count": "events",
    "rfm_r": "RFM recency score", "rfm_f": "RFM frequency score",
    "rfm_m": "RFM monetary score", "rfm_recency_days": "days since the last order",
    "context_item": "viewed item", "context_category": "viewed category",
}


@dataclass(frozen=True)
class ShopperFacts:
    """What a decision may use about one shopper, read in one statement."""

    user_id: str
    properties: dict[str, Any] = field(default_factory=dict)
    segments: frozenset[str] = frozenset()
    granted: frozenset[str] = frozenset()  # consent purposes granted
    context: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class RuleResult:
    index: int
    name: str
    variant: str
    matched: bool
    explanation: str


@dataclass(frozen=True)
class Choice:
    variant: str
    rule: RuleResult | None  # None: the default
    reason: str
    trace: list[RuleResult]


def _number(x: Any) -> bool:
    return isinstance(x, int | float) and not isinstance(x, bool)


def _equal(a: Any, b: Any) -> bool:
    if _number(a) and _number(b):
        return a == b
    return type(a) is type(b) and a == b


def compare(actual: Any, op: str, value: Any) -> bool:
    if op == "exists":
        return actual is None if value is False else actual is not None
    if actual is None:
        return False
    if op == "eq":
        return _equal(actual, value)
    if op == "neq":
        return not _equal(actual, value)
    if op == "in":
        return any(_equal(actual, v) for v in value)
    if op == "contains":
        return isinstance(actual, str) and value in actual
    if (_number(actual) and _number(value)) or (isinstance(actual, str)
                                                 and isinstance(value, str)):
        return {"gt": actual > value, "gte": actual >= value, "lt": actual < value,
                "lte": actual <= value}[op]
    return False


def label(prop: str) -> str:
    if prop.startswith("trait_"):
        return f"trait {prop.removeprefix('trait_')!r}"
    if prop.startswith("count_"):
        return f"{prop.removeprefix('count_')} events"
    return LABELS.get(prop, prop)


def _show(value: Any, number: Callable[[int | float], str] = as_written) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return number(value)
    if isinstance(value, list):
        return "[" + ", ".join(_show(v, number) for v in value) + "]"
    if isinstance(value, str):
        return repr(value)
    return str(value)


def _comparison(name: str, op: str, value: Any, actual: Any) -> str:
    """The threshold as the marketer wrote it; the shopper's value rounded, but never so
    far that it reads on the other side of the threshold (app/core/numbers.py)."""
    if op == "exists":
        return f"{name} {'is missing' if value is False else 'is set'}"
    thresholds = value if isinstance(value, list) else [value]
    now = "no value" if actual is None else _show(
        actual, lambda x: observed(x, thresholds))
    return f"{name} {OP_WORDS[op]} {_show(value)} ({now})"


def evaluate(cond: RuleCondition, facts: ShopperFacts) -> tuple[bool, str]:
    """Whether the condition holds, and the words that say why (or what it asked)."""
    match cond:
        case AllOf(conditions=parts):
            results = [evaluate(c, facts) for c in parts]
            return all(ok for ok, _ in results), " and ".join(t for _, t in results)
        case AnyOf(conditions=parts):
            results = [evaluate(c, facts) for c in parts]
            hits = [t for ok, t in results if ok]
            text = hits[0] if hits else " or ".join(t for _, t in results)
            return bool(hits), text
        case NoneOf(condition=inner):
            ok, text = evaluate(inner, facts)
            return not ok, f"not ({text})"
        case TraitCondition():
            actual = facts.properties.get(cond.property)
            return (compare(actual, cond.op, cond.value),
                    _comparison(label(cond.property), cond.op, cond.value, actual))
        case PredictionCondition():
            actual = facts.properties.get(cond.property)
            return (compare(actual, cond.op, cond.value),
                    _comparison(label(cond.property), cond.op, cond.value, actual))
        case ContextCondition():
            actual = facts.context.get(cond.field)
            return (compare(actual, cond.op, cond.value),
                    _comparison(label(cond.field), cond.op, cond.value, actual))
        case SegmentCondition():
            inside = cond.segment_id in facts.segments
            word = "member" if inside else "not a member"
            return inside == cond.member, f"{word} of segment {cond.segment_id!r}"
        case ConsentCondition():
            granted = cond.purpose in facts.granted
            word = "granted" if granted else "not granted"
            return granted == cond.granted, f"{cond.purpose} consent {word}"
    raise TypeError(f"unknown condition {cond!r}")


def decide(definition: PlacementDefinition, facts: ShopperFacts, *, trace: bool = False
           ) -> Choice:
    """The first rule that matches chooses; none matching, the default. With `trace`,
    every rule is evaluated and reported (the preview)."""
    results: list[RuleResult] = []
    chosen: RuleResult | None = None
    for n, rule in enumerate(definition.rules):
        ok, text = evaluate(rule.when, facts)
        result = RuleResult(n, rule.name, rule.variant, ok, text)
        results.append(result)
        if ok and chosen is None:
            chosen = result
            if not trace:
                break
    if chosen is None:
        reason = ("no rule matched: the default" if definition.rules
                  else "the placement has no rules: the default")
        return Choice(definition.default, None, reason, results)
    reason = f"rule {chosen.index + 1} {chosen.name!r} matched: {chosen.explanation}"
    return Choice(chosen.variant, chosen, reason, results)
