"""What other parts of the service learn after an ingest transaction committed.

Intake calls every registered listener with the users whose data changed and the event
types they received; segment membership uses it to re-evaluate only affected segments.
Listeners run after the commit, so a slow or failing listener never loses an event.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field

from app.core.metrics import INGEST_LISTENER_FAILURES

log = logging.getLogger("profilegraph.ingest_hooks")


@dataclass(frozen=True)
class IngestedChange:
    # user_id -> event types stored for that user in this batch ("identify", "consent" for
    # trait or consent changes without a behavioural event)
    types_by_user: Mapping[str, frozenset[str]]
    # user ids merged away by identify/alias in this batch (old id -> surviving id)
    merged: Mapping[str, str] = field(default_factory=dict)
    # user ids erased (GDPR): drop every derived copy (serving vectors, caches, memberships)
    erased: frozenset[str] = frozenset()
    # whether the transaction recorded segment-membership work (intake records it for every
    # profile it changes, segments or not); callers outside intake leave it true
    membership_work: bool = True


Listener = Callable[[IngestedChange], Awaitable[None]]


class IngestHooks:
    def __init__(self) -> None:
        self._listeners: list[Listener] = []

    def register(self, listener: Listener) -> None:
        self._listeners.append(listener)

    async def notify(self, change: IngestedChange) -> None:
        for listener in self._listeners:
            try:
                await listener(change)
            except Exception:  # the events are committed; a listener failure must not undo that
                # Counted on /metrics; membership work is durable in the graph, so a failed
                # listener delays it but loses nothing.
                INGEST_LISTENER_FAILURES.labels(getattr(listener, "__qualname__", "?")).inc()
                log.exception("ingest listener %r failed", listener)
