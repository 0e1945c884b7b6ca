"""The overview page: event rate, profiles, segments and sizes, the served model."""

from __future__ import annotations

import asyncio
from typing import Any

from app.console.experiments_view import running
from app.experiments.experiment_service import ExperimentService
from app.ops.store_stats import StoreStatsService
from app.recommend.model_admin import ModelAdmin
from app.segments.segment_service import SegmentService

SHOWN_METRICS = ("recall@20", "ndcg@20")


def served_model(admin: ModelAdmin) -> dict[str, Any] | None:
    runs = admin.runs()
    served = next((r for r in runs if r.served), None) or next(
        (r for r in runs if r.promoted), None)
    if served is None:
        return None
    val = served.metrics.get("val", {})
    return {"version": served.version, "model": served.manifest.get("model"),
            "trained_at": served.manifest.get("trained_at"), "served": served.served,
            "metrics": {m: val.get(m) for m in SHOWN_METRICS},
            "baselines": {name: {m: b.get(m) for m in SHOWN_METRICS}
                          for name, b in served.baselines.items()}}


async def overview(store_stats: StoreStatsService, segment_service: SegmentService,
                   admin: ModelAdmin, experiment_service: ExperimentService
                   ) -> dict[str, Any]:
    """All four parts are read at once: the page waits for the slowest, not their sum."""
    stats, segments, model, experiments = await asyncio.gather(
        store_stats.stats(), segment_service.list_all(),
        asyncio.to_thread(served_model, admin), running(experiment_service))
    return {
        "stats": stats,
        "segments": [{"segment_id": s.segment_id, "name": s.name, "size": s.size,
                      "version": s.version} for s in segments],
        "model": model,
        "experiments": experiments,
    }
