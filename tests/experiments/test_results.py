"""The results builder on synthetic per-shopper rows (pure, no database)."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import pytest
from scipy import stats

from app.experiments.definition import ExperimentDefinition
from app.experiments.results import build_results
from app.experiments.statistics import ratio_estimate
from app.experiments.verdicts import Schedule


def _definition(**overrides) -> ExperimentDefinition:
    body = {"id": "x", "name": "x", "minimum_detectable_effect": 0.2,
            "guardrail_metrics": ["conversion"],
            "variants": [{"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
                         {"name": "gnn", "weight": 0.5, "strategy": {"kind": "model"}}]}
    body.update(overrides)
    return ExperimentDefinition.model_validate(body)


def _rows(rng: np.random.Generator, variant: str, ctr: float, per_day: int,
          days: int) -> list[dict]:
    rows = []
    for day in range(days):
        for i in range(per_day):
            exposures = int(1 + rng.poisson(1))
            rows.append({"variant": variant, "shopper": f"{variant}-{day}-{i}", "day": day,
                         "exposures": exposures, "clicks": int(rng.binomial(exposures, ctr)),
                         "adds": 0, "conversions": 0, "revenue": 0.0})
    return rows


def test_a_clear_winner_is_called_at_a_daily_look() -> None:
    rng = np.random.default_rng(5)
    rows = _rows(rng, "control", 0.10, 400, 10) + _rows(rng, "gnn", 0.16, 400, 10)
    body = build_results(_definition(), rows, list(range(10)))
    primary = next(c for c in body["comparisons"] if c["primary"])
    assert primary["verdict"] == "treatment_better"
    assert primary["sequential"]["crossed_at_look"] is not None
    assert primary["probability_to_beat_control"] > 0.99
    assert primary["relative_lift"] > 0.3
    guardrail = next(c for c in body["comparisons"] if not c["primary"])
    assert guardrail["metric"] == "conversion" and guardrail["verdict"] is None
    assert not body["sample_ratio_mismatch"]["flagged"]
    assert body["sample_size"]["required_per_variant"] >= \
        body["sample_size"]["fixed_horizon_per_variant"]


def test_no_difference_keeps_running_then_concludes() -> None:
    rng = np.random.default_rng(6)
    rows = _rows(rng, "control", 0.10, 150, 3) + _rows(rng, "gnn", 0.10, 150, 3)
    body = build_results(_definition(), rows, [0, 1, 2])
    primary = next(c for c in body["comparisons"] if c["primary"])
    assert primary["verdict"] == "keep_running"
    assert not body["sample_size"]["reached"]
    big = _rows(rng, "control", 0.10, 2000, 4) + _rows(rng, "gnn", 0.10, 2000, 4)
    body = build_results(_definition(), big, [0, 1, 2, 3])
    primary = next(c for c in body["comparisons"] if c["primary"])
    assert body["sample_size"]["reached"]
    assert primary["verdict"] == "no_detectable_difference"


def test_today_is_not_a_look_and_small_samples_get_no_verdict() -> None:
    rng = np.random.default_rng(7)
    rows = _rows(rng, "control", 0.10, 400, 2) + _rows(rng, "gnn", 0.30, 400, 2)
    first = datetime(2026, 3, 2, tzinfo=UTC)
    body = build_results(_definition(), rows, [],  # no completed day yet
                         schedule=Schedule(first_look_at=first, next_look_at=first))
    primary = next(c for c in body["comparisons"] if c["primary"])
    assert primary["verdict"] == "waiting_for_first_look" and primary["sequential"] is None
    assert "first look at 2026-03-02 00:00 UTC" in primary["verdict_reason"]
    assert body["looks"]["first_look_at"] == "2026-03-02T00:00:00+00:00"
    assert primary["p_value_fixed_horizon"] < 1e-4  # however clear, no verdict before it
    few = _rows(rng, "control", 0.10, 50, 1) + _rows(rng, "gnn", 0.30, 50, 1)
    body = build_results(_definition(), few, [0])
    assert next(c for c in body["comparisons"] if c["primary"])["verdict"] == \
        "insufficient_data"


def test_bandit_results_are_descriptive() -> None:
    rng = np.random.default_rng(8)
    rows = _rows(rng, "control", 0.10, 300, 2) + _rows(rng, "gnn", 0.20, 100, 2)
    body = build_results(_definition(mode="bandit"), rows, [0, 1])
    assert body["sample_ratio_mismatch"] is None
    assert all(c["verdict"] is None for c in body["comparisons"])


def test_sample_size_is_planned_from_the_controls_data() -> None:
    """docs/experiments.md: n = (z_{1-a/2} + z_power)² · (var_c + var_a) / δ², var_c the
    control's per-shopper variance and var_a the treatment's at the minimum detectable
    effect, scaled from var_c; the treatment's own data (far noisier here) do not count."""
    rng = np.random.default_rng(9)
    rows = _rows(rng, "control", 0.10, 300, 1) + _rows(rng, "gnn", 0.40, 300, 1)
    definition = _definition()
    body = build_results(definition, rows, [0])
    control = next(v for v in body["variants"] if v["name"] == "control")
    table = [r for r in rows if r["variant"] == "control"]
    x = np.array([r["exposures"] for r in table], dtype=float)
    y = np.array([r["clicks"] for r in table], dtype=float)
    est = ratio_estimate(x, y)
    assert control["ctr"]["value"] == pytest.approx(est.value)
    z = stats.norm.isf(definition.alpha / 2) + stats.norm.ppf(definition.power)
    delta = est.value * definition.minimum_detectable_effect
    lifted = est.value * (1 + definition.minimum_detectable_effect)
    var_a = est.unit_variance * lifted * (1 - lifted) / (est.value * (1 - est.value))
    expected = math.ceil(z * z * (est.unit_variance + var_a) / (delta * delta))
    assert body["sample_size"]["fixed_horizon_per_variant"] == expected


