"""View models of the placements, predictions and clusters pages: what the services return,
shaped for the templates (charts computed here)."""

from __future__ import annotations

import json
from typing import Any

from app.console.charts import BarChart, bar_chart
from app.core.errors import ApiError
from app.decisions.decision_service import DecisionService
from app.decisions.definition import DecisionContext, DecisionPreviewRequest
from app.decisions.placement_service import PlacementService
from app.predictions.job import PredictionJob


def _condition_text(cond: dict[str, Any]) -> str:
    """A rule's condition on one line (the JSON, compact)."""
    return json.dumps(cond, separators=(", ", ": "))


async def placements_page(placements_service: PlacementService) -> dict[str, Any]:
    placements = await placements_service.list_all()
    rows = []
    for p in placements:
        d = p.definition
        rows.append({
            "placement_id": p.placement_id, "name": p.name, "version": p.version,
            "updated_at": p.updated_at, "default": d["default"],
            "variants": [{"id": v["id"], "what": v.get("title") or (
                "recommendation slot" if v.get("recommendation") else v.get("link", ""))}
                for v in d["variants"]],
            "rules": [{"n": n + 1, "name": r["name"], "variant": r["variant"],
                       "when": _condition_text(r["when"])}
                      for n, r in enumerate(d.get("rules", []))]})
    return {"placements": rows}


async def preview(decisions: DecisionService, placement_id: str, user_id: str, device: str,
                  page: str, context_item: str) -> dict[str, Any]:
    """The decision for one shopper with every rule's result, or the error to show."""
    try:
        request = DecisionPreviewRequest(
            user_id=user_id, placement_id=placement_id,
            context=DecisionContext(device=device or None, page=page or None,
                                    context_item=context_item or None))
        result = await decisions.preview(request)
    except ApiError as exc:
        return {"error": exc.message}
    except ValueError as exc:  # pydantic: an empty or too long field
        return {"error": str(exc).splitlines()[0]}
    return {"result": result}


def _calibration_chart(rows: list[dict[str, Any]]) -> BarChart:
    return bar_chart([str(r["decile"]) for r in rows],
                     {"predicted": [r["predicted"] for r in rows],
                      "observed": [r["observed"] for r in rows]},
                     description="Mean predicted probability and observed purchase rate per "
                                 "decile of predicted probability (validation shoppers)")


def _distribution_chart(bins: list[dict[str, Any]]) -> BarChart:
    return bar_chart([f"{b['from']:.1f}" for b in bins],
                     {"shoppers": [b["shoppers"] for b in bins]},
                     description="Shoppers per band of predicted purchase probability")


async def predictions_page(predictions: PredictionJob) -> dict[str, Any]:
    run = await predictions.repository.latest_run()
    if run is None:
        return {"run": None}
    summary = run["summary"]
    purchase, value = summary.get("purchase") or {}, summary.get("value") or {}
    distribution = summary.get("distribution") or {}
    return {
        "run": run, "purchase": purchase, "value": value,
        "calibration": purchase.get("validation_calibration") or [],
        "calibration_chart": _calibration_chart(purchase["validation_calibration"])
        if purchase.get("validation_calibration") else None,
        "distribution_chart": _distribution_chart(distribution["purchase_30d"])
        if distribution.get("purchase_30d") else None,
        "value_distribution": distribution.get("value_90d"),
    }


async def clusters_page(predictions: PredictionJob) -> dict[str, Any]:
    run = await predictions.repository.latest_run()
    clusters = (run or {}).get("summary", {}).get("clusters")
    if not clusters:
        return {"run": run, "clusters": None}
    rows = clusters["clusters"]
    chart = bar_chart([str(c["cluster"]) for c in rows],
                      {"shoppers": [c["size"] for c in rows]},
                      description="Shoppers per behavioural cluster")
    return {"run": run, "clusters": clusters, "rows": rows, "sizes_chart": chart,
            "silhouettes": sorted(clusters.get("silhouettes", {}).items(),
                                  key=lambda kv: int(kv[0]))}
