"""The models page: training runs with validation/test metrics against the baselines, the
promoted and the served model, and the promotion history."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from app.console.charts import bar_chart
from app.recommend.model_admin import ModelAdmin
from app.recommend.model_refresh import ModelRefresh

METRICS = ("recall@20", "ndcg@20")
CHART_RUNS = 10


def _short(version: str) -> str:
    return version.split("Z-")[0][-13:] if "Z-" in version else version[-14:]


def _run_row(run: Any) -> dict[str, Any]:
    m = run.manifest
    return {"version": run.version, "model": m.get("model"), "trained_at": m.get("trained_at"),
            "dataset": m.get("dataset"), "promoted": run.promoted, "served": run.served,
            "val": {k: run.metrics.get("val", {}).get(k) for k in METRICS},
            "test": {k: run.metrics.get("test", {}).get(k) for k in METRICS},
            "baselines": {name: {k: b.get(k) for k in METRICS}
                          for name, b in run.baselines.items()},
            "training": m.get("training", {}), "judged": m.get("promotion") or {}}


def _charts(rows: list[dict[str, Any]]) -> dict[str, Any]:
    shown = list(reversed(rows[:CHART_RUNS]))  # oldest first, left to right
    labels = [_short(r["version"]) for r in shown]
    names = sorted({n for r in shown for n in r["baselines"]})
    charts = {}
    for metric in METRICS:
        series = {"model (validation)": [r["val"][metric] for r in shown],
                  "model (test)": [r["test"][metric] for r in shown],
                  **{f"{n} (validation)": [r["baselines"].get(n, {}).get(metric)
                                           for r in shown] for n in names}}
        series = {k: v for k, v in series.items() if any(x is not None for x in v)}
        charts[metric] = bar_chart(labels, series,
                                   description=f"{metric} per run against the baselines")
    return charts


async def models_page(admin: ModelAdmin, artifacts_dir: Path,
                      refresh: ModelRefresh) -> dict[str, Any]:
    runs, history, target, status = await asyncio.gather(
        asyncio.to_thread(admin.runs), asyncio.to_thread(admin.history),
        asyncio.to_thread(admin.rollback_target), refresh.status())
    rows = [_run_row(r) for r in runs]
    return {"runs": rows, "charts": _charts(rows) if rows else {},
            "history": list(reversed(history))[:20], "rollback_target": target,
            "artifacts_dir": str(artifacts_dir), "refresh": status.as_dict()}
