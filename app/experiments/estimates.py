"""How estimates are reported: intervals kept within each metric's range, the lift as a
percentage, and a guardrail's reading (pure)."""

from __future__ import annotations

import math

from app.experiments.statistics import Comparison, RatioEstimate

RATES = frozenset({"ctr", "conversion"})  # shares of exposures: within [0, 1]


def number(value: float | None) -> float | None:
    """JSON-safe: NaN and infinities become null."""
    return None if value is None or not math.isfinite(value) else float(value)


def _clip(value: float, low: float, high: float) -> float | None:
    return None if math.isnan(value) else number(min(max(value, low), high))


def estimate_interval(est: RatioEstimate, alpha: float, metric: str) -> list[float | None]:
    """The interval of one variant's estimate within the metric's range: a rate's within
    [0, 1], revenue's at or above 0. With no success at all (or only successes) the delta
    method has no spread, so a rate gets the exact Clopper-Pearson bound over its shoppers
    (the unit; conservative for several exposures each) and revenue no upper bound (null)."""
    if not math.isfinite(est.value):
        return [None, None]
    low, high = est.interval(alpha)
    if metric in RATES:
        shoppers = max(est.shoppers, 1)
        if est.numerator <= 0:
            return [0.0, float(1 - (alpha / 2) ** (1 / shoppers))]
        if est.numerator >= est.denominator:
            return [float((alpha / 2) ** (1 / shoppers)), 1.0]
        return [_clip(low, 0.0, 1.0), _clip(high, 0.0, 1.0)]
    if est.numerator <= 0:
        return [0.0, None]
    return [_clip(low, 0.0, math.inf), number(high)]


def difference_interval(cmp: Comparison, metric: str, control: list[float | None],
                        treatment: list[float | None]) -> list[float | None]:
    """A difference of two rates lies within [-1, 1]. With no spread in either arm (no
    success anywhere, say) the normal interval is a point; then the arms' own intervals
    bound it: [t_low - c_high, t_high - c_low], or nothing when one has no bound."""
    low, high = cmp.interval
    if not (math.isfinite(cmp.se) and cmp.se > 0) and math.isfinite(cmp.difference):
        if None in control or None in treatment:
            return [None, None]
        low = treatment[0] - control[1]  # type: ignore[operator]
        high = treatment[1] - control[0]  # type: ignore[operator]
    if metric in RATES:
        return [_clip(low, -1.0, 1.0), _clip(high, -1.0, 1.0)]
    return [number(low), number(high)]


def lift_percent(cmp: Comparison) -> float | None:
    """The relative lift over control in percent (+52.9 for a lift of 0.529)."""
    lift = number(cmp.relative_lift)
    return None if lift is None else round(lift * 100, 2)


def guardrail_reading(interval: list[float | None]) -> str | None:
    """A guardrail is read from its interval only (no verdict, no probability): `worse`
    when the whole interval is below 0 (harm), `better` when above, else
    `no_difference_detected`."""
    low, high = interval
    if low is None or high is None:
        return None
    if high < 0:
        return "worse"
    if low > 0:
        return "better"
    return "no_difference_detected"
