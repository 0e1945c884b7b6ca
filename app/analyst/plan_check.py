"""Whether an EXPLAIN plan is a query an analyst may run: decided on the server's own parse.

A query passes only when Neo4j plans it as a read (query type 'r') on the service's database
and every operator of the plan is a known read operator. Anything else is refused: commands
the server plans but that are not data reads (SHOW ..., TERMINATE ...), writes, schema and
administration commands, LOAD CSV, procedures outside a short allow-list, and plans that could
reach the service's security nodes (API keys, the erasure suppression list, migration history).

Community Edition has no roles, so this check is the boundary; the READ access mode of the
session stays as the backstop.
"""

from __future__ import annotations

import re
from typing import Any

# Read-only procedures an analyst may call (schema introspection, the database's identity).
ALLOWED_PROCEDURES = frozenset({
    "db.labels", "db.relationshiptypes", "db.propertykeys", "db.schema.visualization",
    "db.schema.nodetypeproperties", "db.schema.reltypeproperties", "db.info", "db.ping",
})
# Procedures of the DBMS mode that only read. The server plans any DBMS-mode procedure as
# query type 's' (as it plans schema and administration changes), so a plan of type 's' is
# a read only when each procedure it calls is one of these. Not listed on purpose: those
# that show configuration, connections, queries or JMX beans (paths, clients, other users'
# queries).
DBMS_READ_PROCEDURES = frozenset({"dbms.components"})

# Labels analysts never see: key hashes and scopes, console sign-in sessions, hashed erased
# identities, destinations (webhook signing secrets and targets), migration state.
HIDDEN_LABELS = ("ApiKey", "ConsoleSession", "ErasedIdentity", "Destination", "__Neo4jMigration",
                 "__Neo4jMigrationsLock")
_HIDDEN_RE = re.compile(r"(?<![\w`])`?(?:" + "|".join(HIDDEN_LABELS) + r")`?(?![\w`])")
# Dynamic labels ($(...), $any(...), $all(...)) name labels only at run time.
_DYNAMIC_LABEL_RE = re.compile(r":\s*\$(?:any|all)?\(")

# Operators that read the graph, compute or shape rows. Names as the plan gives them, without
# the `@database` suffix and the `Partitioned` prefix of the parallel runtime.
_READ_OPERATORS = frozenset({
    # leaves anchored on a label, a relationship type or an index
    "NodeByLabelScan", "UnionNodeByLabelsScan", "IntersectionNodeByLabelsScan",
    "SubtractionNodeByLabelsScan", "NodeIndexSeek", "NodeUniqueIndexSeek", "MultiNodeIndexSeek",
    "AssertingMultiNodeIndexSeek", "NodeIndexSeekByRange", "NodeUniqueIndexSeekByRange",
    "NodeIndexContainsScan", "NodeIndexEndsWithScan", "NodeIndexScan",
    "DirectedAllRelationshipsScan", "UndirectedAllRelationshipsScan",
    "DirectedRelationshipTypeScan", "UndirectedRelationshipTypeScan",
    "DirectedUnionRelationshipTypesScan", "UndirectedUnionRelationshipTypesScan",
    "DirectedRelationshipIndexSeek", "UndirectedRelationshipIndexSeek",
    "DirectedRelationshipUniqueIndexSeek", "UndirectedRelationshipUniqueIndexSeek",
    "DirectedRelationshipIndexSeekByRange", "UndirectedRelationshipIndexSeekByRange",
    "DirectedRelationshipUniqueIndexSeekByRange", "UndirectedRelationshipUniqueIndexSeekByRange",
    "DirectedRelationshipIndexScan", "UndirectedRelationshipIndexScan",
    "DirectedRelationshipIndexContainsScan", "UndirectedRelationshipIndexContainsScan",
    "DirectedRelationshipIndexEndsWithScan", "UndirectedRelationshipIndexEndsWithScan",
    "NodeCountFromCountStore", "RelationshipCountFromCountStore", "Argument", "ArgumentTracker",
    "EmptyRow", "Input",
    # traversals
    "Expand(All)", "Expand(Into)", "OptionalExpand(All)", "OptionalExpand(Into)",
    "VarLengthExpand(All)", "VarLengthExpand(Into)", "VarLengthExpand(Pruning)",
    "VarLengthExpand(Pruning,BFS)", "BFSPruningVarExpand", "Repeat(Trail)", "Repeat(Walk)",
    "NullifyMetadata", "StatefulShortestPath(All)", "StatefulShortestPath(Into)",
    "ShortestPath", "ProjectEndpoints", "TriadicSelection", "TriadicBuild", "TriadicFilter",
    # joins, subqueries and predicates
    "Apply", "SemiApply", "AntiSemiApply", "LetSemiApply", "LetAntiSemiApply",
    "SelectOrSemiApply", "SelectOrAntiSemiApply", "LetSelectOrSemiApply",
    "LetSelectOrAntiSemiApply", "ConditionalApply", "AntiConditionalApply", "RollUpApply",
    "CartesianProduct", "NodeHashJoin", "ValueHashJoin", "NodeLeftOuterHashJoin",
    "NodeRightOuterHashJoin", "AssertSameNode", "AssertSameRelationship", "Optional", "Anti",
    "Union", "OrderedUnion",
    # row shaping
    "Filter", "Projection", "Distinct", "OrderedDistinct", "EagerAggregation",
    "OrderedAggregation", "Aggregation", "Limit", "ExhaustiveLimit", "Skip", "Sort",
    "PartialSort", "Top", "PartialTop", "Top1WithTies", "Unwind", "Eager", "CacheProperties",
    "ProduceResults", "EmptyResult", "ProcedureCall",
})


