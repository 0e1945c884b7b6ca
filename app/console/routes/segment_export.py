"""The console's audience download (scope `segments`): the API's export, signed in with the
console session instead of a key (a link can send no Authorization header)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import Response, StreamingResponse

from app.api.deps import AudienceExportDep, SegmentsDep
from app.console.rendering import render
from app.console.security import SECURITY_HEADERS, SegmentsSession
from app.core.errors import ApiError
from app.segments.audience_export import MEDIA_TYPES, ExportFormat, parse_traits

router = APIRouter(prefix="/console/segments", include_in_schema=False)


@router.get("/{segment_id}/export", response_model=None)
async def download(request: Request, segments: SegmentsDep, audience: AudienceExportDep,
                   session: SegmentsSession,
                   segment_id: Annotated[str, Path(max_length=64)],
                   format: Annotated[ExportFormat, Query()] = ExportFormat.csv,
                   traits: Annotated[str | None, Query(max_length=2048)] = None
                   ) -> Response:
    try:
        names = parse_traits(traits)
        await segments.get(segment_id)
        await audience.check(names)
    except ApiError as exc:
        return render(request, "denied.html", session, status_code=exc.status_code,
                      reason=exc.message, heading="Cannot export")
    filename = f"segment-{segment_id}.{format.value}".replace('"', "")
    return StreamingResponse(
        audience.stream(segment_id, names, format),
        media_type=MEDIA_TYPES[format],
        headers={**SECURITY_HEADERS,
                 "Content-Disposition": f'attachment; filename="{filename}"'})
