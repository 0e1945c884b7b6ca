"""Placements (scope `segments`: the marketers who define audiences decide what they see)
and per-shopper decisions (scope `read`, like recommendations)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response

from app.api.definition_body import body_doc, read_document
from app.api.deps import (
    DecisionAdmissionDep,
    DecisionsDep,
    PlacementsDep,
    ReadScope,
    SegmentsScope,
)
from app.decisions.definition import DecisionContext, DecisionPreviewRequest, PlacementDefinition
from app.decisions.placement_service import PlacementService
from app.decisions.schemas import (
    Decision,
    DecisionPreview,
    PlacementDetail,
    PlacementList,
    PlacementVersion,
)
from app.segments.document import validate

router = APIRouter(prefix="/v1", tags=["decisions"])

PlacementIdPath = Annotated[str, Path(max_length=64)]


@router.get("/users/{user_id}/decisions", response_model=Decision)
async def user_decision(
    user_id: Annotated[str, Path(min_length=1, max_length=256)],
    _: ReadScope,
    decisions: DecisionsDep,
    admission: DecisionAdmissionDep,
    placement: Annotated[str, Query(min_length=1, max_length=64,
                                    description="the placement to decide, e.g. home_banner")],
    context_item: Annotated[str | None, Query(min_length=1, max_length=256,
                                              description="the item being viewed")] = None,
    device: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
    page: Annotated[str | None, Query(min_length=1, max_length=512)] = None,
) -> Decision:
    """The variant of `placement` this shopper sees now, the rule that chose it and why.
    Without personalization consent, the default."""
    context = DecisionContext(device=device, page=page, context_item=context_item)
    async with admission.slot():
        return await decisions.decide(user_id, placement, context)


@router.get("/placements/schema")
async def placement_schema(_: SegmentsScope) -> dict[str, Any]:
    """JSON Schema of a placement definition, generated from the validating models."""
    return PlacementService.schema()


@router.get("/placements", response_model=PlacementList)
async def list_placements(_: SegmentsScope, placements: PlacementsDep) -> PlacementList:
    return PlacementList(placements=await placements.list_all())


@router.post("/placements/preview", response_model=DecisionPreview,
             openapi_extra=body_doc(DecisionPreviewRequest))
async def preview_decision(request: Request, _: SegmentsScope, decisions: DecisionsDep
                           ) -> DecisionPreview:
    """The decision for one shopper, every rule's result, for a saved placement or a draft
    definition; nothing is served or recorded."""
    return await decisions.preview(validate(DecisionPreviewRequest, await read_document(request)))


@router.put("/placements/{placement_id}", response_model=PlacementDetail,
            openapi_extra=body_doc(PlacementDefinition))
async def put_placement(placement_id: PlacementIdPath, request: Request, _: SegmentsScope,
                        placements: PlacementsDep) -> PlacementDetail:
    """Store a new version of the placement (JSON, or YAML with a YAML content type)."""
    return await placements.put(placement_id, await read_document(request))


@router.get("/placements/{placement_id}", response_model=PlacementDetail)
async def get_placement(placement_id: PlacementIdPath, _: SegmentsScope,
                        placements: PlacementsDep) -> PlacementDetail:
    return await placements.get(placement_id)


@router.get("/placements/{placement_id}/versions/{version}", response_model=PlacementVersion)
async def get_placement_version(placement_id: PlacementIdPath,
                                version: Annotated[int, Path(ge=1, le=2**31 - 1)],
                                _: SegmentsScope, placements: PlacementsDep
                                ) -> PlacementVersion:
    return await placements.get_version(placement_id, version)


@router.delete("/placements/{placement_id}", status_code=204)
async def delete_placement(placement_id: PlacementIdPath, _: SegmentsScope,
                           placements: PlacementsDep) -> Response:
    await placements.delete(placement_id)
    return Response(status_code=204)
