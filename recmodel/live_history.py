"""How a shopper's live history becomes the weighted neighbourhood a model propagates
(numpy and the standard library only: the API, the replay benchmark and promotion share it).

weight(item) = sum over the shopper's last `history_limit` events on the item of
    type_weight[type] * 0.5 ** (age / half_life)
Ages are measured from the shopper's own latest event (never later than the request time),
so the last click counts most, and a customer returning after a year, or a history imported
from 2010, weighs as much as one from this morning: the vector is scaled to unit length
anyway, so the anchor changes nothing but the floating-point range (ages of years from the
wall clock underflowed every weight to zero). Only the relative ages inside one history
matter. The defaults are the values the Online Retail II validation replay chose for the
graph filter (bench/replay.py: 500 events, 30-day half-life, trained vector 0.25;
docs/benchmarks-gnn.md, "Live scoring"); a model's manifest may carry its own under "serving".
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

TYPE_WEIGHTS: dict[str, float] = {
    "order_completed": 3.0,
    "product_added": 2.0,
    "product_added_to_wishlist": 1.5,
    "product_clicked": 1.0,
    "product_viewed": 1.0,
}
HOUR_MS = 3_600_000.0


@dataclass(frozen=True)
class ServingParams:
    history_limit: int = 500  # most recent events read per request
    half_life_hours: float | None = 24.0 * 30  # None: no recency decay
    static_weight: float = 0.25  # share of the trained vector next to the live one
    type_weights: Mapping[str, float] = field(default_factory=lambda: dict(TYPE_WEIGHTS))

    @classmethod
    def from_manifest(cls, manifest: Mapping) -> ServingParams:
        raw = dict(manifest.get("serving") or {})
        known = {k: raw[k] for k in ("history_limit", "half_life_hours", "static_weight",
                                     "type_weights") if k in raw}
        return cls(**known)

    def as_dict(self) -> dict:
        return {**asdict(self), "type_weights": dict(self.type_weights)}


def weigh_history(events: Sequence[tuple[Any, ...]], now_ms: float,
                  item_row: Mapping[str, int], params: ServingParams) -> tuple[list[int],
                                                                                list[float]]:
    """Rows and weights of the items in `events` ((item_id, type, ts_ms), newest first) that the
    model holds; events of other types and unknown items carry no weight. Ages count back
    from the latest event of the history (`now_ms` when that is in the future)."""
    # Runs on every recommendation over up to `history_limit` events: names bound once, and
    # events read by position (a longer tuple, e.g. with the item's title, serves as well).
    weights: dict[int, float] = {}
    half = params.half_life_hours * HOUR_MS if params.half_life_hours else None
    anchor = min(now_ms, max((e[2] for e in events if e[2] is not None), default=now_ms))
    row_of = item_row.get
    weight_of = params.type_weights.get
    added = weights.get
    for event in events:
        row = row_of(event[0])
        base = weight_of(event[1])
        if row is None or not base:
            continue
        ts_ms = event[2]
        if half is not None and ts_ms is not None and anchor > ts_ms:
            base = base * 0.5 ** ((anchor - ts_ms) / half)
        weights[row] = added(row, 0.0) + base
    return list(weights), list(weights.values())
