"""Results of one experiment from its per-shopper, per-day outcome rows (pure: no I/O).

Estimates include every exposure so far. The sequential verdict reads completed UTC days
only (see sequential.py); the fixed-horizon p-value is valid only once the planned sample is
reached, and is labelled so. With more than one treatment, alpha is split (Bonferroni).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from app.experiments import sequential
from app.experiments.definition import ExperimentDefinition
from app.experiments.estimates import (
    difference_interval,
    estimate_interval,
    guardrail_reading,
    lift_percent,
    number,
)
from app.experiments.statistics import (
    RatioEstimate,
    compare,
    fixed_horizon_sample_size,
    ratio_estimate,
    sample_ratio_mismatch,
)

METRICS = {"ctr": "clicks", "conversion": "conversions", "revenue_per_exposure": "revenue"}
MIN_SHOPPERS = 100  # per variant, before any verdict: below it the normal approximations fail
DEFAULT_LOOKS = 14  # planned daily looks when the definition has no start and stop


@dataclass(frozen=True)
class ShopperTable:
    """Per-shopper sums of one variant, up to some day."""

    exposures: np.ndarray
    values: Mapping[str, np.ndarray]  # clicks, adds, conversions, revenue

    def estimate(self, metric: str) -> RatioEstimate:
        return ratio_estimate(self.exposures, self.values[METRICS[metric]])


FIELDS = ("exposures", "clicks", "adds", "conversions", "revenue")


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


def _estimate_body(est: RatioEstimate, alpha: float, metric: str) -> dict[str, Any]:
    return {"value": number(est.value), "ci": estimate_interval(est, alpha, metric)}


def planned_looks(definition: ExperimentDefinition) -> int:
    if definition.start is not None and definition.stop is not None:
        return max(1, math.ceil((definition.stop - definition.start).total_seconds() / 86400))
    return DEFAULT_LOOKS


def required_per_variant(control: RatioEstimate, definition: ExperimentDefinition,
                         alpha: float) -> tuple[int | None, int | None]:
    """(fixed-horizon n, n for the sequential design) per variant: the effect is the minimum
    detectable one on control's level, each arm's per-shopper variance the control's (the
    treatment's is unknown when the plan is made; docs/experiments.md)."""
    fixed = fixed_horizon_sample_size(2 * control.unit_variance, control.value,
                                      definition.minimum_detectable_effect, alpha,
                                      definition.power)
    if fixed is None:
        return None, None
    factor = sequential.inflation(planned_looks(definition), alpha, definition.power)
    return fixed, math.ceil(fixed * factor)


def sequential_reading(rows: OutcomeRows, control: str, treatment: str,
                       metric: str, days: Sequence[int], planned: int,
                       alpha: float) -> dict[str, Any]:
    fractions, zs = [], []
    for day in days:
        tables = shopper_tables(rows, [control, treatment], last_day=day)
        c, t = tables[control].estimate(metric), tables[treatment].estimate(metric)
        comparison = compare(c, t, alpha)
        fractions.append(min(c.shoppers, t.shoppers) / planned)
        zs.append(comparison.z)
    looks, crossed = sequential.read(fractions, zs, alpha)
    return {
        "looks": [{"information_fraction": round(k.t, 4), "z": number(k.z),
                   "boundary": number(k.boundary)} for k in looks],
        "crossed_at_look": crossed,
        "final_look_reached": bool(looks) and looks[-1].t >= 1,
    }


def verdict(reading: dict[str, Any] | None, guard_ok: bool) -> str:
    if not guard_ok or reading is None:
        return "insufficient_data"
    if reading["crossed_at_look"] is not None:
        crossed = reading["looks"][reading["crossed_at_look"]]["z"]
        return "treatment_better" if crossed > 0 else "treatment_worse"
    if reading["final_look_reached"]:
        return "no_detectable_difference"
    return "keep_running"


