"""Compiles a condition tree to one parameterized Cypher query over `(u:User)`.

Every value, property name, event type and purpose reaches Cypher as a parameter
(`u[$p0]`, `e.type = $p1`); the text holds only keywords, fixed labels and parameter
names, so it is the same for every definition of the same shape and plans are cached.
`$now` fixes the clock: windows are `[$now - N days, $now]`, events after `$now` are ignored.

Inside a user's predicate, events are reached by expanding `(u)-[:PERFORMED]->(e)` without
the `:Event` label: PERFORMED only leads to events, and leaving the label out keeps the planner
from seeking the (type, ts) index once per candidate user (cost: every event in the window,
per user) instead of walking that user's own events. Only the candidate MATCH, run once per
query, starts from the index.

Every predicate is two-valued (comparisons wrapped in `coalesce(..., false)`), so
`NOT (predicate)` is exactly the complement; membership refresh relies on that.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
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
    walk,
)
from app.segments.identifiers import is_item_field

_CYPHER_OPS = {"eq": "=", "neq": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
_NUMERIC = "IS :: INTEGER NOT NULL | FLOAT NOT NULL"


@dataclass(frozen=True)
class CompiledSegment:
    cypher: str  # every member: one row `user_id` per member
    cypher_for_users: str  # the same restricted to `$user_ids`
    predicate: str  # boolean expression over `u`
    node_predicates: tuple[str, ...]  # one per condition, pre-order (for "why" answers)
    params: dict[str, Any] = field(default_factory=dict)  # all but $now and $user_ids

    def parameters(self, now: datetime, **extra: Any) -> dict[str, Any]:
        return {**self.params, "now": now, **extra}


class _Compiler:
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
        return f"coalesce({expr} {_CYPHER_OPS[op]} {self.param(value)}, false)"

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
        elif lo > 0 or hi is not None:
            n = f"COUNT {{ {match} }}"
            if lo > 0:
                parts.append(f"{n} >= {self.param(lo)}")
            if hi is not None:
                parts.append(f"{n} <= {self.param(hi)}")
        if cond.aggregate is not None:
            parts.append(self._aggregate(e, match, cond))
        return "(" + " AND ".join(parts) + ")" if parts else "true"

    def _aggregate(self, e: str, match: str, cond: EventCondition) -> str:
        agg = cond.aggregate
        assert agg is not None
        key = self.param(agg.property)
        values = f"COLLECT {{ {match} AND {e}[{key}] {_NUMERIC} RETURN {e}[{key}] }}"
        op, bound = _CYPHER_OPS[agg.op], self.param(agg.value)
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

    def _step_list(self, step: Step, extra: list[str], with_items: bool) -> str:
        """`[{ts, items}]` of the user's events for one step, read in one expansion."""
        e = self.var("e")
        tests = " AND ".join([*self._step_tests(e, step), *[t.replace("@e", e) for t in extra]])
        if with_items:
            i = self.var("i")
            item_tests = [self.compare(f"{i}[{self.param(f.field)}]", f.op, f.value)
                          for f in step.filters if is_item_field(f.field)]
            where = f" WHERE {' AND '.join(item_tests)}" if item_tests else ""
            shape = f"{{ts: {e}.ts, items: [({e})-[:ON]->({i}:Item){where} | {i}]}}"
        else:
            tests = " AND ".join([tests, *self._item_exists(e, step.filters)])
            shape = f"{{ts: {e}.ts}}"
        return f"[(u)-[:PERFORMED]->({e}) WHERE {tests} | {shape}]"

    def _sequence(self, cond: SequenceCondition) -> str:
        # Each step's events are listed once per user, then paired in memory: walking the
        # user's events again for every first-step event would cost |A| x degree.
        gap = f"duration({{seconds: {self.param(cond.within.seconds)}}})"
        # "@e" stands for the step's event variable
        first_extra = ["@e.ts <= $now" if cond.then_occurred else f"@e.ts <= $now - {gap}"]
        if cond.first_within_days is not None:
            first_extra.append(f"@e.ts >= {self.days_back(cond.first_within_days)}")
        second_extra = ["@e.ts <= $now"] if cond.then_occurred else []
        seconds = self._step_list(cond.then, second_extra, cond.same_item)
        firsts = self._step_list(cond.first, first_extra, cond.same_item)
        x, y, bs, item = self.var("x"), self.var("y"), self.var("bs"), self.var("it")
        follows = f"{y}.ts > {x}.ts AND {y}.ts <= {x}.ts + {gap}"
        if cond.then_occurred:
            shared = f" AND any({item} IN {x}.items WHERE {item} IN {y}.items)"
            pair = f"any({y} IN {bs} WHERE {follows}{shared if cond.same_item else ''})"
        elif cond.same_item:
            pair = (f"any({item} IN {x}.items WHERE NOT any({y} IN {bs} WHERE {follows} "
                    f"AND {item} IN {y}.items))")
        else:
            pair = f"NOT any({y} IN {bs} WHERE {follows})"
        return f"[{bs} IN [{seconds}] | any({x} IN {firsts} WHERE {pair})][0]"

