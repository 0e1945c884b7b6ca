"""The reference evaluator: segment conditions over the raw event list, plain Python, no Cypher.

Written from the definition semantics, not from the compiler, so the property tests compare
two independent readings. Value comparisons follow Cypher's rules (documented in
docs/segments.md): a missing value or values of different kinds never match, `true` is not
`1`, integers and floats compare by value.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from app.segments.definition import (
    AndCondition,
    Condition,
    ConsentCondition,
    EventCondition,
    EventFilter,
    NotCondition,
    OrCondition,
    SegmentCondition,
    SequenceCondition,
    Step,
    TraitCondition,
)
from app.segments.identifiers import is_item_field
from tests.segments.dataset import Dataset, Event, Item, User


def _kind(v: Any) -> str:
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int | float):
        return "number"
    return type(v).__name__


def _eq(a: Any, b: Any) -> bool | None:
    if a is None or b is None:
        return None
    return _kind(a) == _kind(b) and a == b


def matches(actual: Any, op: str, value: Any) -> bool:
    """True only when the comparison holds (a null result counts as false)."""
    if op == "exists":
        return (actual is not None) if value is not False else (actual is None)
    if actual is None:
        return False
    if op == "eq":
        return bool(_eq(actual, value))
    if op == "neq":
        return _eq(actual, value) is False
    if op == "in":
        return any(_eq(actual, v) for v in value)
    if op == "contains":
        return isinstance(actual, str) and isinstance(value, str) and value in actual
    if _kind(actual) != _kind(value) or _kind(actual) not in ("number", "str", "bool"):
        return False
    return {"gt": actual > value, "gte": actual >= value,
            "lt": actual < value, "lte": actual <= value}[op]


class Oracle:
    def __init__(self, data: Dataset, now: datetime,
                 memberships: dict[str, set[str]] | None = None) -> None:
        self.data, self.now = data, now
        self.memberships = memberships or {}
        self._items = {i.item_id: i for i in data.items}
        self._events: dict[str, list[Event]] = {}
        for e in data.events:
            self._events.setdefault(e.user_id, []).append(e)

    def members(self, cond: Condition) -> set[str]:
        return {u.user_id for u in self.data.users if self.holds(cond, u)}

    # -- per user --------------------------------------------------------------------------

    def holds(self, cond: Condition, user: User) -> bool:
        if isinstance(cond, AndCondition):
            return all(self.holds(c, user) for c in cond.conditions)
        if isinstance(cond, OrCondition):
            return any(self.holds(c, user) for c in cond.conditions)
        if isinstance(cond, NotCondition):
            return not self.holds(cond.condition, user)
        if isinstance(cond, TraitCondition):
            return matches(user.props.get(cond.property), cond.op, cond.value)
        if isinstance(cond, ConsentCondition):
            granted = user.consents.get(cond.purpose) == "granted"
            return granted == cond.granted
        if isinstance(cond, SegmentCondition):
            inside = user.user_id in self.memberships.get(cond.segment_id, set())
            return inside == cond.member
        if isinstance(cond, EventCondition):
            return self._event(cond, self._events.get(user.user_id, []))
        if isinstance(cond, SequenceCondition):
            return self._sequence(cond, self._events.get(user.user_id, []))
        raise TypeError(cond)

    def _items_of(self, event: Event) -> list[Item]:
        return [self._items[line.item_id] for line in event.lines]

    def _event_ok(self, event: Event, filters: list[EventFilter]) -> bool:
        for f in filters:
            if not is_item_field(f.field) and not matches(event.props.get(f.field), f.op, f.value):
                return False
        item_filters = [f for f in filters if is_item_field(f.field)]
        if not item_filters:
            return True
        return any(self._item_ok(item, item_filters) for item in self._items_of(event))

    @staticmethod
    def _item_ok(item: Item, filters: list[EventFilter]) -> bool:
        return all(matches(getattr(item, f.field), f.op, f.value)
                   for f in filters if is_item_field(f.field))

    def _in_window(self, cond: EventCondition, e: Event) -> bool:
        if e.type != cond.event_type or e.ts > self.now:
            return False
        if cond.within_days is not None and e.ts < self.now - timedelta(days=cond.within_days):
            return False
        return cond.between is None or cond.between.start <= e.ts < cond.between.end

    def _event(self, cond: EventCondition, events: list[Event]) -> bool:
        hits = [e for e in events if self._in_window(cond, e) and self._event_ok(e, cond.filters)]
        if not cond.occurred:
            return not hits
        if len(hits) < cond.effective_min_count:
            return False
        if cond.max_count is not None and len(hits) > cond.max_count:
            return False
        agg = cond.aggregate
        if agg is None:
            return True
        values = [e.props.get(agg.property) for e in hits]
        numbers = [v for v in values if _kind(v) == "number"]
        if agg.fn == "sum":
            total: float = sum(numbers)
        elif not numbers:
            return False
        else:
            total = sum(numbers) / len(numbers)
        return matches(total, agg.op, agg.value)

    def _sequence(self, cond: SequenceCondition, events: list[Event]) -> bool:
        gap = timedelta(seconds=cond.within.seconds)

        def step_events(step: Step) -> list[Event]:
            event_filters = [f for f in step.filters if not is_item_field(f.field)]
            return [e for e in events if e.type == step.event_type
                    and self._event_ok(e, event_filters)]

        def item_ok(step: Step, item: Item) -> bool:
            return self._item_ok(item, step.filters)

        def any_item_ok(step: Step, e: Event) -> bool:
            return self._event_ok(e, step.filters)

        firsts = [a for a in step_events(cond.first)
                  if (cond.first_within_days is None
                      or a.ts >= self.now - timedelta(days=cond.first_within_days))]
        seconds = step_events(cond.then)

        def follows(a: Event, b: Event) -> bool:
            # arrival order decides between events of one timestamp (the dataset's events
            # were received at their ts; seq is the position in the write)
            return ((a.ts, a.seq or 0) < (b.ts, b.seq or 0)) and b.ts <= a.ts + gap

        if cond.then_occurred:
            for a in (a for a in firsts if a.ts <= self.now):
                for b in (b for b in seconds if follows(a, b) and b.ts <= self.now):
                    if not cond.same_item:
                        if any_item_ok(cond.first, a) and any_item_ok(cond.then, b):
                            return True
                        continue
                    shared = {ln.item_id for ln in a.lines} & {ln.item_id for ln in b.lines}
                    if any(item_ok(cond.first, self._items[i])
                           and item_ok(cond.then, self._items[i]) for i in shared):
                        return True
            return False
        for a in (a for a in firsts if a.ts + gap <= self.now):
            if not cond.same_item:
                if any_item_ok(cond.first, a) and not any(
                        follows(a, b) and any_item_ok(cond.then, b) for b in seconds):
                    return True
                continue
            for item_id in {ln.item_id for ln in a.lines}:
                item = self._items[item_id]
                if not item_ok(cond.first, item):
                    continue
                bought = any(follows(a, b) and item_id in {ln.item_id for ln in b.lines}
                             and item_ok(cond.then, item) for b in seconds)
                if not bought:
                    return True
        return False
