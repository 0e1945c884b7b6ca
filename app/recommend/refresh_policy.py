"""When the model refresh rebuilds: pure rules over the refresh state kept in the graph.

A build starts when the store changed enough since the last one (`min_new_events` events or
`min_new_items` items), or went quiet for `settle_s` after a smaller burst (a tenth of
`min_new_events`: the tail of an import), or changed at all and the model is older than
`max_age_s`, or no model is promoted yet; never sooner than `cooldown_s` after the previous
build started (an import in progress is built at most once per cooldown, then once more when
it ends). A
failed build is retried after the cooldown, doubled for each failure in a row (at most 16x).
A build is "full" (every family the install offers: minutes to tens of minutes) when a model
is promoted and the last full build, or before any the first build, is older than
`full_interval_s`; else "quick" (the graph filter only), so a new store or an import is never
kept waiting for the slow families.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class RefreshPolicy:
    min_new_events: int
    min_new_items: int
    max_age_s: float
    cooldown_s: float
    full_interval_s: float  # 0: never a full build
    settle_s: float = 60.0  # quiet this long after a burst: build


@dataclass(frozen=True)
class RefreshState:
    """The store's counts now and the last build's record (`ModelRefresh` node)."""

    events: int
    items: int
    has_model: bool
    started_at: datetime | None = None
    finished_at: datetime | None = None
    lease_until: datetime | None = None
    outcome: str | None = None
    events_at_build: int = 0
    items_at_build: int = 0
    failed_in_row: int = 0
    last_full_at: datetime | None = None
    first_finished_at: datetime | None = None
    quiet_s: float | None = None  # how long this process has seen the counts unchanged

    @classmethod
    def of(cls, events: int, items: int, has_model: bool, node: dict[str, Any] | None,
           quiet_s: float | None = None) -> RefreshState:
        n = node or {}
        return cls(events, items, has_model, n.get("started_at"), n.get("finished_at"),
                   n.get("lease_until"), n.get("outcome"), int(n.get("events_at_build") or 0),
                   int(n.get("items_at_build") or 0), int(n.get("failed_in_row") or 0),
                   n.get("last_full_at"), n.get("first_finished_at"), quiet_s)

    @property
    def new_events(self) -> int:
        return max(0, self.events - self.events_at_build)

    @property
    def new_items(self) -> int:
        return max(0, self.items - self.items_at_build)


@dataclass(frozen=True)
class Decision:
    build: bool
    why: str
    kind: str = "quick"  # or "full"


def decide(state: RefreshState, policy: RefreshPolicy, now: datetime,
           full_available: bool) -> Decision:
    if state.lease_until is not None and state.lease_until > now:
        return Decision(False, "a build is running")
    if state.events == 0:
        return Decision(False, "the store has no events yet")
    since_start = (now - state.started_at).total_seconds() if state.started_at else None
    wait = policy.cooldown_s * (min(2 ** (state.failed_in_row - 1), 16)
                                if state.outcome == "failed" and state.failed_in_row else 1)
    if since_start is not None and since_start < wait:
        return Decision(False, f"the last build started {since_start:.0f} s ago")
    changed = state.new_events > 0 or state.new_items > 0
    why = None
    if state.outcome == "failed":
        why = "the last build failed"
    elif not state.has_model and (changed or state.outcome != "empty"):
        why = "no model is promoted"
    elif state.new_events >= policy.min_new_events:
        why = f"{state.new_events} new events"
    elif state.new_items >= policy.min_new_items:
        why = f"{state.new_items} new items"
    elif state.quiet_s is not None and state.quiet_s >= policy.settle_s and (
            state.new_events >= max(1, policy.min_new_events // 10) or state.new_items):
        why = (f"the store went quiet {state.quiet_s:.0f} s ago after {state.new_events} "
               f"new events")
    elif changed and state.finished_at is not None and \
            (now - state.finished_at).total_seconds() >= policy.max_age_s:
        why = f"the model is older than {policy.max_age_s:.0f} s and the store changed"
    if why is None:
        return Decision(False, "not enough change since the last build")
    since_full = state.last_full_at or state.first_finished_at
    full_due = (full_available and policy.full_interval_s > 0 and state.has_model
                and since_full is not None
                and (now - since_full).total_seconds() >= policy.full_interval_s)
    return Decision(True, why, "full" if full_due else "quick")
