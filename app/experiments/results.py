"""Results of one experiment from its per-shopper, per-day outcome rows (pure: no I/O).

Estimates include every exposure so far. The verdict reads the looks recorded against the
frozen plan (plan.py, sequential.py): completed UTC days only, the last day of a stopped
experiment being the final look. The fixed-horizon p-value is valid only once the planned
sample is reached, and is labelled so. With more than one treatment, alpha is split
(Bonferroni).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from app.experiments import plan as plans
from app.experiments.definition import ExperimentDefinition
from app.experiments.estimates import (
    difference_interval,
    estimate_interval,
    guardrail_reading,
    lift_percent,
    number,
)
from app.experiments.outcomes import METRICS, OutcomeRows, ShopperTable, shopper_tables
from app.experiments.plan import MIN_SHOPPERS, Plan
from app.experiments.statistics import RatioEstimate, compare, sample_ratio_mismatch
from app.experiments.verdicts import FINAL, Schedule, day_date, decide

_UNSET: Any = object()


def _estimate_body(est: RatioEstimate, alpha: float, metric: str) -> dict[str, Any]:
    return {"value": number(est.value), "ci": estimate_interval(est, alpha, metric)}


def _variant_body(definition: ExperimentDefinition, name: str,
                  table: ShopperTable) -> dict[str, Any]:
    v = definition.variant(name)
    assert v is not None
    return {
        "name": v.name, "control": v.name == definition.control_name, "weight": v.weight,
        "strategy": v.strategy.model_dump(exclude_none=True),
        "exposures": int(table.exposures.sum()), "shoppers": len(table.exposures),
        "clicks": int(table.values["clicks"].sum()),
        "adds": int(table.values["adds"].sum()),
        "conversions": int(table.values["conversions"].sum()),
        "revenue": float(table.values["revenue"].sum()),
        **{m: _estimate_body(table.estimate(m), definition.alpha, m) for m in METRICS},
    }


def _sequential_body(plan: Plan | None, treatment: str) -> dict[str, Any] | None:
    if plan is None:
        return None
    looks = plan.looks.get(treatment, ())
    return {
        "looks": [{"day": day_date(k.day),
                   "information_fraction": round(k.information_fraction, 4),
                   "z": number(k.z), "boundary": number(k.boundary), "final": k.final}
                  for k in looks],
        "crossed_at_look": next((i for i, k in enumerate(looks) if k.crossed), None),
        "final_look_reached": bool(looks) and looks[-1].final,
    }


def _sample_size(definition: ExperimentDefinition, plan: Plan | None,
                 tables: Mapping[str, ShopperTable], smallest: int) -> dict[str, Any]:
    """The frozen plan's figures, or, before it is frozen, a provisional one from the data
    so far (labelled: it will change until the first look with enough data)."""
    if plan is not None:
        fixed, planned, looks = (plan.fixed_horizon_per_variant, plan.required_per_variant,
                                 plan.planned_looks)
    else:
        control = tables[definition.control_name].estimate(definition.primary_metric)
        fixed, planned = plans.required_per_variant(
            control, definition, plans.alpha_per_comparison(definition))
        looks = plans.planned_looks(definition)
    return {"required_per_variant": planned, "fixed_horizon_per_variant": fixed,
            "planned_daily_looks": looks, "frozen": plan is not None,
            "frozen_on": day_date(plan.frozen_day) if plan else None,
            "smallest_variant": smallest, "minimum_per_variant": MIN_SHOPPERS,
            "reached": planned is not None and smallest >= planned}


def build_results(definition: ExperimentDefinition, raw_rows: Sequence[Mapping[str, Any]],
                  completed_days: Sequence[int], *, plan: Plan | None = _UNSET,
                  stopped: bool = False, schedule: Schedule | None = None) -> dict[str, Any]:
    """`plan`: the stored plan as `plan.update` left it (by default made here from the rows,
    as a first read would); `stopped`: the last completed day is the final look."""
    rows = OutcomeRows.of(raw_rows)
    names = [v.name for v in definition.variants]
    control = definition.control_name
    treatments = [n for n in names if n != control]
    alpha = plans.alpha_per_comparison(definition)
    bandit = definition.mode == "bandit"
    if plan is _UNSET:
        plan = None if bandit else plans.update(None, definition, rows, completed_days,
                                                stopped)
    tables = shopper_tables(rows, names)
    smallest = min(len(tables[n].exposures) for n in names)
    looks_due = bool(completed_days) or stopped or bool(schedule and schedule.first_look_passed)
    comparisons = []
    for name in treatments:
        for metric in [definition.primary_metric, *definition.guardrail_metrics]:
            c, t = tables[control].estimate(metric), tables[name].estimate(metric)
            cmp = compare(c, t, alpha)
            primary = metric == definition.primary_metric
            interval = difference_interval(cmp, metric, estimate_interval(c, alpha, metric),
                                           estimate_interval(t, alpha, metric))
            verdict = reason = None
            if primary and not bandit:
                verdict, reason = decide(plan, definition, name, looks_due=looks_due,
                                         stopped=stopped, smallest=smallest,
                                         schedule=schedule)
            comparisons.append({
                "variant": name, "metric": metric, "primary": primary,
                # the decision metric decides; guardrails only warn of harm
                "role": "decision" if primary else "guardrail",
                "difference": number(cmp.difference), "ci": interval,
                "relative_lift": number(cmp.relative_lift),
                "relative_lift_percent": lift_percent(cmp),
                "p_value_fixed_horizon": number(cmp.p_value),
                "probability_to_beat_control": number(cmp.probability_to_beat_control),
                "sequential": _sequential_body(plan, name) if primary else None,
                "verdict": verdict, "verdict_reason": reason,
                "final": verdict in FINAL if verdict else None,
                "guardrail": None if primary else guardrail_reading(interval),
            })
    shoppers = [len(tables[n].exposures) for n in names]
    srm = sample_ratio_mismatch(shoppers, [v.weight for v in definition.variants])
    return {
        "alpha": definition.alpha, "alpha_per_comparison": alpha,
        "primary_metric": definition.primary_metric,
        "decision_metric": definition.primary_metric,
        "variants": [_variant_body(definition, n, tables[n]) for n in names],
        "comparisons": comparisons,
        "sample_ratio_mismatch": None if bandit else {
            "chi2": srm.chi2, "p_value": srm.p_value, "flagged": srm.flagged,
            "observed_shoppers": srm.observed, "expected_shoppers": srm.expected},
        "sample_size": _sample_size(definition, plan, tables, smallest),
        "looks": None if bandit else {
            "first_look_at": _iso(schedule.first_look_at if schedule else None),
            "next_look_at": _iso(schedule.next_look_at if schedule else None),
            "taken": max((len(plan.looks.get(n, ())) for n in treatments), default=0)
            if plan else 0},
        "crossover_shoppers": _crossovers(raw_rows),
    }


def _iso(when: Any) -> str | None:
    return when.isoformat() if when is not None else None


def _crossovers(rows: Sequence[Mapping[str, Any]]) -> int:
    """Shoppers with exposures in more than one variant (profiles merged across variants)."""
    seen: dict[str, set[str]] = {}
    for r in rows:
        seen.setdefault(r["shopper"], set()).add(r["variant"])
    return sum(1 for variants in seen.values() if len(variants) > 1)
