"""Full-refresh and preview statements around a compiled segment query.

The set difference between today's members and the stored `IN_SEGMENT` edges is computed in
Cypher, in batches, so member lists never travel to the service: entries are the compiled
query's users without an edge, exits are members for whom the predicate is now false. The
fixed text lives in cypher/segments/; only compiled text (generated from validated
definitions) is spliced in.
"""

from __future__ import annotations

from app.db.queries import queries
from app.segments.compiler import CompiledSegment


def entries_statement(compiled: CompiledSegment) -> str:
    """Needs an auto-commit transaction (`CALL ... IN TRANSACTIONS`). Returns `entered`."""
    return queries["segments/refresh_entries"].replace("__SEGMENT_QUERY__", compiled.cypher)


def exits_statement(compiled: CompiledSegment) -> str:
    """Needs an auto-commit transaction. Returns `exited`."""
    return queries["segments/refresh_exits"].replace("__PREDICATE__", compiled.predicate)


def preview_statement(compiled: CompiledSegment) -> str:
    """`count` and the first `$sample_size` members in user_id order, in one row."""
    return queries["segments/preview_members"].replace("__SEGMENT_QUERY__", compiled.cypher)
