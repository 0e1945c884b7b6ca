"""The frozen plan, recorded looks and the final reading of a stopped experiment (pure)."""

from __future__ import annotations

import numpy as np
import pytest

from app.experiments.definition import ExperimentDefinition
from app.experiments.outcomes import OutcomeRows
from app.experiments.plan import Plan, update
from app.experiments.results import build_results
from app.experiments.sequential import boundaries


def _definition(**overrides) -> ExperimentDefinition:
    body = {"id": "x", "name": "x", "minimum_detectable_effect": 0.1,
            "variants": [{"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
                         {"name": "gnn", "weight": 0.5, "strategy": {"kind": "model"}}]}
    body.update(overrides)
    return ExperimentDefinition.model_validate(body)


def _rows(variant: str, ctr: float, shoppers: int, day: int, seed: int,
          tag: str = "") -> list[dict]:
    rng = np.random.default_rng(seed)
    out = []
    for i in range(shoppers):
        exposures = int(1 + rng.poisson(1))
        out.append({"variant": variant, "shopper": f"{variant}{tag}-{day}-{i}", "day": day,
                    "exposures": exposures, "clicks": int(rng.binomial(exposures, ctr)),
                    "adds": 0, "conversions": 0, "revenue": 0.0})
    return out


def _primary(body: dict) -> dict:
    return next(c for c in body["comparisons"] if c["primary"])


def _clear_but_early() -> list[dict]:
    """300 shoppers an arm, 0.10 against 0.16: far below the planned sample for a 10 % MDE,
    and z ≈ 3: nowhere near an early O'Brien-Fleming boundary, beyond the final one."""
    return (_rows("control", 0.10, 150, 0, 1) + _rows("gnn", 0.16, 150, 0, 2)
            + _rows("control", 0.10, 150, 1, 3) + _rows("gnn", 0.16, 150, 1, 4))


def test_a_stopped_experiment_gets_a_final_reading() -> None:
    definition = _definition()
    running = _primary(build_results(definition, _clear_but_early(), [0, 1]))
    assert running["verdict"] == "keep_running" and not running["final"]
    assert 2 < running["sequential"]["looks"][-1]["z"] < running["sequential"]["looks"][-1][
        "boundary"]
    stopped = _primary(build_results(definition, _clear_but_early(), [0, 1], stopped=True))
    last = stopped["sequential"]["looks"][-1]
    # the final look spends all the alpha left: its boundary is near 1.96, not 10+
    assert last["final"] and last["boundary"] < 2.0
    assert stopped["verdict"] == "treatment_better" and stopped["final"]
    assert stopped["verdict_reason"].startswith("Final:")


def test_stopped_without_a_crossing_is_inconclusive_not_keep_running() -> None:
    rows = (_rows("control", 0.10, 150, 0, 1) + _rows("gnn", 0.10, 150, 0, 2)
            + _rows("control", 0.10, 150, 1, 3) + _rows("gnn", 0.10, 150, 1, 4))
    body = build_results(_definition(), rows, [0, 1], stopped=True)
    primary = _primary(body)
    assert primary["verdict"] == "inconclusive" and primary["final"]
    assert "stopped at about 300 of the planned" in primary["verdict_reason"]
    assert "could be detected reliably" in primary["verdict_reason"]
    few = _rows("control", 0.10, 40, 0, 1) + _rows("gnn", 0.10, 40, 0, 2)
    primary = _primary(build_results(_definition(), few, [0], stopped=True))
    assert primary["verdict"] == "insufficient_data" and primary["final"] is False
    assert primary["verdict_reason"].startswith("Final: stopped before a verdict")


def test_the_final_boundary_spends_all_the_alpha_left() -> None:
    early = boundaries([0.1, 0.3], 0.05)
    final = boundaries([0.1, 0.3], 0.05, last_is_final=True)
    assert final[0] == early[0]
    # O'Brien-Fleming spends almost nothing at t = 0.1: the final look gets nearly all of it
    assert final[1] == pytest.approx(1.96, abs=0.01) and final[1] < early[1] - 1
    assert boundaries([0.3], 0.05, last_is_final=True)[0] == pytest.approx(1.959964, abs=1e-5)


def test_the_plan_and_recorded_looks_do_not_move_with_later_data() -> None:
    definition = _definition(minimum_detectable_effect=1.0)  # a small plan: crossings happen
    first = _rows("control", 0.10, 200, 0, 1) + _rows("gnn", 0.30, 200, 0, 2)
    plan = update(None, definition, OutcomeRows.of(first), [0], False)
    assert plan is not None and plan.frozen_day == 0
    assert plan.looks["gnn"][-1].crossed
    stored = Plan.from_json(plan.to_json())
    assert stored == plan
    # Late events of day 0 (the control's shoppers clicked after all) and a second day: the
    # data now say the opposite, and would plan another size.
    late = ([{**r, "clicks": r["exposures"]} for r in first if r["variant"] == "control"]
            + [r for r in first if r["variant"] == "gnn"]
            + _rows("control", 0.50, 300, 1, 3) + _rows("gnn", 0.10, 300, 1, 4))
    again = update(stored, definition, OutcomeRows.of(late), [0, 1], False)
    assert again == stored  # concluded at look 1: nothing is added, nothing moves
    body = build_results(definition, late, [0, 1], plan=again)
    primary = _primary(body)
    assert primary["verdict"] == "treatment_better"  # recorded, although z is now < 0
    assert primary["difference"] < 0
    assert body["sample_size"]["required_per_variant"] == plan.required_per_variant
    assert body["sample_size"]["frozen"] and body["sample_size"]["frozen_on"] == "1970-01-01"
    fresh = update(None, definition, OutcomeRows.of(late), [0, 1], False)
    assert fresh is not None and fresh.required_per_variant != plan.required_per_variant


def test_looks_are_appended_not_recomputed() -> None:
    definition = _definition()
    day0 = _rows("control", 0.10, 150, 0, 1) + _rows("gnn", 0.11, 150, 0, 2)
    plan = update(None, definition, OutcomeRows.of(day0), [0], False)
    assert plan is not None and len(plan.looks["gnn"]) == 1
    later = ([{**r, "clicks": 0} for r in day0]  # late data changing day 0
             + _rows("control", 0.10, 150, 1, 3) + _rows("gnn", 0.11, 150, 1, 4))
    more = update(plan, definition, OutcomeRows.of(later), [0, 1], False)
    assert more is not None
    assert more.looks["gnn"][0] == plan.looks["gnn"][0]
    assert len(more.looks["gnn"]) == 2 and more.looks["gnn"][1].day == 1
    assert more.required_per_variant == plan.required_per_variant
