"""Per-condition results of an unsaved definition for one user (the builder's live preview).

Saved segments are explained by `SegmentService.explain_member`; this does the same for a
condition that exists only in the editor, with the compiler's generated predicates.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from app.db.queries import queries
from app.segments.compiler import compile_condition
from app.segments.condition_tree import children
from app.segments.definition import Condition
from app.segments.membership import MembershipRepository
from app.segments.segment_service import condition_pointers


class DraftExplainer:
    def __init__(self, members: MembershipRepository,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC)) -> None:
        self._members = members
        self._clock = clock

    async def explain(self, condition: Condition, user_id: str) -> dict[str, Any] | None:
        """{matches, conditions: [{pointer, type, matches, condition}]}, None for no user."""
        compiled = compile_condition(condition)
        cypher = queries["segments/explain_conditions"].replace(
            "__PREDICATES__", ", ".join(compiled.node_predicates))
        rows = await self._members.run_compiled(
            cypher, compiled.parameters(self._clock(), user_id=user_id))
        if not rows:
            return None
        results = rows[0]["results"]
        nodes = condition_pointers(condition)
        return {"matches": results[0],
                "conditions": [{"pointer": p, "type": c.type, "matches": r,
                                "condition": c.model_dump(mode="json", exclude_none=True)
                                if not children(c) else None}
                               for (p, c), r in zip(nodes, results, strict=True)]}
