"""Audience export of a segment (scope `segments`): members with chosen traits, streamed as
CSV or NDJSON (app/segments/audience_export.py)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import StreamingResponse

from app.api.deps import AudienceExportDep, SegmentsDep, SegmentsScope
from app.segments.audience_export import (
    MEDIA_TYPES,
    TRAITS_PATTERN,
    ExportFormat,
    parse_traits,
)

router = APIRouter(prefix="/v1", tags=["segments"])
TraitsQuery = Annotated[str | None, Query(max_length=2048, pattern=TRAITS_PATTERN)]


@router.get("/segments/{segment_id}/export", response_class=StreamingResponse, responses={
    200: {"description": "The members who granted `marketing`, one row or line each",
          "content": {"text/csv": {}, "application/x-ndjson": {}}}})
async def export_segment(segment_id: Annotated[str, Path(max_length=64)],
                         segments: SegmentsDep, export: AudienceExportDep, _: SegmentsScope,
                         format: Annotated[ExportFormat, Query()] = ExportFormat.csv,
                         traits: TraitsQuery = None
                         ) -> StreamingResponse:
    """Columns: `user_id`, `since`, then each of `traits` (comma-separated: identify traits
    as sent (`plan`) or as segment rules name them (`trait_plan`), computed traits such as
    `rfm_r` or `count_order_completed`, predicted ones (`pred_purchase_30d`,
    `pred_value_90d`, `cluster`, `cluster_label`), or `email_sha256` / `phone_sha256`); a
    name no profile ever held is a 422. Only members who granted the `marketing` purpose
    are exported."""
    names = parse_traits(traits)
    await segments.get(segment_id)  # 404 before the stream starts
    await export.check(names)
    filename = f"segment-{segment_id}.{format.value}".replace('"', "")
    return StreamingResponse(
        export.stream(segment_id, names, format), media_type=MEDIA_TYPES[format],
        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
