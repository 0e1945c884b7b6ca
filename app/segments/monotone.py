"""Which conditions new events can only make true, never false.

A profile already in such a segment stays in it when all that happened to it is new events,
so the membership drain need not re-evaluate it (app/segments/membership/changes.py). Judged
conservatively: only what is provably monotone under added events and a later clock, given
that events are never changed once stored and only erasure (which deletes the profile) and
merges (re-evaluated in full) take events away.

Not monotone: traits and consents (set either way), segment references (the other segment
can lose members), `not`, sliding windows (events age out), max counts and aggregates (a
sum can fall: revenue can be negative), abandonment and sequences whose first step is
windowed, and item-property filters (the catalog can change an item's properties).
"""

from __future__ import annotations

from app.segments.definition import (
    AndCondition,
    Condition,
    EventCondition,
    EventFilter,
    OrCondition,
    SequenceCondition,
)
from app.segments.identifiers import is_item_field


def _event_filters_only(filters: list[EventFilter]) -> bool:
    return not any(is_item_field(f.field) for f in filters)


def monotone(cond: Condition) -> bool:
    """True when adding events (at any time, late ones included) and moving the clock
    forward can turn the condition from false to true but never from true to false."""
    match cond:
        case AndCondition(conditions=parts) | OrCondition(conditions=parts):
            return all(monotone(c) for c in parts)
        case EventCondition():
            # `between` is a fixed range: events only join it; `ts <= $now` only admits more
            return (cond.occurred and cond.within_days is None and cond.max_count is None
                    and cond.aggregate is None and _event_filters_only(cond.filters))
        case SequenceCondition():
            return (cond.then_occurred and cond.first_within_days is None
                    and _event_filters_only(cond.first.filters)
                    and _event_filters_only(cond.then.filters))
    return False
