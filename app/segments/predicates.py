"""The per-user predicate of a condition tree: one boolean Cypher expression over `u`.

Every value, property name, event type and purpose reaches Cypher as a parameter
(`u[$p0]`, `e.type = $p1`); the text holds only keywords, fixed labels and parameter
names, so it is the same for every definition of the same shape and plans are cached.
`$now` fixes the clock: windows are `[$now - N days, $now]`, events after `$now` are ignored.

Inside a user's predicate, events are reached by expanding `(u)-[:PERFORMED]->(e)` without
the `:Event` label: PERFORMED only leads to events, and leaving the label out keeps the planner
from seeking the (type, ts) index once per candidate user (cost: every event in the window,
per user) instead of walking that user's own events. Only the candidate MATCH (compiler.py),
run once per query, starts from the index.

Every predicate is two-valued (comparisons wrapped in `coalesce(..., false)`), so
`NOT (predicate)` is exactly the complement; membership refresh relies on that.
"""

from __future__ import annotations

from itertools import count
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

CYPHER_OPS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
NUMERIC = "IS :: INTEGER NOT NULL | FLOAT NOT NULL"


class PredicateCompiler:
    """Builds predicates and collects their parameters (names carry `prefix`)."""

    def __init__(self, prefix: str) -> None:
        self._prefix = prefix
        self._params: dict[str, Any] = {}
        self._names = count()
        self.node_texts: list[str] = []
        self._by_node: dict[int, str] = {}

    # -- helpers ---------------------------------------------------------------------------

    def param(self, value: Any) -> str:
        name = f"{self._prefix}p{len(self._params)}"
        self._params[name] = value
        return f"${name}"

    def var(self, stem: str) -> str:
        return f"{stem}{self._prefix}{next(self._names)}"

    @property
    def params(self) -> dict[str, Any]:
        return dict(self._params)

    def compare(self, expr: str, op: str, value: Any) -> str:
        if op == "exists":
            return f"{expr} IS NULL" if value is False else f"{expr} IS NOT NULL"
        if op == "in":
            return f"coalesce({expr} IN {self.param(list(value))}, false)"
        if op == "contains":
            return f"coalesce({expr} CONTAINS {self.param(value)}, false)"
        return f"coalesce({expr} {CYPHER_OPS[op]} {self.param(value)}, false)"

    def _item_exists(self, event: str, filters: list[EventFilter]) -> list[str]:
        item_filters = [f for f in filters if is_item_field(f.field)]
        if not item_filters:
            return []
        item = self.var("i")
        tests = " AND ".join(self.compare(f"{item}[{self.param(f.field)}]", f.op, f.value)
                             for f in item_filters)
        return [f"EXISTS {{ MATCH ({event})-[:ON]->({item}:Item) WHERE {tests} }}"]

    def event_filters(self, event: str, filters: list[EventFilter]) -> list[str]:
        """All of a step's filters on one event: its own properties and one of its items."""
        return [*self._event_tests(event, filters), *self._item_exists(event, filters)]

    def _event_tests(self, event: str, filters: list[EventFilter]) -> list[str]:
        return [self.compare(f"{event}[{self.param(f.field)}]", f.op, f.value)
                for f in filters if not is_item_field(f.field)]

    def days_back(self, days: int) -> str:
        return f"$now - duration({{days: {self.param(days)}}})"

    def window(self, event: str, cond: EventCondition) -> list[str]:
        tests = [f"{event}.type = {self.param(cond.event_type)}", f"{event}.ts <= $now"]
        if cond.within_days is not None:
            tests.append(f"{event}.ts >= {self.days_back(cond.within_days)}")
        if cond.between is not None:
            tests.append(f"{event}.ts >= {self.param(cond.between.start)}")
            tests.append(f"{event}.ts < {self.param(cond.between.end)}")
        return tests

    # -- conditions ------------------------------------------------------------------------

    def node(self, cond: Condition) -> str:
        slot = len(self.node_texts)
        self.node_texts.append("")  # reserve the pre-order slot before the children fill theirs
        text = self._compile(cond)
        self.node_texts[slot] = text
        self._by_node[id(cond)] = text
        return text

    def text_of(self, cond: Condition) -> str:
        return self._by_node[id(cond)]

    def _compile(self, cond: Condition) -> str:
        match cond:
            case AndCondition(conditions=parts):
                return "(" + " AND ".join(self.node(c) for c in parts) + ")"
            case OrCondition(conditions=parts):
                return "(" + " OR ".join(self.node(c) for c in parts) + ")"
            case NotCondition(condition=inner):
                return f"(NOT {self.node(inner)})"
            case TraitCondition():
                return self.compare(f"u[{self.param(cond.property)}]", cond.op, cond.value)
            case EventCondition():
                return self._event(cond)
            case SequenceCondition():
                return self._sequence(cond)
            case ConsentCondition():
                c, p = self.var("c"), self.var("purpose")
                text = (f"EXISTS {{ MATCH (u)-[{c}:CONSENTED]->({p}:Purpose) WHERE "
                        f"{p}.name = {self.param(cond.purpose)} AND {c}.status = 'granted' }}")
                return text if cond.granted else f"(NOT {text})"
            case SegmentCondition():
                s = self.var("s")
                text = (f"EXISTS {{ MATCH (u)-[:IN_SEGMENT]->({s}:Segment) WHERE "
                        f"{s}.segment_id = {self.param(cond.segment_id)} }}")
                return text if cond.member else f"(NOT {text})"
        raise TypeError(f"unknown condition {cond!r}")

    def _event(self, cond: EventCondition) -> str:
        e = self.var("e")
        tests = self.window(e, cond) + self._event_tests(e, cond.filters)
        tests += self._item_exists(e, cond.filters)
        match = f"MATCH (u)-[:PERFORMED]->({e}) WHERE {' AND '.join(tests)}"
        if not cond.occurred:
            return f"(NOT EXISTS {{ {match} }})"
        parts: list[str] = []
        lo, hi = cond.effective_min_count, cond.max_count
        if lo == 1 and hi is None:
            parts.append(f"EXISTS {{ {match} }}")
        elif hi is None and lo > 0:
            # only "at least lo": the walk over the user's events stops at the lo-th match
            lo_p = self.param(lo)
            parts.append(f"COUNT {{ {match} RETURN 1 LIMIT {lo_p} }} >= {lo_p}")
        elif hi is not None:
            n = f"COUNT {{ {match} }}"
            if lo > 0:
                parts.append(f"{n} >= {self.param(lo)}")
            parts.append(f"{n} <= {self.param(hi)}")
        if cond.aggregate is not None:
            parts.append(self._aggregate(e, match, cond))
        return "(" + " AND ".join(parts) + ")" if parts else "true"

    def _aggregate(self, e: str, match: str, cond: EventCondition) -> str:
        agg = cond.aggregate
        assert agg is not None
        key = self.param(agg.property)
        values = f"COLLECT {{ {match} AND {e}[{key}] {NUMERIC} RETURN {e}[{key}] }}"
        op, bound = CYPHER_OPS[agg.op], self.param(agg.value)
        x, acc = self.var("x"), self.var("acc")
        if agg.fn == "sum":
            return f"reduce({acc} = 0, {x} IN {values} | {acc} + {x}) {op} {bound}"
        # avg over no values is undefined: false, like a comparison with null
        pair = f"reduce({acc} = [0.0, 0], {x} IN {values} | [{acc}[0] + {x}, {acc}[1] + 1])"
        a = self.var("a")
        return (f"[{a} IN [{pair}] | CASE WHEN {a}[1] = 0 THEN false "
                f"ELSE {a}[0] / {a}[1] {op} {bound} END][0]")

    def _step_tests(self, event: str, step: Step) -> list[str]:
        return [f"{event}.type = {self.param(step.event_type)}",
                *self._event_tests(event, step.filters)]

    def _step_list(self, step: Step, extra: list[str], with_events: bool) -> str:
        """`[{ts}]` (with_events: `[{ts, e}]`) of the user's events for one step, read in
        one expansion. With events, the step's item filters are left to the pairing."""
        e = self.var("e")
        tests = [*self._step_tests(e, step), *[t.replace("@e", e) for t in extra]]
        if not with_events:
            tests += self._item_exists(e, step.filters)
        shape = f"{{ts: {e}.ts, e: {e}}}" if with_events else f"{{ts: {e}.ts}}"
        return f"[(u)-[:PERFORMED]->({e}) WHERE {' AND '.join(tests)} | {shape}]"

    def _item_tests(self, item: str, step: Step) -> list[str]:
        return [self.compare(f"{item}[{self.param(f.field)}]", f.op, f.value)
                for f in step.filters if is_item_field(f.field)]

    def _sequence(self, cond: SequenceCondition) -> str:
        # Each step's events are listed once per user, then paired in memory by time: walking
        # the user's events again for every first-step event would cost |A| x degree. With
        # same_item, items are read only for the first-step events of pairs close enough in
        # time, not for every event of both steps.
        gap = f"duration({{seconds: {self.param(cond.within.seconds)}}})"
        # "@e" stands for the step's event variable
        first_extra = ["@e.ts <= $now" if cond.then_occurred else f"@e.ts <= $now - {gap}"]
        if cond.first_within_days is not None:
            first_extra.append(f"@e.ts >= {self.days_back(cond.first_within_days)}")
        second_extra = ["@e.ts <= $now"] if cond.then_occurred else []
        seconds = self._step_list(cond.then, second_extra, cond.same_item)
        firsts = self._step_list(cond.first, first_extra, cond.same_item)
        x, y, bs, as_ = self.var("x"), self.var("y"), self.var("bs"), self.var("as")
        follows = f"{y}.ts > {x}.ts AND {y}.ts <= {x}.ts + {gap}"
        if not cond.same_item:
            pair = f"any({y} IN {bs} WHERE {follows})"
            pair = pair if cond.then_occurred else f"NOT {pair}"
        else:
            # an item of the first event (its step's item filters) that a following `then`
            # event is also on (with the then step's item filters)
            a, b, i, fs = self.var("a"), self.var("b"), self.var("i"), self.var("fs")
            first_tests = self._item_tests(i, cond.first)
            then_tests = self._item_tests(i, cond.then)
            shared = f"any({b} IN {fs} WHERE EXISTS {{ ({b})-[:ON]->({i}) }})"
            if then_tests:
                shared = f"({' AND '.join(then_tests)} AND {shared})"
            if not cond.then_occurred:
                shared = f"NOT {shared}"
            where = " AND ".join([*first_tests, shared])
            pair = (f"EXISTS {{ WITH {x}.e AS {a}, [{y} IN {bs} WHERE {follows} | {y}.e] "
                    f"AS {fs} MATCH ({a})-[:ON]->({i}:Item) WHERE {where} }}")
            if cond.then_occurred:  # no follower in time: no items to read
                pair = f"any({y} IN {bs} WHERE {follows}) AND {pair}"
        found = f"any({x} IN {as_} WHERE {pair})"
        if cond.then_occurred:  # no `then` event: no pair, and the `first` list is not read
            return (f"[{bs} IN [{seconds}] | CASE WHEN size({bs}) = 0 THEN false "
                    f"ELSE [{as_} IN [{firsts}] | {found}][0] END][0]")
        # abandonment: no `first` event, nothing abandoned, and the `then` list is not read
        return (f"[{as_} IN [{firsts}] | CASE WHEN size({as_}) = 0 THEN false "
                f"ELSE [{bs} IN [{seconds}] | {found}][0] END][0]")
