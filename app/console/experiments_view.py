"""The experiments pages: the list with a create form, and one experiment's results with
intervals as a plot, the sequential verdict and the sample-ratio-mismatch warning.

The form builds an ordinary definition document; the experiments service validates it with
the same model as the API, and its field pointers are mapped back onto the form's inputs.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from app.console.charts import interval_plot
from app.core.errors import ApiError
from app.experiments.experiment_service import ExperimentService

VARIANT_ROWS = 4  # form rows; blank ones are left out of the document
METRIC_LABELS = {"ctr": "CTR", "conversion": "Conversion",
                 "revenue_per_exposure": "Revenue per exposure"}
NONE_YET = {"ctr": "no clicks yet", "conversion": "no conversions yet",
            "revenue_per_exposure": "no orders yet"}
GUARDRAILS = {"worse": "Guardrail: worse than control (harm)",
              "better": "Guardrail: better than control",
              "no_difference_detected": "Guardrail: no harm detected (its interval includes 0)"}
VERDICTS = {"treatment_better": "Treatment better than control",
            "treatment_worse": "Treatment worse than control",
            "no_detectable_difference": "No detectable difference (final look reached)",
            "keep_running": "Keep running: no boundary crossed yet",
            "insufficient_data": "Insufficient data for a verdict yet",
            "waiting_for_first_look": "Waiting for the first look",
            "inconclusive": "Inconclusive: stopped before the planned sample"}


@dataclass
class VariantRow:
    name: str = ""
    weight: str = ""
    kind: str = "popular"
    live: bool = True

    @property
    def blank(self) -> bool:
        return not (self.name.strip() or self.weight.strip())


@dataclass
class ExperimentForm:
    id: str = ""
    name: str = ""
    traffic: str = "1"
    primary_metric: str = "ctr"
    rows: list[VariantRow] = field(default_factory=lambda: [
        VariantRow("control", "0.5", "popular"), VariantRow("gnn", "0.5", "model"),
        *[VariantRow() for _ in range(VARIANT_ROWS - 2)]])
    # input id -> reasons, and the issues with no input of their own
    errors: dict[str, list[str]] = field(default_factory=dict)
    issues: list[dict[str, str]] = field(default_factory=list)


def _text(form: Mapping[str, Any], key: str, limit: int = 200) -> str:
    value = form.get(key, "")
    return value.strip()[:limit] if isinstance(value, str) else ""


def _number(text: str) -> float | str:
    """A float when the text is one; otherwise the text, for the model to name the field."""
    try:
        return float(text)
    except ValueError:
        return text


def parse_form(form: Mapping[str, Any]) -> ExperimentForm:
    rows = [VariantRow(_text(form, f"v{i}_name", 32), _text(form, f"v{i}_weight", 32),
                       "model" if _text(form, f"v{i}_kind") == "model" else "popular",
                       _text(form, f"v{i}_live") == "on")
            for i in range(VARIANT_ROWS)]
    return ExperimentForm(_text(form, "id", 64), _text(form, "name"),
                          _text(form, "traffic", 32) or "1",
                          _text(form, "primary_metric", 32) or "ctr", rows)


def to_document(form: ExperimentForm) -> tuple[dict[str, Any], list[int]]:
    """The definition document and, per variant in it, the form row it came from."""
    used = [i for i, r in enumerate(form.rows) if not r.blank]
    variants = []
    for i in used:
        row = form.rows[i]
        strategy: dict[str, Any] = {"kind": row.kind}
        if row.kind == "model":
            strategy["live"] = row.live
        variants.append({"name": row.name, "weight": _number(row.weight),
                         "strategy": strategy})
    return ({"id": form.id, "name": form.name, "variants": variants,
             "traffic": _number(form.traffic), "primary_metric": form.primary_metric}, used)


def input_for(pointer: str, used: list[int]) -> str | None:
    """The form input a JSON pointer from the validator names (None: no single input)."""
    parts = pointer.strip("/").split("/")
    if parts[0] in ("id", "name", "traffic", "primary_metric") and len(parts) == 1:
        return "exp-" + parts[0].replace("_", "-")
    if parts[0] == "variants" and len(parts) >= 3 and parts[1].isdigit() \
            and int(parts[1]) < len(used):
        leaf = {"name": "name", "weight": "weight", "strategy": "kind"}.get(parts[2])
        return f"v{used[int(parts[1])]}_{leaf}" if leaf else None
    return None


def attach_errors(form: ExperimentForm, error: ApiError, used: list[int]) -> None:
    fields = error.fields or [{"field": "", "reason": error.message}]
    for f in fields:
        target = input_for(f.get("field", ""), used)
        if target is None:
            form.issues.append(f)
        else:
            form.errors.setdefault(target, []).append(f["reason"])


async def create(experiments: ExperimentService, form: ExperimentForm) -> dict[str, Any] | None:
    """The created experiment, or None with the form's errors filled in."""
    document, used = to_document(form)
    try:
        return await experiments.create(document)
    except ApiError as exc:
        attach_errors(form, exc, used)
        return None


