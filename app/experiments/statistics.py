"""Per-variant estimates and comparisons, with the shopper as the unit of analysis.

Shoppers are what is randomized, and one shopper's exposures are correlated, so every
per-exposure metric (CTR, conversion, revenue per exposure) is a ratio of per-shopper sums,
Σy / Σx, with its variance from the delta method (Deng, Lu & Litz 2018). With one exposure
per shopper it reduces to the binomial p(1-p)/n. Distributions come from scipy.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

SRM_ALPHA = 0.001  # the conventional threshold: SRM checks run on every read


@dataclass(frozen=True)
class RatioEstimate:
    value: float
    variance: float  # of the estimate, not of one shopper
    shoppers: int
    denominator: float  # Σx (exposures)
    numerator: float  # Σy

    @property
    def se(self) -> float:
        return math.sqrt(max(self.variance, 0.0))

    def interval(self, alpha: float) -> tuple[float, float]:
        z = float(stats.norm.isf(alpha / 2))
        return self.value - z * self.se, self.value + z * self.se

    @property
    def unit_variance(self) -> float:
        """Variance of one shopper's contribution: what sample-size planning scales."""
        return self.variance * self.shoppers


def ratio_estimate(x: np.ndarray, y: np.ndarray) -> RatioEstimate:
    """Σy/Σx over shoppers, delta-method variance: (s_yy - 2R s_xy + R² s_xx) / (n x̄²)."""
    n = len(x)
    sx, sy = float(x.sum()), float(y.sum())
    if n == 0 or sx <= 0:
        return RatioEstimate(math.nan, math.nan, n, sx, sy)
    r = sy / sx
    if n < 2:
        return RatioEstimate(r, math.nan, n, sx, sy)
    cov = np.cov(np.vstack([x, y]), ddof=1)
    mean_x = sx / n
    var = (cov[1, 1] - 2 * r * cov[0, 1] + r * r * cov[0, 0]) / (n * mean_x * mean_x)
    return RatioEstimate(r, float(max(var, 0.0)), n, sx, sy)


@dataclass(frozen=True)
class Comparison:
    difference: float
    se: float
    z: float
    p_value: float  # two-sided, fixed horizon
    probability_to_beat_control: float
    interval: tuple[float, float]
    relative_lift: float | None


def compare(control: RatioEstimate, treatment: RatioEstimate, alpha: float) -> Comparison:
    """Welch-style z-test on the difference, and the Bayesian probability that the treatment
    beats the control: with flat priors the posterior of the difference is approximately
    N(d, se²), so P(treatment > control) = Φ(d / se)."""
    d = treatment.value - control.value
    se = math.sqrt(control.variance + treatment.variance)
    if not math.isfinite(d) or not math.isfinite(se):
        return Comparison(math.nan, math.nan, math.nan, math.nan, math.nan,
                          (math.nan, math.nan), None)
    z = d / se if se > 0 else (0.0 if d == 0 else math.copysign(math.inf, d))
    p = float(2 * stats.norm.sf(abs(z)))
    beat = float(stats.norm.cdf(z))
    half = float(stats.norm.isf(alpha / 2)) * se
    lift = d / control.value if control.value else None
    return Comparison(d, se, z, p, beat, (d - half, d + half), lift)


@dataclass(frozen=True)
class SrmCheck:
    chi2: float
    p_value: float
    flagged: bool
    observed: list[int]
    expected: list[float]


def sample_ratio_mismatch(observed: Sequence[int], weights: Sequence[float]) -> SrmCheck:
    """Pearson chi-square of shoppers per variant against the declared split."""
    total = sum(observed)
    expected = [total * w for w in weights]
    if total == 0:
        return SrmCheck(0.0, 1.0, False, list(observed), expected)
    chi2, p = stats.chisquare(list(observed), f_exp=expected)
    return SrmCheck(float(chi2), float(p), bool(p < SRM_ALPHA), list(observed), expected)


def fixed_horizon_sample_size(variance_sum: float, baseline: float, relative_mde: float,
                              alpha: float, power: float) -> int | None:
    """Shoppers per variant for a two-sided z-test to detect baseline * relative_mde:
    n = (z_{1-alpha/2} + z_{power})² · (sigma_c² + sigma_t²) / δ², with the per-shopper
    variances of the two arms."""
    delta = abs(baseline * relative_mde)
    if not (math.isfinite(variance_sum) and variance_sum > 0 and delta > 0):
        return None
    z = float(stats.norm.isf(alpha / 2) + stats.norm.ppf(power))
    return math.ceil(z * z * variance_sum / (delta * delta))
