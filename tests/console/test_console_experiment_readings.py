"""What the experiment results page says about a reading (pure rendering from real results):
the decision metric against guardrails, the lift in percent, and intervals with nothing
observed yet."""

from __future__ import annotations

import re
from typing import Any

from app.console.experiments_view import results_view
from app.console.rendering import TEMPLATES
from app.experiments.bandit_snapshots import allocation_body, arm_counts
from app.experiments.definition import ExperimentDefinition
from app.experiments.results import build_results
from tests.experiments.test_results import _fixed, guardrail_rows

DASH = " \u2013 "  # the en dash between an interval's ends


def render(rows: list[dict], **overrides: Any) -> str:
    body = {"id": "guard", "name": "Guardrails", "guardrail_metrics": ["revenue_per_exposure"],
            "variants": [{"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
                         {"name": "gnn", "weight": 0.5, "strategy": {"kind": "model"}}],
            **overrides}
    definition = ExperimentDefinition.model_validate(body)
    results = {**build_results(definition, rows, [0]), "experiment_id": "guard",
               "mode": definition.mode, "status": "running",
               "computed_at": "2026-01-01T00:00:00+00:00"}
    detail = {"experiment_id": "guard", "name": "Guardrails", "status": "running",
              "version": 1, "definition": definition.model_dump(exclude_none=True)}
    return TEMPLATES.get_template("experiment_detail.html").render(
        session=None, nav=[], path="/console/experiments/guard", csrf_token="t", notice=None,
        error=None, **results_view(detail, results))


def _comparison_row(page: str, label: str) -> str:
    rows = re.findall(r"<tr[^>]*>\s*<td>gnn</td>.*?</tr>", page, re.S)
    return next(r for r in rows if label in r)


def test_only_the_decision_metric_reads_as_a_verdict() -> None:
    page = render(guardrail_rows())
    assert re.search(r'id="decision-metric">CTR', page)
    decision = _comparison_row(page, "CTR")
    guardrail = _comparison_row(page, "Revenue per exposure")
    assert "(decision)" in decision and "(guardrail)" in guardrail
    assert re.search(r'class="num lift">\+50\.0%', decision)
    assert re.search(r'class="num probability">\d+\.\d%', decision)
    # revenue is up with P(beat) > 90 %, but its interval includes 0: no probability shown
    # as if it decided, and the reading says so
    assert 'class="num probability">—' in guardrail
    assert "Guardrail: no harm detected" in guardrail


def test_zero_conversions_show_a_bound_not_zero_to_zero() -> None:
    rows = _fixed("control", 200, 20) + _fixed("gnn", 200, 30)  # no orders at all
    page = render(rows)
    assert f"0.0000{DASH}0.0000" not in page and f"0.00{DASH}0.00" not in page
    cells = re.findall(r'data-metric="conversion">(.*?)</td>', page, re.S)
    assert len(cells) == 2
    for cell in cells:
        assert f"0.0000{DASH}0.0183" in cell and "no conversions yet" in cell
    revenue = re.findall(r'data-metric="revenue_per_exposure">(.*?)</td>', page, re.S)
    assert all("no orders yet" in cell for cell in revenue)


def test_a_bandit_shows_the_share_each_arm_gets_now() -> None:
    rows = _fixed("control", 300, 10) + _fixed("gnn", 100, 30)
    body = {"id": "guard", "name": "Bandit", "mode": "bandit",
            "variants": [{"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
                         {"name": "gnn", "weight": 0.5, "strategy": {"kind": "model"}}]}
    definition = ExperimentDefinition.model_validate(body)
    results = build_results(definition, rows, [0])
    counts = arm_counts(definition, rows)
    results |= allocation_body(definition, results["variants"], counts, None)
    results |= {"experiment_id": "guard", "mode": "bandit", "status": "running",
                "computed_at": "2026-01-01T00:00:00+00:00"}
    detail = {"experiment_id": "guard", "name": "Bandit", "status": "running", "version": 1,
              "definition": definition.model_dump(exclude_none=True)}
    page = TEMPLATES.get_template("experiment_detail.html").render(
        session=None, nav=[], path="/console/experiments/guard", csrf_token="t", notice=None,
        error=None, **results_view(detail, results))
    assert "Share of new shoppers now" in page
    cells = re.findall(r'class="num allocation">(.*?)</td>', page, re.S)
    shares = [float(c.split("%")[0]) for c in cells]
    assert shares[1] > 90 and shares[0] >= 5  # gnn clicks 30 %, control 3 %; floor 5 %
    assert all("declared 0.5" in c for c in cells)
