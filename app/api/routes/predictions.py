"""Predicted traits: the latest refresh's record (scope `segments`) and a refresh now (scope
`admin`). The traits themselves are on the profile and usable in segments and placements."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from app.api.deps import AdminScope, PredictionsDep, SegmentsScope
from app.core.errors import ApiError

router = APIRouter(prefix="/v1", tags=["predictions"])


@router.get("/predictions")
async def latest_refresh(predictions: PredictionsDep, _: SegmentsScope) -> dict[str, Any]:
    """Models chosen and their validation figures, calibration, the distribution of scores
    and the clusters, as the latest refresh recorded them."""
    record = await predictions.repository.latest_run()
    if record is None:
        raise ApiError(404, "not_found", "no prediction refresh recorded yet")
    return record


@router.post("/predictions/refresh")
async def refresh_now(predictions: PredictionsDep, _: AdminScope) -> dict[str, Any]:
    """Train, score and write now (409 while another process refreshes)."""
    record = await predictions.run_once()
    if record is None:
        raise ApiError(409, "refresh_running", "another process is refreshing predictions")
    return record
