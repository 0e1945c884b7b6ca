"""Segment definitions, membership and per-user answers (scope `segments`; a user's own
segments with scope `read`)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request
from fastapi.responses import JSONResponse

from app.api.definition_body import body_doc, read_document
from app.api.deps import MembershipDep, ReadScope, SegmentsDep, SegmentsScope, SettingsDep
from app.api.paging import CursorQuery
from app.segments.definition import PreviewRequest, SegmentDefinition
from app.segments.membership import RefreshResult
from app.segments.schemas import (
    MemberExplanation,
    MembershipChanges,
    MembersPage,
    RefreshReport,
    SegmentCount,
    SegmentDeletion,
    SegmentDetail,
    SegmentList,
    SegmentPreview,
    SegmentVersion,
    UserSegments,
)
from app.segments.segment_service import SegmentService

router = APIRouter(prefix="/v1", tags=["segments"])

SegmentIdPath = Annotated[str, Path(max_length=64)]


def _report(results: list[RefreshResult]) -> RefreshReport:
    return RefreshReport.model_validate({"refreshed": [vars(r) for r in results]})


@router.get("/segments/schema")
async def definition_schema(_: SegmentsScope) -> dict[str, Any]:
    """JSON Schema of a segment definition, generated from the validating models."""
    return SegmentService.schema()


@router.post("/segments", status_code=201, response_model=SegmentDetail,
             openapi_extra=body_doc(SegmentDefinition))
async def create_segment(request: Request, segments: SegmentsDep, _: SegmentsScope
                         ) -> SegmentDetail:
    """Upload a definition (JSON, or YAML with a YAML content type). Uploading an existing id
    stores a new version; membership is materialized before the answer."""
    return await segments.create(await read_document(request))


@router.get("/segments", response_model=SegmentList)
async def list_segments(segments: SegmentsDep, _: SegmentsScope) -> SegmentList:
    return SegmentList(segments=await segments.list_all())


@router.post("/segments/preview", response_model=SegmentPreview,
             openapi_extra=body_doc(PreviewRequest))
async def preview_segment(request: Request, segments: SegmentsDep, _: SegmentsScope
                          ) -> SegmentPreview:
    """Count and sample members of a condition without saving anything."""
    return await segments.preview(await read_document(request))


@router.post("/segments/refresh", response_model=RefreshReport)
async def refresh_all(membership: MembershipDep, _: SegmentsScope) -> RefreshReport:
    """Recompute every segment's membership (references first)."""
    return _report(await membership.refresh())


@router.post("/segments/sweep", response_model=RefreshReport)
async def sweep(membership: MembershipDep, _: SegmentsScope) -> RefreshReport:
    """Re-evaluate the segments whose windows move with the clock."""
    return _report(await membership.sweep())


@router.get("/segments/{segment_id}", response_model=SegmentDetail)
async def get_segment(segment_id: SegmentIdPath, segments: SegmentsDep, _: SegmentsScope
                      ) -> SegmentDetail:
    return await segments.get(segment_id)


@router.get("/segments/{segment_id}/versions/{version}", response_model=SegmentVersion)
async def get_segment_version(segment_id: SegmentIdPath,
                              version: Annotated[int, Path(ge=1, le=2**31 - 1)],
                              segments: SegmentsDep, _: SegmentsScope) -> SegmentVersion:
    return await segments.get_version(segment_id, version)


@router.delete("/segments/{segment_id}", response_model=SegmentDeletion, responses={
    202: {"model": SegmentDeletion, "description": "not finished within the request's time: "
          "the deletion continues in the background; DELETE again for its progress"}})
async def delete_segment(segment_id: SegmentIdPath, segments: SegmentsDep,
                         settings: SettingsDep, _: SegmentsScope) -> JSONResponse:
    """Deletes the segment, its memberships, versions and membership history, in bounded
    transactions whatever its size."""
    progress = await segments.delete(segment_id, settings.segment_delete_budget_s)
    body = SegmentDeletion(**progress.as_body()).model_dump()
    if progress.done:
        return JSONResponse(body)
    return JSONResponse(body, status_code=202, headers={"Retry-After": "5"})


@router.post("/segments/{segment_id}/refresh", response_model=RefreshReport)
async def refresh_segment(segment_id: SegmentIdPath, segments: SegmentsDep,
                          membership: MembershipDep, _: SegmentsScope) -> RefreshReport:
    await segments.get(segment_id)  # 404 for an unknown id
    return _report(await membership.refresh([segment_id]))


@router.get("/segments/{segment_id}/members", response_model=MembersPage)
async def list_members(segment_id: SegmentIdPath, segments: SegmentsDep, _: SegmentsScope,
                       cursor: CursorQuery = None,
                       limit: Annotated[int, Query(ge=1, le=1000)] = 100) -> MembersPage:
    return await segments.members(segment_id, cursor, limit)


@router.get("/segments/{segment_id}/count", response_model=SegmentCount)
async def count_members(segment_id: SegmentIdPath, segments: SegmentsDep, _: SegmentsScope
                        ) -> SegmentCount:
    return await segments.count(segment_id)


@router.get("/segments/{segment_id}/members/{user_id}", response_model=MemberExplanation)
async def explain_member(segment_id: SegmentIdPath, user_id: Annotated[str, Path(max_length=256)],
                         segments: SegmentsDep, _: SegmentsScope) -> MemberExplanation:
    """Whether the user is a member, whether they match now, and each condition's result."""
    return await segments.explain_member(segment_id, user_id)


@router.get("/segments/{segment_id}/changes", response_model=MembershipChanges)
async def membership_changes(segment_id: SegmentIdPath, segments: SegmentsDep,
                             _: SegmentsScope,
                             user_id: Annotated[str | None, Query(max_length=256)] = None,
                             limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                             cursor: CursorQuery = None
                             ) -> MembershipChanges:
    """Entries and exits, newest first; `next_cursor` pages on to older ones."""
    return await segments.changes(segment_id, user_id, limit, cursor)


@router.get("/users/{user_id}/segments", response_model=UserSegments)
async def user_segments(user_id: Annotated[str, Path(max_length=256)], segments: SegmentsDep,
                        _: ReadScope) -> UserSegments:
    return await segments.user_segments(user_id)
