"""What a segment depends on, and the order segments must be evaluated in.

Dependency keys say which ingest changes can alter membership: `event:<type>` for events of
one type, `event:*` for traits recomputed on every event, `identify` for profile traits,
`consent` for consent, `catalog` for item fields (an item's category, price, brand or title
changed: app/segments/catalog_changes.py). A segment that refers to another inherits that
one's keys, and is evaluated after it (topological order of the reference graph, kept
acyclic by networkx).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import networkx as nx

from app.segments.condition_tree import walk
from app.segments.definition import (
    ConsentCondition,
    EventCondition,
    EventFilter,
    SegmentDefinition,
    SequenceCondition,
    TraitCondition,
)
from app.segments.identifiers import is_item_field

ANY_EVENT = "event:*"
IDENTIFY = "identify"
CONSENT = "consent"
CATALOG = "catalog"
# Computed traits and the events that change them (cypher/intake/add_user_aggregates).
_ORDER_TRAITS = frozenset({"order_count", "revenue_total", "rfm_f", "rfm_m"})
_EVERY_EVENT_TRAITS = frozenset({"event_count", "rfm_r", "rfm_recency_days", "engagement_score"})


def _trait_keys(prop: str) -> set[str]:
    if prop.startswith("trait_"):
        return {IDENTIFY}
    if prop.startswith("count_"):
        return {f"event:{prop.removeprefix('count_')}"}
    if prop in _ORDER_TRAITS:
        # only orders move these (rfm_f/rfm_m are recomputed on every event, from the order
        # totals, so their values change only with an order too)
        return {"event:order_completed"}
    return {ANY_EVENT}


def _catalog_filters(filters: list[EventFilter]) -> bool:
    """Filters on an item attribute the catalog can change (an item's id never does)."""
    return any(is_item_field(f.field) and f.field != "item_id" for f in filters)


def direct_keys(definition: SegmentDefinition) -> set[str]:
    keys: set[str] = set()
    for node in walk(definition.condition):
        if isinstance(node, EventCondition):
            keys.add(f"event:{node.event_type}")
            if _catalog_filters(node.filters):
                keys.add(CATALOG)
        elif isinstance(node, SequenceCondition):
            keys |= {f"event:{node.first.event_type}", f"event:{node.then.event_type}"}
            if _catalog_filters([*node.first.filters, *node.then.filters]):
                keys.add(CATALOG)
        elif isinstance(node, TraitCondition):
            keys |= _trait_keys(node.property)
        elif isinstance(node, ConsentCondition):
            keys.add(CONSENT)
    return keys


def change_keys(types: Iterable[str]) -> set[str]:
    """The keys an ingest change touches, from the event types a user just received."""
    keys: set[str] = set()
    for t in types:
        if t in (IDENTIFY, CONSENT, CATALOG):
            keys.add(t)
        else:
            keys |= {f"event:{t}", ANY_EVENT}
    return keys


def reference_graph(refs: Mapping[str, Iterable[str]]) -> nx.DiGraph:
    """Edge referenced -> referring: a topological order evaluates references first."""
    graph = nx.DiGraph()
    graph.add_nodes_from(refs)
    for segment, targets in refs.items():
        graph.add_edges_from((target, segment) for target in targets)
    return graph


def find_cycle(refs: Mapping[str, Iterable[str]]) -> list[str] | None:
    """A reference cycle as [a, b, ..., a] (a refers to b ...), or None."""
    try:
        edges = nx.find_cycle(reference_graph(refs))
    except nx.NetworkXNoCycle:
        return None
    # edges run referenced -> referring; read backwards, each node refers to the next
    path = [u for u, _ in reversed(edges)]
    return [*path, path[0]]


def evaluation_order(refs: Mapping[str, Iterable[str]]) -> list[str]:
    return list(nx.lexicographical_topological_sort(reference_graph(refs)))


def closure_keys(direct: Mapping[str, set[str]], refs: Mapping[str, Iterable[str]]
                 ) -> dict[str, set[str]]:
    """Each segment's keys plus those of every segment it refers to, transitively."""
    graph = reference_graph(refs)
    return {s: direct.get(s, set()).union(*(direct.get(a, set()) for a in nx.ancestors(graph, s)))
            for s in graph.nodes}


def closure_time_dependent(own: Mapping[str, bool], refs: Mapping[str, Iterable[str]]
                           ) -> dict[str, bool]:
    graph = reference_graph(refs)
    return {s: own.get(s, False) or any(own.get(a, False) for a in nx.ancestors(graph, s))
            for s in graph.nodes}


def dependents(segment_ids: Iterable[str], refs: Mapping[str, Iterable[str]]) -> set[str]:
    """The segments given and every segment that refers to them, transitively."""
    graph = reference_graph(refs)
    out: set[str] = set()
    for s in segment_ids:
        if s in graph:
            out |= {s} | nx.descendants(graph, s)
    return out