class PlanRefused(Exception):
    """`code`: `read_only` for anything that is not a read (writes, schema and administration,
    procedures off the allow lists, LOAD CSV); `unanchored_scan` for a read that would scan
    every node or seek by internal id; `not_visible` for security nodes and dynamic labels;
    `other_database` for a plan on another database."""

    def __init__(self, reason: str, code: str = "read_only") -> None:
        super().__init__(reason)
        self.reason = reason
        self.code = code


def _nodes(plan: Any) -> list[dict[str, Any]]:
    found, stack = [], [plan]
    while stack:
        node = stack.pop()
        if node:
            found.append(node)
            stack.extend(node.get("children") or [])
    return found


def check_plan(query_type: str | None, plan: Any, database: str) -> None:
    """Raises PlanRefused naming the reason unless the plan is an allowed read."""
    if query_type == "s" and plan and _only_dbms_reads(plan):
        query_type = "r"  # e.g. CALL dbms.components(): planned as 's', reads only
    if query_type != "r":
        kinds = {"w": "writes", "rw": "writes", "s": "schema or administration changes"}
        raise PlanRefused(kinds.get(query_type or "", "not a read query"))
    if not plan:
        raise PlanRefused("the server did not plan this as a query")
    for node in _nodes(plan):
        operator, _, where = str(node.get("operatorType", "")).partition("@")
        if where and where != database:
            raise PlanRefused(f"runs on database {where!r}; analysts read {database!r} only",
                              "other_database")
        name = operator.removeprefix("Partitioned")
        details = str((node.get("args") or {}).get("Details", ""))
        if name == "ProcedureCall":
            procedure = details.split("(")[0].strip().lower()
            if procedure not in ALLOWED_PROCEDURES | DBMS_READ_PROCEDURES:
                raise PlanRefused(f"procedure {procedure} is not an allowed read procedure")
        elif name == "LoadCSV":
            raise PlanRefused("LOAD CSV reads files and URLs")
        elif name == "AllNodesScan":
            raise PlanRefused("a scan of all nodes; anchor the pattern on a label, e.g. (u:User)",
                              "unanchored_scan")
        elif name.endswith(("ByIdSeek", "ByElementIdSeek")):
            raise PlanRefused("a seek by internal id; anchor the pattern on a label",
                              "unanchored_scan")
        elif name not in _READ_OPERATORS:
            raise PlanRefused(f"{name} is not a read of the graph")
        if _HIDDEN_RE.search(details):
            raise PlanRefused("API keys, erased identities and migration state are not "
                              "visible to analysts", "not_visible")
        if _DYNAMIC_LABEL_RE.search(details):
            raise PlanRefused("dynamic labels are not allowed; name labels in the query",
                              "not_visible")


def _only_dbms_reads(plan: Any) -> bool:
    """Whether every procedure the plan calls is a DBMS-mode read, and it calls one."""
    calls = [str((n.get("args") or {}).get("Details", "")).split("(")[0].strip().lower()
             for n in _nodes(plan)
             if str(n.get("operatorType", "")).partition("@")[0].removeprefix("Partitioned")
             == "ProcedureCall"]
    return bool(calls) and all(c in DBMS_READ_PROCEDURES for c in calls)