def build_results(definition: ExperimentDefinition, raw_rows: Sequence[Mapping[str, Any]],
                  completed_days: Sequence[int]) -> dict[str, Any]:
    rows = OutcomeRows.of(raw_rows)
    names = [v.name for v in definition.variants]
    control = definition.control_name
    treatments = [n for n in names if n != control]
    alpha = definition.alpha / max(1, len(treatments))
    tables = shopper_tables(rows, names)
    metrics = [definition.primary_metric, *definition.guardrail_metrics]
    variants = []
    for v in definition.variants:
        table = tables[v.name]
        variants.append({
            "name": v.name, "control": v.name == control, "weight": v.weight,
            "strategy": v.strategy.model_dump(exclude_none=True),
            "exposures": int(table.exposures.sum()), "shoppers": len(table.exposures),
            "clicks": int(table.values["clicks"].sum()),
            "adds": int(table.values["adds"].sum()),
            "conversions": int(table.values["conversions"].sum()),
            "revenue": float(table.values["revenue"].sum()),
            **{m: _estimate_body(table.estimate(m), definition.alpha, m) for m in METRICS},
        })
    control_primary = tables[control].estimate(definition.primary_metric)
    fixed_n, planned_n = required_per_variant(control_primary, definition, alpha)
    smallest = min(len(tables[n].exposures) for n in names)
    guard_ok = planned_n is not None and smallest >= MIN_SHOPPERS
    bandit = definition.mode == "bandit"
    comparisons = []
    for name in treatments:
        for metric in metrics:
            c, t = tables[control].estimate(metric), tables[name].estimate(metric)
            cmp = compare(c, t, alpha)
            primary = metric == definition.primary_metric
            reading = None
            if primary and guard_ok and not bandit and planned_n:
                reading = sequential_reading(rows, control, name, metric, completed_days,
                                             planned_n, alpha)
            interval = difference_interval(cmp, metric, estimate_interval(c, alpha, metric),
                                           estimate_interval(t, alpha, metric))
            comparisons.append({
                "variant": name, "metric": metric, "primary": primary,
                # the decision metric decides; guardrails only warn of harm
                "role": "decision" if primary else "guardrail",
                "difference": number(cmp.difference), "ci": interval,
                "relative_lift": number(cmp.relative_lift),
                "relative_lift_percent": lift_percent(cmp),
                "p_value_fixed_horizon": number(cmp.p_value),
                "probability_to_beat_control": number(cmp.probability_to_beat_control),
                "sequential": reading,
                "verdict": verdict(reading, guard_ok) if primary and not bandit
                else None,
                "guardrail": None if primary else guardrail_reading(interval),
            })
    shoppers = [len(tables[n].exposures) for n in names]
    srm = sample_ratio_mismatch(shoppers, [v.weight for v in definition.variants])
    return {
        "alpha": definition.alpha, "alpha_per_comparison": alpha,
        "primary_metric": definition.primary_metric,
        "decision_metric": definition.primary_metric, "variants": variants,
        "comparisons": comparisons,
        "sample_ratio_mismatch": None if bandit else {
            "chi2": srm.chi2, "p_value": srm.p_value, "flagged": srm.flagged,
            "observed_shoppers": srm.observed, "expected_shoppers": srm.expected},
        "sample_size": {
            "required_per_variant": planned_n, "fixed_horizon_per_variant": fixed_n,
            "planned_daily_looks": planned_looks(definition),
            "smallest_variant": smallest, "minimum_per_variant": MIN_SHOPPERS,
            "reached": planned_n is not None and smallest >= planned_n},
        "crossover_shoppers": _crossovers(raw_rows),
    }


def _crossovers(rows: Sequence[Mapping[str, Any]]) -> int:
    """Shoppers with exposures in more than one variant (profiles merged across variants)."""
    seen: dict[str, set[str]] = {}
    for r in rows:
        seen.setdefault(r["shopper"], set()).add(r["variant"])
    return sum(1 for variants in seen.values() if len(variants) > 1)