def _strategy_text(definition: Mapping[str, Any], name: str) -> str:
    variant = next((v for v in definition.get("variants", []) if v["name"] == name), None)
    if variant is None:
        return ""
    s = variant["strategy"]
    mode = "" if s["kind"] != "model" else (" (live)" if s.get("live", True) else " (static)")
    return f"{s['kind']}{mode}"


async def list_page(service: ExperimentService) -> dict[str, Any]:
    experiments = await service.list_all()
    rows = [{"id": e["experiment_id"], "name": e["name"], "status": e["status"],
             "version": e.get("version"), "started_at": e.get("started_at"),
             "stopped_at": e.get("stopped_at"),
             "primary_metric": e["definition"].get("primary_metric", "ctr"),
             "variants": ", ".join(f"{v['name']} {v['weight']:g}"
                                   for v in e["definition"].get("variants", []))}
            for e in experiments]
    return {"experiments": [r for r in rows if r["status"] != "archived"],
            "archived": [r for r in rows if r["status"] == "archived"]}


async def running(experiments: ExperimentService) -> list[dict[str, Any]]:
    """The running experiments, for the overview."""
    return [{"id": e["experiment_id"], "name": e["name"], "started_at": e.get("started_at"),
             "primary_metric": e["definition"].get("primary_metric", "ctr")}
            for e in await experiments.list_all()
            if e["status"] == "running"]


def estimate_cell(metric: str, estimate: Mapping[str, Any]) -> dict[str, str | None]:
    """One variant's estimate as shown: the value, its interval, and a note when nothing
    happened yet (the interval then is the exact bound for a rate, none for revenue)."""
    value, (low, high) = estimate["value"], estimate["ci"]
    if value is None:
        return {"value": "—", "interval": None, "note": None}
    fmt = "%.2f" if metric == "revenue_per_exposure" else "%.4f"
    interval = f"{fmt % low} \u2013 {fmt % high}" if low is not None and high is not None else None
    return {"value": fmt % value, "interval": interval,
            "note": NONE_YET[metric] if value == 0 else None}


def results_view(detail: Mapping[str, Any], results: Mapping[str, Any]) -> dict[str, Any]:
    """Template context for one experiment from its stored detail and its results."""
    definition = detail["definition"]
    variants = results["variants"]
    plots = {}
    for metric, label in METRIC_LABELS.items():
        plots[metric] = interval_plot(
            [(v["name"], v[metric]["value"], *v[metric]["ci"]) for v in variants],
            description=f"{label} per variant with its {1 - results['alpha']:.0%} "
                        "confidence interval")
    comparisons = [{**c, "metric_label": METRIC_LABELS[c["metric"]],
                    "verdict_text": VERDICTS.get(c["verdict"] or "", "")
                    or GUARDRAILS.get(c.get("guardrail") or "", "")}
                   for c in results["comparisons"]]
    cells = {v["name"]: {m: estimate_cell(m, v[m]) for m in METRIC_LABELS} for v in variants}
    diffs = [c for c in comparisons if c["primary"]]
    lift_plot = interval_plot(
        [(c["variant"], c["difference"], *c["ci"]) for c in diffs],
        description="Difference from control on the primary metric with its interval")
    return {"experiment": {**detail, "strategies": {
                v["name"]: _strategy_text(definition, v["name"]) for v in variants}},
            "results": results, "plots": plots, "lift_plot": lift_plot if diffs else None,
            "comparisons": comparisons, "metric_labels": METRIC_LABELS, "cells": cells,
            "srm": results.get("sample_ratio_mismatch")}


async def detail_page(service: ExperimentService, experiment_id: str) -> dict[str, Any]:
    # both answer 404 for an unknown id; read together, the page waits for one round
    detail, results = await asyncio.gather(service.get(experiment_id),
                                           service.results(experiment_id))
    return results_view(detail, results)
