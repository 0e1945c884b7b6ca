"""Per-user deltas of the computed traits, from the events one batch stores.

The database adds them to the profile in the same transaction (counters add, first/last take
min/max, engagement decays): all commutative, so concurrent batches for one user stay exact.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from app.intake.messages import epoch_ms

ENGAGEMENT_HALF_LIFE_DAYS = 14.0
ENGAGEMENT_TAU_S = ENGAGEMENT_HALF_LIFE_DAYS * 86400 / math.log(2)
ENGAGEMENT_WEIGHTS = {"product_added": 3.0, "checkout_started": 5.0, "order_completed": 10.0}
# RFM score thresholds (score = 1 + number of thresholds reached).
RFM_PARAMS: dict[str, list[float]] = {
    # recency: days since the last order, at most this many days for scores 5, 4, 3, 2
    "rfm_recency_days": [14, 30, 90, 180],
    "rfm_frequency": [2, 3, 5, 10],  # orders
    "rfm_monetary": [100.0, 500.0, 1000.0, 2000.0],  # revenue
}


@dataclass(slots=True)
class UserDelta:
    user_id: str
    events: int = 0
    type_counts: dict[str, int] = field(default_factory=dict)
    first_ts: datetime | None = None
    last_ts: datetime | None = None
    orders: int = 0
    revenue: float = 0.0
    last_order_ts: datetime | None = None
    _weighted: list[tuple[datetime, float]] = field(default_factory=list)

    def add(self, event_type: str, ts: datetime, revenue: float | None) -> None:
        self.events += 1
        self.type_counts[event_type] = self.type_counts.get(event_type, 0) + 1
        self.first_ts = ts if self.first_ts is None or ts < self.first_ts else self.first_ts
        self.last_ts = ts if self.last_ts is None or ts > self.last_ts else self.last_ts
        if revenue is not None:
            self.orders += 1
            self.revenue += revenue
            if self.last_order_ts is None or ts > self.last_order_ts:
                self.last_order_ts = ts
        self._weighted.append((ts, ENGAGEMENT_WEIGHTS.get(event_type, 1.0)))

    def as_param(self) -> dict[str, Any]:
        assert self.last_ts is not None
        engagement = sum(
            w * math.exp(-(self.last_ts - ts).total_seconds() / ENGAGEMENT_TAU_S)
            for ts, w in self._weighted
        )
        return {
            "user_id": self.user_id, "events": self.events, "type_counts": self.type_counts,
            "first_ms": epoch_ms(self.first_ts) if self.first_ts else None,
            "last_ms": epoch_ms(self.last_ts), "orders": self.orders, "revenue": self.revenue,
            "last_order_ms": epoch_ms(self.last_order_ts) if self.last_order_ts else None,
            "engagement": engagement,
        }


def rfm_params() -> dict[str, Any]:
    return {"rfm": RFM_PARAMS, "tau_s": ENGAGEMENT_TAU_S}


def _days_between(start: datetime, end: datetime) -> int:
    """Whole days from start to end, truncated toward zero (Cypher `duration.inDays().days`)."""
    delta = end - start
    return delta.days if delta >= timedelta(0) else -((-delta).days)


def fresh_profile(traits: dict[str, Any], delta: dict[str, Any] | None,
                  now: datetime) -> dict[str, Any]:
    """The computed traits of a profile the batch creates: what `intake/upsert_users` would
    derive from an empty profile and the batch's delta, except the datetimes (sent as epoch
    milliseconds in the delta). Scalars only, so it can be written with one `SET u += map`."""
    out = dict(traits)
    if delta is None:
        return out
    out["event_count"] = delta["events"]
    out["engagement_score"] = 0.0 + delta["engagement"]
    for event_type, n in delta["type_counts"].items():
        out["count_" + event_type] = n
    if delta["orders"] > 0:
        out["order_count"] = delta["orders"]
        revenue = 0.0 + delta["revenue"]
        out["revenue_total"] = revenue
        if delta["last_order_ms"] is not None:
            last_order = datetime.fromtimestamp(delta["last_order_ms"] / 1000, UTC)
            recency = _days_between(last_order, now)
            out["rfm_recency_days"] = recency
            out["rfm_r"] = 5 - sum(1 for t in RFM_PARAMS["rfm_recency_days"] if recency > t)
            out["rfm_f"] = 1 + sum(1 for t in RFM_PARAMS["rfm_frequency"] if delta["orders"] >= t)
            out["rfm_m"] = 1 + sum(1 for t in RFM_PARAMS["rfm_monetary"] if revenue >= t)
    return out