def _fixed(variant: str, shoppers: int, clicks: int, conversions: int = 0,
           revenue: float = 0.0) -> list[dict]:
    return [{"variant": variant, "shopper": f"{variant}-{i}", "day": 0, "exposures": 1,
             "clicks": int(i < clicks), "adds": 0, "conversions": int(i < conversions),
             "revenue": revenue if i < conversions else 0.0} for i in range(shoppers)]


def test_intervals_stay_within_each_metrics_range() -> None:
    # 3 clicks in 120: the delta-method interval would start at -0.003
    rows = _fixed("control", 120, 3) + _fixed("gnn", 120, 120, conversions=2, revenue=5.0)
    body = build_results(_definition(guardrail_metrics=["revenue_per_exposure"]), rows, [0])
    by_name = {v["name"]: v for v in body["variants"]}
    low, high = by_name["control"]["ctr"]["ci"]
    assert low == 0.0 and 0.025 < high < 0.06
    # every exposure clicked: the exact lower bound, the upper at 1
    low, high = by_name["gnn"]["ctr"]["ci"]
    assert high == 1.0 and low == pytest.approx(0.025 ** (1 / 120))
    # no conversion at all: not "0 - 0" but the exact (Clopper-Pearson) upper bound
    assert by_name["control"]["conversion"]["ci"] == [0.0, pytest.approx(1 - 0.025 ** (1 / 120))]
    # no revenue at all: nothing bounds it from above
    assert by_name["control"]["revenue_per_exposure"]["ci"] == [0.0, None]
    assert by_name["gnn"]["revenue_per_exposure"]["ci"][0] == 0.0  # 2 orders: clipped at 0
    for c in body["comparisons"]:
        assert c["ci"][0] is None or -1.0 <= c["ci"][0] <= c["ci"][1] <= (
            1.0 if c["metric"] != "revenue_per_exposure" else math.inf)


def guardrail_rows() -> list[dict]:
    """CTR decides (+50 %); revenue per exposure is up too, with P(beat) above 0.9, but
    its interval includes 0."""
    return (_fixed("control", 300, 30, conversions=10, revenue=10.0)
            + _fixed("gnn", 300, 45, conversions=17, revenue=10.0))


def test_the_decision_metric_is_named_and_guardrails_only_warn() -> None:
    body = build_results(_definition(guardrail_metrics=["revenue_per_exposure"]),
                         guardrail_rows(), [0])
    assert body["decision_metric"] == "ctr"
    decision = next(c for c in body["comparisons"] if c["role"] == "decision")
    guardrail = next(c for c in body["comparisons"] if c["role"] == "guardrail")
    assert decision["metric"] == "ctr" and decision["guardrail"] is None
    assert decision["relative_lift_percent"] == pytest.approx(50.0)
    assert decision["relative_lift_percent"] == round(decision["relative_lift"] * 100, 2)
    assert guardrail["metric"] == "revenue_per_exposure" and guardrail["verdict"] is None
    assert guardrail["probability_to_beat_control"] > 0.9
    assert guardrail["ci"][0] < 0 < guardrail["ci"][1]
    assert guardrail["guardrail"] == "no_difference_detected"
