"""Segment definitions, membership and per-user answers (scope `segments`; a user's own
segments with scope `read`)."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.deps import ReadScope, SegmentsScope
from app.api.openapi_components import body_ref
from app.core.errors import ApiError
from app.segments.definition import PreviewRequest, SegmentDefinition
from app.segments.document import YAML_TYPES, parse_body
from app.segments.membership_service import MembershipService
from app.segments.segment_service import SegmentService

router = APIRouter(prefix="/v1", tags=["segments"])

MAX_BODY = 256 * 1024
SegmentIdPath = Annotated[str, Path(max_length=64)]


def _service(request: Request) -> SegmentService:
    return request.app.state.segments


def _membership(request: Request) -> MembershipService:
    return request.app.state.membership


def _body_doc(model: type) -> dict[str, Any]:
    # The body is parsed by hand (JSON or YAML, errors as JSON pointers); the model's schema
    # is added to the components (app/api/openapi_components.py).
    schema = body_ref(model)
    return {"requestBody": {"required": True, "content": {
        "application/json": {"schema": schema}, **{t: {"schema": schema} for t in YAML_TYPES}}}}


async def _document(request: Request) -> Any:
    raw = await request.body()
    if len(raw) > MAX_BODY:
        raise ApiError(413, "payload_too_large", f"definitions are limited to {MAX_BODY} bytes")
    # parsing is CPU work: in a thread, so other requests keep being answered meanwhile
    return await asyncio.to_thread(parse_body, raw, request.headers.get("content-type"))


@router.get("/segments/schema")
async def definition_schema(_: SegmentsScope) -> dict[str, Any]:
    """JSON Schema of a segment definition, generated from the validating models."""
    return SegmentService.schema()


@router.post("/segments", status_code=201, openapi_extra=_body_doc(SegmentDefinition))
async def create_segment(request: Request, _: SegmentsScope) -> dict[str, Any]:
    """Upload a definition (JSON, or YAML with a YAML content type). Uploading an existing id
    stores a new version; membership is materialized before the answer."""
    return await _service(request).create(await _document(request))


@router.get("/segments")
async def list_segments(request: Request, _: SegmentsScope) -> dict[str, Any]:
    return {"segments": await _service(request).list_all()}


@router.post("/segments/preview", openapi_extra=_body_doc(PreviewRequest))
async def preview_segment(request: Request, _: SegmentsScope) -> dict[str, Any]:
    """Count and sample members of a condition without saving anything."""
    return await _service(request).preview(await _document(request))


@router.post("/segments/refresh")
async def refresh_all(request: Request, _: SegmentsScope) -> dict[str, Any]:
    """Recompute every segment's membership (references first)."""
    results = await _membership(request).refresh()
    return {"refreshed": [vars(r) for r in results]}


@router.post("/segments/sweep")
async def sweep(request: Request, _: SegmentsScope) -> dict[str, Any]:
    """Re-evaluate the segments whose windows move with the clock."""
    results = await _membership(request).sweep()
    return {"refreshed": [vars(r) for r in results]}


@router.get("/segments/{segment_id}")
async def get_segment(request: Request, segment_id: SegmentIdPath, _: SegmentsScope
                      ) -> dict[str, Any]:
    return await _service(request).get(segment_id)


@router.get("/segments/{segment_id}/versions/{version}")
async def get_segment_version(request: Request, segment_id: SegmentIdPath,
                              version: Annotated[int, Path(ge=1, le=2**31 - 1)],
                              _: SegmentsScope
                              ) -> dict[str, Any]:
    return await _service(request).get_version(segment_id, version)


@router.delete("/segments/{segment_id}", status_code=204)
async def delete_segment(request: Request, segment_id: SegmentIdPath, _: SegmentsScope
                         ) -> Response:
    await _service(request).delete(segment_id)
    return Response(status_code=204)


@router.post("/segments/{segment_id}/refresh")
async def refresh_segment(request: Request, segment_id: SegmentIdPath, _: SegmentsScope
                          ) -> dict[str, Any]:
    await _service(request).get(segment_id)  # 404 for an unknown id
    results = await _membership(request).refresh([segment_id])
    return {"refreshed": [vars(r) for r in results]}


@router.get("/segments/{segment_id}/members")
async def list_members(request: Request, segment_id: SegmentIdPath, _: SegmentsScope,
                       cursor: Annotated[str | None, Query(max_length=512)] = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> dict[str, Any]:
    return await _service(request).members(segment_id, cursor, limit)


@router.get("/segments/{segment_id}/count")
async def count_members(request: Request, segment_id: SegmentIdPath, _: SegmentsScope
                        ) -> dict[str, Any]:
    return await _service(request).count(segment_id)


@router.get("/segments/{segment_id}/members/{user_id}")
async def explain_member(request: Request, segment_id: SegmentIdPath,
                         user_id: Annotated[str, Path(max_length=256)], _: SegmentsScope
                         ) -> dict[str, Any]:
    """Whether the user is a member, whether they match now, and each condition's result."""
    return await _service(request).explain_member(segment_id, user_id)


@router.get("/segments/{segment_id}/changes")
async def membership_changes(request: Request, segment_id: SegmentIdPath, _: SegmentsScope,
                             user_id: Annotated[str | None, Query(max_length=256)] = None,
                             limit: Annotated[int, Query(ge=1, le=1000)] = 100
                             ) -> dict[str, Any]:
    """Entries and exits, newest first."""
    return await _service(request).changes(segment_id, user_id, limit)


@router.get("/users/{user_id}/segments")
async def user_segments(request: Request, user_id: Annotated[str, Path(max_length=256)],
                        _: ReadScope) -> dict[str, Any]:
    return await _service(request).user_segments(user_id)
