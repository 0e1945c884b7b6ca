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

    def _item_tests(self, item: str, step: Step) -> list[str]:
        return [self.compare(f"{item}[{self.param(f.field)}]", f.op, f.value)
                for f in step.filters if is_item_field(f.field)]

    def _listed_step(self, z: str, step: Step, extra: list[str], same_item: bool) -> list[str]:
        """Tests that an entry `{t, ts, e}` of the walked list is an event of `step`."""
        tests = [f"{z}.t = {self.param(step.event_type)}",
                 *self._event_tests(f"{z}.e", step.filters), *extra]
        if not same_item and (items := self._item_tests("@i", step)):
            n, i = self.var("n"), self.var("i")
            where = " AND ".join(t.replace("@i", i) for t in items)
            tests.append(f"any({n} IN [{z}.e] WHERE EXISTS {{ MATCH ({n})-[:ON]->({i}:Item) "
                         f"WHERE {where} }})")
        return tests

    def _sequence(self, cond: SequenceCondition) -> str:
        # One walk over the user's events lists both steps' events as {t, ts, e}; they are
        # then paired in memory by time: walking the events once per step, or again for every
        # first-step event, would cost a multiple of the user's degree. With same_item, the
        # `then` events' items are listed (the rarer step, e.g. orders), and a `first` event's
        # items are read only when a `then` event follows it closely enough.
        gap = f"duration({{seconds: {self.param(cond.within.seconds)}}})"
        e, al, bs, as_ = self.var("e"), self.var("al"), self.var("bs"), self.var("as")
        x, y, z = self.var("x"), self.var("y"), self.var("z")
        types = sorted({cond.first.event_type, cond.then.event_type})
        walk_tests = [f"{e}.type IN {self.param(types)}"]
        if cond.then_occurred:
            walk_tests.append(f"{e}.ts <= $now")
        # rs, n: the arrival order (write time, position in the write), which decides between
        # events of the same timestamp, e.g. a view and an order sent in one batch untimed
        walk = (f"[(u)-[:PERFORMED]->({e}) WHERE {' AND '.join(walk_tests)} "
                f"| {{t: {e}.type, ts: {e}.ts, e: {e}, "
                f"rs: coalesce({e}.received_at, {e}.ts), n: coalesce({e}.seq, 0)}}]")
        first_extra = [] if cond.then_occurred else [f"{x}.ts <= $now - {gap}"]
        if cond.first_within_days is not None:
            first_extra.append(f"{x}.ts >= {self.days_back(cond.first_within_days)}")
        first_tests = " AND ".join(self._listed_step(x, cond.first, first_extra,
                                                     cond.same_item))
        then_tests = " AND ".join(self._listed_step(z, cond.then, [], cond.same_item))
        shape = f"{{ts: {z}.ts, rs: {z}.rs, n: {z}.n}}"
        if cond.same_item:
            b, j = self.var("b"), self.var("j")
            where = " AND ".join(self._item_tests(j, cond.then))
            where = f" WHERE {where}" if where else ""
            shape = (f"{{ts: {z}.ts, rs: {z}.rs, n: {z}.n, items: [{b} IN [{z}.e] "
                     f"| [({b})-[:ON]->({j}:Item){where} | {j}]][0]}}")
        then_list = f"[{z} IN {al} WHERE {then_tests} | {shape}]"
        later = (f"({y}.ts > {x}.ts OR ({y}.ts = {x}.ts AND ({y}.rs > {x}.rs "
                 f"OR ({y}.rs = {x}.rs AND {y}.n > {x}.n))))")
        follows = f"{later} AND {y}.ts <= {x}.ts + {gap}"
        if not cond.same_item:
            pair = f"any({y} IN {bs} WHERE {follows})"
            pair = pair if cond.then_occurred else f"NOT {pair}"
        else:
            a, i, it = self.var("a"), self.var("i"), self.var("it")
            where = " AND ".join(self._item_tests(i, cond.first))
            where = f" WHERE {where}" if where else ""
            shared = f"any({y} IN {bs} WHERE {follows} AND {it} IN {y}.items)"
            if not cond.then_occurred:
                shared = f"NOT {shared}"
            pair = (f"any({a} IN [{x}.e] WHERE any({it} IN [({a})-[:ON]->({i}:Item){where} "
                    f"| {i}] WHERE {shared}))")
            if cond.then_occurred:  # no `then` event close enough: no items to read
                pair = f"any({y} IN {bs} WHERE {follows}) AND {pair}"
        if cond.then_occurred:  # no `then` event: no pair
            found = (f"CASE WHEN size({bs}) = 0 THEN false "
                     f"ELSE any({x} IN {al} WHERE {first_tests} AND {pair}) END")
            return f"[{al} IN [{walk}] | [{bs} IN [{then_list}] | {found}][0]][0]"
        # abandonment: no `first` event in its window, nothing abandoned
        firsts = f"[{x} IN {al} WHERE {first_tests}]"
        found = (f"CASE WHEN size({as_}) = 0 THEN false "
                 f"ELSE [{bs} IN [{then_list}] | any({x} IN {as_} WHERE {pair})][0] END")
        return f"[{al} IN [{walk}] | [{as_} IN [{firsts}] | {found}][0]][0]"
