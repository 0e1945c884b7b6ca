"""Statistics against closed forms and scipy's own tests (pure functions, no database)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from app.experiments import sequential
from app.experiments.statistics import (
    compare,
    fixed_horizon_sample_size,
    ratio_estimate,
    sample_ratio_mismatch,
)


def _bernoulli(n: int, k: int) -> tuple[np.ndarray, np.ndarray]:
    y = np.zeros(n)
    y[:k] = 1
    return np.ones(n), y


def test_one_exposure_per_shopper_is_the_binomial() -> None:
    x, y = _bernoulli(1000, 120)
    est = ratio_estimate(x, y)
    p = 0.12
    assert est.value == pytest.approx(p)
    # the delta method with ddof=1 is the binomial variance times n/(n-1)
    assert est.variance == pytest.approx(p * (1 - p) / 1000 * 1000 / 999, rel=1e-12)


def test_delta_method_matches_the_ratio_variance_of_clustered_data() -> None:
    """Against the variance of Σy/Σx over many simulated samples."""
    rng = np.random.default_rng(7)
    estimates, predicted = [], []
    for _ in range(400):
        x = rng.integers(1, 8, size=500).astype(float)
        rate = rng.beta(2, 10, size=500)  # shopper heterogeneity: clustered clicks
        y = rng.binomial(x.astype(int), rate).astype(float)
        est = ratio_estimate(x, y)
        estimates.append(est.value)
        predicted.append(est.variance)
    assert np.mean(predicted) == pytest.approx(np.var(estimates), rel=0.15)


def test_z_test_equals_the_pooled_free_chi_square_case() -> None:
    """Unpooled two-proportion z-test: z = (p2 - p1) / sqrt(p1 q1/n1 + p2 q2/n2)."""
    c, t = ratio_estimate(*_bernoulli(2000, 200)), ratio_estimate(*_bernoulli(2000, 250))
    cmp = compare(c, t, 0.05)
    p1, p2 = 0.1, 0.125
    se = math.sqrt(p1 * (1 - p1) / 1999 + p2 * (1 - p2) / 1999)
    assert cmp.z == pytest.approx((p2 - p1) / se, rel=1e-9)
    assert cmp.p_value == pytest.approx(2 * stats.norm.sf(cmp.z), rel=1e-9)
    assert cmp.probability_to_beat_control == pytest.approx(stats.norm.cdf(cmp.z))
    assert cmp.relative_lift == pytest.approx(0.25)
    low, high = cmp.interval
    assert (low + high) / 2 == pytest.approx(0.025) and low > 0


def test_identical_variants_give_no_evidence() -> None:
    a = ratio_estimate(*_bernoulli(500, 50))
    cmp = compare(a, a, 0.05)
    assert cmp.z == 0 and cmp.p_value == pytest.approx(1.0)
    assert cmp.probability_to_beat_control == pytest.approx(0.5)


def test_srm_flags_52_48_at_20000_and_not_an_honest_split() -> None:
    flagged = sample_ratio_mismatch([10_400, 9_600], [0.5, 0.5])
    assert flagged.chi2 == pytest.approx(2 * 400**2 / 10_000)  # Pearson's statistic by hand
    assert flagged.p_value == pytest.approx(stats.chi2.sf(32.0, 1))
    assert flagged.flagged
    honest = sample_ratio_mismatch([10_050, 9_950], [0.5, 0.5])
    assert not honest.flagged
    uneven = sample_ratio_mismatch([2_000, 8_000], [0.2, 0.8])
    assert uneven.chi2 == pytest.approx(0.0) and not uneven.flagged


def test_sample_size_closed_form() -> None:
    # p = 0.1, +10 % relative: n = (1.959964 + 0.841621)^2 * 2 * 0.09 / 0.01^2
    n = fixed_horizon_sample_size(0.09 + 0.09, 0.1, 0.1, 0.05, 0.8)
    z = stats.norm.isf(0.025) + stats.norm.ppf(0.8)
    assert n == math.ceil(z * z * 2 * 0.09 / 0.0001)
    assert 14_120 < n < 14_140
    assert fixed_horizon_sample_size(0.0, 0.1, 0.1, 0.05, 0.8) is None


def test_spending_and_boundaries() -> None:
    assert sequential.spent(1.0, 0.05) == 0.05
    assert sequential.spent(0.0, 0.05) == 0.0
    # one look is the fixed-horizon test
    assert sequential.boundaries([1.0], 0.05)[0] == pytest.approx(stats.norm.isf(0.025))
    # the first of several looks spends alpha(t1): c1 = z_{alpha/2} / sqrt(t1)
    cs = sequential.boundaries([0.25, 0.5, 0.75, 1.0], 0.05)
    assert cs[0] == pytest.approx(stats.norm.isf(0.025) / math.sqrt(0.25), rel=1e-9)
    assert cs == sorted(cs, reverse=True)
    assert 1.96 < cs[-1] < 2.1  # the final boundary is a little above 1.96


def test_group_sequential_keeps_alpha_under_daily_looks() -> None:
    """Brownian motion under H0, 10 unequally spaced looks: crossing rate close to alpha."""
    rng = np.random.default_rng(3)
    fractions = np.cumsum(rng.uniform(0.5, 1.5, size=10))
    fractions = fractions / fractions[-1]
    cs = np.array(sequential.boundaries(list(fractions), 0.05))
    steps = np.diff(np.concatenate([[0.0], fractions]))
    paths = np.cumsum(rng.normal(size=(100_000, 10)) * np.sqrt(steps), axis=1)
    z = paths / np.sqrt(fractions)
    rate = np.mean(np.any(np.abs(z) >= cs, axis=1))
    assert 0.045 < rate < 0.055
    # reading every look against 1.96 instead would not
    naive = np.mean(np.any(np.abs(z) >= 1.96, axis=1))
    assert naive > 0.1


def test_read_skips_empty_looks_and_stops_at_the_final_one() -> None:
    looks, crossed = sequential.read([0.2, 0.2, 0.6, 1.3, 1.6], [0.5, 0.5, 1.0, 3.0, 5.0],
                                     0.05)
    assert [k.t for k in looks] == [0.2, 0.6, 1.0]
    assert crossed == 2


def test_power_of_the_design_matches_its_inflation() -> None:
    fixed = stats.norm.isf(0.025) + stats.norm.ppf(0.8)
    factor = sequential.inflation(10, 0.05, 0.8)
    assert 1.0 < factor < 1.1
    assert sequential.power(10, 0.05, fixed * math.sqrt(factor)) == pytest.approx(0.8, abs=1e-3)
    assert sequential.power(1, 0.05, fixed) == pytest.approx(0.8, abs=1e-3)
