"""The statement that re-evaluates one segment for a list of users and applies the entries
and exits it finds.

Its text depends only on the segment's compiled predicate (parameters unprefixed, values
passed as parameters), so Neo4j plans it once per segment version, whatever other segments
an ingest touches. Several run in one transaction, in reference order: a segment that refers
to another reads the memberships written by the earlier statement. The text is assembled
from compiled predicates only (generated from validated definitions), never client strings.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from app.db.queries import queries
from app.segments.compiler import CompiledSegment


def segment_update(compiled: CompiledSegment) -> str:
    """One row, `changes`: a list of {user_id, segment_id, change ('entered'/'exited')}."""
    return queries["segments/update_membership"].replace("__PREDICATE__", compiled.predicate)


def update_params(compiled: CompiledSegment, segment_id: str, user_ids: list[str],
                  full: set[str], now: datetime) -> dict[str, Any]:
    """`full`: the users to evaluate whatever their membership. The others only had new
    events, so a current member of a monotone segment stays one without evaluation."""
    users = [{"id": u, "full": not compiled.monotone or u in full} for u in user_ids]
    return compiled.parameters(now, segment_id=segment_id, users=users)