def _candidate(comp: _Compiler, root: Condition) -> tuple[str | None, Condition | None]:
    """A MATCH that narrows users to those with a required event (index seek on type+ts) or a
    required membership, when the tree guarantees one (None: every user is a candidate), and
    the condition the candidate already proves, if any (the full query need not test it).
    The index is hinted: the planner cannot size a range relative to `$now`, and a guessed
    estimate must not turn this into a scan of every user."""
    parts = list(root.conditions) if isinstance(root, AndCondition) else [root]

    def rank(c: Condition) -> int:
        if isinstance(c, EventCondition) and c.occurred and c.effective_min_count >= 1:
            return 0 if (c.within_days or c.between) else 2
        if isinstance(c, SequenceCondition):
            return 0 if c.first_within_days else 2
        if isinstance(c, SegmentCondition) and c.member:
            return 1
        return 9

    best = min(parts, key=rank)
    if rank(best) == 9:
        return None, None
    if isinstance(best, SegmentCondition):
        return (f"MATCH (u:User)-[:IN_SEGMENT]->(cs:Segment) "
                f"WHERE cs.segment_id = {comp.param(best.segment_id)} WITH DISTINCT u"), best
    if isinstance(best, EventCondition):
        return _event_candidate(comp, best), best
    else:
        assert isinstance(best, SequenceCondition)
        # "A then B": both steps are needed; the conversion step (B) is usually the rarer.
        # "A and no B": only A is.
        step = best.then if best.then_occurred else best.first
        tests = [f"ce.type = {comp.param(step.event_type)}",
                 *comp.event_filters("ce", step.filters)]
        if best.then_occurred:
            tests.append("ce.ts <= $now")
        else:
            gap = comp.param(best.within.seconds)
            tests.append(f"ce.ts <= $now - duration({{seconds: {gap}}})")
        if best.first_within_days is not None:
            tests.append(f"ce.ts >= {comp.days_back(best.first_within_days)}")
    return (f"MATCH (ce:Event) USING INDEX ce:Event(type, ts) WHERE {' AND '.join(tests)} "
            f"MATCH (u:User)-[:PERFORMED]->(ce) WITH DISTINCT u"), None


def _event_candidate(comp: _Compiler, cond: EventCondition) -> str:
    """Users with matching events, counted and aggregated in the same pass over the window's
    events: the candidate decides the whole event condition."""
    tests = [*comp.window("ce", cond), *comp.event_filters("ce", cond.filters)]
    head = (f"MATCH (ce:Event) USING INDEX ce:Event(type, ts) WHERE {' AND '.join(tests)} "
            f"MATCH (u:User)-[:PERFORMED]->(ce) ")
    if cond.effective_min_count == 1 and cond.max_count is None and cond.aggregate is None:
        return head + "WITH DISTINCT u"
    columns, where = ["u", "count(ce) AS cn"], []
    if cond.effective_min_count > 1:
        where.append(f"cn >= {comp.param(cond.effective_min_count)}")
    if cond.max_count is not None:
        where.append(f"cn <= {comp.param(cond.max_count)}")
    if cond.aggregate is not None:
        key = comp.param(cond.aggregate.property)
        # non-numeric values count as absent, as in the per-user predicate
        columns.append(f"{cond.aggregate.fn}(CASE WHEN ce[{key}] {_NUMERIC} THEN ce[{key}] END)"
                       " AS ca")
        op, bound = _CYPHER_OPS[cond.aggregate.op], comp.param(cond.aggregate.value)
        where.append(f"coalesce(ca {op} {bound}, false)")
    filters = f" WHERE {' AND '.join(where)}" if where else ""
    return head + f"WITH {', '.join(columns)}{filters} WITH u"


def compile_condition(root: Condition, prefix: str = "") -> CompiledSegment:
    """`prefix` keeps parameter names apart when several segments share one query."""
    comp = _Compiler(prefix)
    predicate = comp.node(root)
    candidate, implied = _candidate(comp, root)
    ret = "RETURN u.user_id AS user_id"
    if candidate is None:
        cypher = f"MATCH (u:User) WHERE {predicate} {ret}"
    else:
        parts = list(root.conditions) if isinstance(root, AndCondition) else [root]
        rest = [comp.text_of(c) for c in parts if c is not implied]
        where = f" WHERE {' AND '.join(rest)}" if rest else ""
        cypher = f"{candidate}{where} {ret}"
    for_users = f"MATCH (u:User) WHERE u.user_id IN $user_ids AND {predicate} {ret}"
    return CompiledSegment(cypher, for_users, predicate, tuple(comp.node_texts), comp.params)


def time_dependent(root: Condition) -> bool:
    """True when membership can change with the clock alone (a sliding window ages out, an
    abandonment window passes), so the sweep must revisit the segment."""
    for node in walk(root):
        if isinstance(node, EventCondition) and node.within_days is not None:
            return True
        if isinstance(node, SequenceCondition) and (
            not node.then_occurred or node.first_within_days is not None
        ):
            return True
    return False
