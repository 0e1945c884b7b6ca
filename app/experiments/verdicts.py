"""The verdict on the decision metric, and why, in words a marketer reads (pure).

Verdicts: `waiting_for_first_look` (no completed UTC day yet), `insufficient_data` (too few
shoppers, or a control without variance, to plan the sample), `keep_running`,
`treatment_better` / `treatment_worse` (a boundary crossed: final), `no_detectable_difference`
(the planned sample reached without crossing: final) and `inconclusive` (stopped before the
planned sample without crossing: final, and underpowered).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime

from scipy import stats

from app.experiments.definition import ExperimentDefinition
from app.experiments.plan import MIN_SHOPPERS, Look, Plan

FINAL = frozenset({"treatment_better", "treatment_worse", "no_detectable_difference",
                   "inconclusive"})


@dataclass(frozen=True)
class Schedule:
    """When looks happen: at the end of each UTC day since the start."""

    first_look_at: datetime | None  # the end of the start's UTC day; None before a start
    next_look_at: datetime | None  # None once stopped
    first_look_passed: bool = False


def day_end(day: int) -> datetime:
    """The end of UTC day number `day` (the next midnight): when its look is due."""
    return datetime.fromtimestamp((day + 1) * 86400, UTC)


def day_date(day: int) -> str:
    """UTC day number `day` as an ISO date."""
    return datetime.fromtimestamp(day * 86400, UTC).date().isoformat()


def _at(when: datetime | None) -> str:
    return when.strftime("%Y-%m-%d %H:%M UTC") if when else "the next UTC midnight"


def detectable_lift(plan: Plan, definition: ExperimentDefinition, shoppers: int) -> float:
    """The relative lift this many shoppers per variant detect with the planned power."""
    z = float(stats.norm.isf(plan.alpha / 2) + stats.norm.ppf(definition.power))
    if shoppers <= 0 or plan.control_value <= 0:
        return math.inf
    return z * math.sqrt(2 * plan.control_unit_variance / shoppers) / plan.control_value


def decide(plan: Plan | None, definition: ExperimentDefinition, treatment: str, *,
           looks_due: bool, stopped: bool, smallest: int,
           schedule: Schedule | None) -> tuple[str, str]:
    """(verdict, the reason in words) for one treatment on the decision metric."""
    next_at = _at(schedule.next_look_at if schedule else None)
    if plan is None:
        return _unplanned(definition, looks_due=looks_due, stopped=stopped,
                          smallest=smallest, schedule=schedule, next_at=next_at)
    looks = plan.looks.get(treatment, ())
    crossed = next((k for k, look in enumerate(looks) if look.crossed), None)
    if crossed is not None:
        look = looks[crossed]
        better = look.z > 0
        return ("treatment_better" if better else "treatment_worse",
                f"Final: at look {crossed + 1} (end of {day_date(look.day)}) z = {look.z:.2f} "
                f"crossed the boundary ±{look.boundary:.2f}; {treatment} is "
                f"{'better' if better else 'worse'} than control.")
    last: Look | None = looks[-1] if looks else None
    if last is not None and last.final and last.information_fraction >= 1:
        return ("no_detectable_difference",
                f"Final: the planned {plan.required_per_variant} shoppers per variant were "
                f"reached without crossing the boundary (z = {last.z:.2f}, boundary "
                f"±{last.boundary:.2f}): no lift of {definition.minimum_detectable_effect:.0%} "
                "or more.")
    if stopped or (last is not None and last.final):
        reached = round((last.information_fraction if last else 0) * plan.required_per_variant)
        lift = detectable_lift(plan, definition, reached)
        crossing = (f"the final look (z = {last.z:.2f}) did not cross ±{last.boundary:.2f}"
                    if last is not None and last.final else "no look crossed its boundary")
        return ("inconclusive",
                f"Final: stopped at about {reached} of the planned "
                f"{plan.required_per_variant} shoppers per variant and {crossing}. With this "
                f"few shoppers only a lift of about ±{lift:.0%} could be detected reliably; "
                "a smaller one is not ruled out.")
    where = (f"at look {len(looks)} of about {plan.planned_looks} z = {last.z:.2f} is within "
             f"±{last.boundary:.2f}, with {last.information_fraction:.0%} of the planned "
             f"{plan.required_per_variant} shoppers per variant" if last is not None
             else "no look could be read yet")
    return "keep_running", f"Keep running: {where}. Next look at {next_at}."


def _unplanned(definition: ExperimentDefinition, *, looks_due: bool, stopped: bool,
               smallest: int, schedule: Schedule | None, next_at: str) -> tuple[str, str]:
    few = smallest < MIN_SHOPPERS
    need = (f"a verdict needs at least {MIN_SHOPPERS} shoppers in every variant "
            f"(the smallest has {smallest})" if few else
            f"the control has no variation in {definition.primary_metric} yet, so the "
            "sample size cannot be planned")
    if stopped:
        return "insufficient_data", f"Final: stopped before a verdict was possible: {need}."
    if not looks_due:
        if schedule is None or schedule.first_look_at is None:
            return ("waiting_for_first_look",
                    "Not started: looks are taken at the end of each UTC day once it runs.")
        extra = f" By then {need}." if few else ""
        return ("waiting_for_first_look",
                f"No verdict before the first look at {_at(schedule.first_look_at)}, the end "
                "of the experiment's first UTC day. Results are read at day ends only, so "
                "reading them often cannot inflate false positives; the estimates above "
                f"already include today.{extra}")
    return "insufficient_data", f"No verdict yet: {need}. Next look at {next_at}."
