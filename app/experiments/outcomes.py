"""The per-shopper, per-day outcome rows of an experiment as columns, and per-shopper sums
of one variant up to a day (pure)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.experiments.statistics import RatioEstimate, ratio_estimate

METRICS = {"ctr": "clicks", "conversion": "conversions", "revenue_per_exposure": "revenue"}
FIELDS = ("exposures", "clicks", "adds", "conversions", "revenue")


@dataclass(frozen=True)
class ShopperTable:
    """Per-shopper sums of one variant, up to some day."""

    exposures: np.ndarray
    values: Mapping[str, np.ndarray]  # clicks, adds, conversions, revenue

    def estimate(self, metric: str) -> RatioEstimate:
        return ratio_estimate(self.exposures, self.values[METRICS[metric]])


@dataclass(frozen=True)
class OutcomeRows:
    """The rows of cypher/experiments/list_outcome_rows.cypher as columns."""

    variant: np.ndarray
    shopper: np.ndarray  # integer codes
    day: np.ndarray
    columns: Mapping[str, np.ndarray]

    @classmethod
    def of(cls, rows: Sequence[Mapping[str, Any]]) -> OutcomeRows:
        codes: dict[Any, int] = {}
        shopper = np.array([codes.setdefault(r["shopper"], len(codes)) for r in rows],
                           dtype=np.int64)
        return cls(np.array([r["variant"] for r in rows], dtype=object), shopper,
                   np.array([r["day"] for r in rows], dtype=np.int64),
                   {f: np.array([float(r[f]) for r in rows], dtype=float) for f in FIELDS})


def shopper_tables(rows: OutcomeRows, variants: Sequence[str],
                   last_day: int | None = None) -> dict[str, ShopperTable]:
    out = {}
    for name in variants:
        mask = rows.variant == name
        if last_day is not None:
            mask &= rows.day <= last_day
        _, index = np.unique(rows.shopper[mask], return_inverse=True)
        size = int(index.max()) + 1 if len(index) else 0
        totals = {f: np.bincount(index, weights=rows.columns[f][mask], minlength=size)
                  for f in FIELDS}
        out[name] = ShopperTable(totals.pop("exposures"), totals)
    return out
