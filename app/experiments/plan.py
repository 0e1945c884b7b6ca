"""The plan of an A/B experiment, frozen once and kept in the graph, and the daily looks
recorded against it (pure: the service stores what `update` returns).

The plan (shoppers needed per variant, planned number of daily looks) is made at the first
look that has the data for it: the end of the first completed UTC day with at least
MIN_SHOPPERS shoppers in every variant and a control whose metric varies, from the data up
to that day. It never changes afterwards, whatever later data or an edited `stop` say.

A look, once taken, is recorded with its information fraction, z and boundary. Later
events (a late click counts for the exposure's day) move the estimates, not a recorded look:
so a boundary already passed does not move and a verdict once reached does not flip. A look
is taken by the first results read after its day ends; days nobody read are taken together
at the next read, each from the data up to its own day.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from app.experiments import sequential
from app.experiments.definition import ExperimentDefinition
from app.experiments.estimates import RATES
from app.experiments.outcomes import OutcomeRows, shopper_tables
from app.experiments.statistics import RatioEstimate, compare, fixed_horizon_sample_size

MIN_SHOPPERS = 100  # per variant, before any verdict: below it the normal approximations fail
DEFAULT_LOOKS = 14  # planned daily looks when the definition has no start and stop


@dataclass(frozen=True)
class Look:
    day: int  # UTC day number: the look is at the end of it
    information_fraction: float  # shoppers in the smaller arm over the planned number, ≤ 1
    z: float
    boundary: float  # |z| at or above this rejects
    final: bool  # the planned sample reached, or the last day of a stopped experiment

    @property
    def crossed(self) -> bool:
        return abs(self.z) >= self.boundary


@dataclass(frozen=True)
class Plan:
    required_per_variant: int  # the sequential design's
    fixed_horizon_per_variant: int
    planned_looks: int
    frozen_day: int  # the day whose data made the plan (also the first look)
    metric: str
    alpha: float  # per comparison (Bonferroni)
    control_value: float
    control_unit_variance: float
    looks: Mapping[str, tuple[Look, ...]] = field(default_factory=dict)  # per treatment

    def to_json(self) -> str:
        body = asdict(self)
        body["looks"] = {k: [asdict(look) for look in v] for k, v in self.looks.items()}
        return json.dumps(body, sort_keys=True)

    @classmethod
    def from_json(cls, text: str) -> Plan:
        body: dict[str, Any] = json.loads(text)
        looks = {k: tuple(Look(**look) for look in v) for k, v in body.pop("looks").items()}
        return cls(**body, looks=looks)

    def concluded(self, treatment: str) -> bool:
        looks = self.looks.get(treatment, ())
        return bool(looks) and (looks[-1].crossed or looks[-1].final)


def planned_looks(definition: ExperimentDefinition) -> int:
    if definition.start is not None and definition.stop is not None:
        return max(1, math.ceil((definition.stop - definition.start).total_seconds() / 86400))
    return DEFAULT_LOOKS


def alternative_variance(control: RatioEstimate, definition: ExperimentDefinition) -> float:
    """The treatment's per-shopper variance if it had exactly the minimum detectable effect,
    from the control's data alone: for a rate the control's scaled by the binomial
    p(1 - p) at the lifted rate; for revenue per exposure the control's."""
    variance = control.unit_variance
    if definition.primary_metric not in RATES or not 0 < control.value < 1:
        return variance
    lifted = min(control.value * (1 + definition.minimum_detectable_effect), 1 - 1e-9)
    return variance * lifted * (1 - lifted) / (control.value * (1 - control.value))


def required_per_variant(control: RatioEstimate, definition: ExperimentDefinition,
                         alpha: float) -> tuple[int | None, int | None]:
    """(fixed-horizon n, n for the sequential design) per variant, from the control's data
    only (the treatment's results must not move its own plan): the effect is the minimum
    detectable one on control's level, the variances the control's and the treatment's at
    that effect (docs/experiments.md)."""
    fixed = fixed_horizon_sample_size(
        control.unit_variance + alternative_variance(control, definition), control.value,
        definition.minimum_detectable_effect, alpha, definition.power)
    if fixed is None:
        return None, None
    factor = sequential.inflation(planned_looks(definition), alpha, definition.power)
    return fixed, math.ceil(fixed * factor)


def alpha_per_comparison(definition: ExperimentDefinition) -> float:
    return definition.alpha / max(1, len(definition.variants) - 1)


def freeze(definition: ExperimentDefinition, rows: OutcomeRows,
           days: Sequence[int]) -> Plan | None:
    """The plan from the first completed day with the data for one, or None yet."""
    names = [v.name for v in definition.variants]
    alpha = alpha_per_comparison(definition)
    for day in sorted(days):
        tables = shopper_tables(rows, names, last_day=day)
        if min(len(t.exposures) for t in tables.values()) < MIN_SHOPPERS:
            continue
        control = tables[definition.control_name].estimate(definition.primary_metric)
        fixed, planned = required_per_variant(control, definition, alpha)
        if fixed is None or planned is None:
            continue
        return Plan(planned, fixed, planned_looks(definition), day, definition.primary_metric,
                    alpha, control.value, control.unit_variance)
    return None


def _new_looks(plan: Plan, definition: ExperimentDefinition, rows: OutcomeRows,
               treatment: str, days: Sequence[int], stopped: bool) -> tuple[Look, ...]:
    recorded = list(plan.looks.get(treatment, ()))
    after = recorded[-1].day if recorded else plan.frozen_day - 1
    last_day = max(days) if days else None
    control = definition.control_name
    for day in sorted(d for d in days if d > after):
        tables = shopper_tables(rows, [control, treatment], last_day=day)
        c, t = tables[control].estimate(plan.metric), tables[treatment].estimate(plan.metric)
        z = compare(c, t, plan.alpha).z
        fraction = min(c.shoppers, t.shoppers) / plan.required_per_variant
        previous = recorded[-1].information_fraction if recorded else 0.0
        if not math.isfinite(z) or fraction <= previous:
            continue  # nothing new to read at this day's end
        fraction = min(fraction, 1.0)
        final = fraction >= 1 or (stopped and day == last_day)
        fractions = [look.information_fraction for look in recorded] + [fraction]
        boundary = sequential.boundaries(fractions, plan.alpha, last_is_final=final)[-1]
        recorded.append(Look(day, fraction, float(z), float(boundary), final))
        if recorded[-1].crossed or final:
            break
    return tuple(recorded)


def update(stored: Plan | None, definition: ExperimentDefinition, rows: OutcomeRows,
           days: Sequence[int], stopped: bool) -> Plan | None:
    """The stored plan with the looks of the completed `days` not recorded yet (the plan
    frozen first when there is none). `stopped`: the last of `days` is the final look."""
    plan = stored or freeze(definition, rows, days)
    if plan is None:
        return None
    treatments = [v.name for v in definition.variants if v.name != definition.control_name]
    looks = {name: plan.looks.get(name, ()) if plan.concluded(name)
             else _new_looks(plan, definition, rows, name, days, stopped)
             for name in treatments}
    return replace(plan, looks=looks)
