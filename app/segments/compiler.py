"""Compiles a condition tree to one parameterized Cypher query over `(u:User)`: a candidate
MATCH that narrows users through the (type, ts) index or a membership when the tree requires
one, then the per-user predicate (predicates.py) over the candidates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.segments.condition_tree import walk
from app.segments.definition import (
    AndCondition,
    Condition,
    EventCondition,
    SegmentCondition,
    SequenceCondition,
)
from app.segments.monotone import monotone
from app.segments.predicates import CYPHER_OPS, NUMERIC, PredicateCompiler


@dataclass(frozen=True)
class CompiledSegment:
    cypher: str  # every member: one row `user_id` per member
    cypher_for_users: str  # the same restricted to `$user_ids`
    predicate: str  # boolean expression over `u`
    node_predicates: tuple[str, ...]  # one per condition, pre-order (for "why" answers)
    params: dict[str, Any] = field(default_factory=dict)  # all but $now and $user_ids
    # new events can only make the predicate true (monotone.py): the drain keeps members
    monotone: bool = False

    def parameters(self, now: datetime, **extra: Any) -> dict[str, Any]:
        return {**self.params, "now": now, **extra}


def _candidate(comp: PredicateCompiler, root: Condition) -> tuple[str | None, Condition | None]:
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


def _event_candidate(comp: PredicateCompiler, cond: EventCondition) -> str:
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
        columns.append(f"{cond.aggregate.fn}(CASE WHEN ce[{key}] {NUMERIC} THEN ce[{key}] END)"
                       " AS ca")
        op, bound = CYPHER_OPS[cond.aggregate.op], comp.param(cond.aggregate.value)
        where.append(f"coalesce(ca {op} {bound}, false)")
    filters = f" WHERE {' AND '.join(where)}" if where else ""
    return head + f"WITH {', '.join(columns)}{filters} WITH u"


def compile_condition(root: Condition, prefix: str = "") -> CompiledSegment:
    """`prefix` keeps parameter names apart when several segments share one query."""
    comp = PredicateCompiler(prefix)
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
    return CompiledSegment(cypher, for_users, predicate, tuple(comp.node_texts), comp.params,
                           monotone=monotone(root))


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
