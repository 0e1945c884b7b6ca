"""Recommendations for storefronts: per user, and items similar to an item. Every list
carries a `recommendation_id`; enrolled shoppers get their experiment variant's strategy."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request, Response
from pydantic import BaseModel

from app.api.deps import ReadScope, RecommendAdmissionDep, RecommendationsDep
from app.experiments.schemas import TrackedRecommendations, TrackedSimilarItems
from app.recommend.schemas import ScoringMode
from app.wiring import services_of

router = APIRouter(prefix="/v1", tags=["recommendations"])

MAX_LIMIT = 100


IdPath = Annotated[str, Path(min_length=1, max_length=256)]


@router.get("/users/{user_id}/recommendations", response_model=TrackedRecommendations)
async def user_recommendations(
    user_id: IdPath,
    request: Request,
    _: ReadScope,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    category: Annotated[str | None, Query(
        min_length=1, max_length=200,
        description="Only this category's items, with no per-category diversity cap; a "
                    "personalized list shorter than limit is topped up from the category's "
                    "popular items (reason 'popular in <category>')")] = None,
    exclude_seen: bool = True,
    context_item: Annotated[str | None, Query(
        min_length=1, max_length=256,
        description="The item the shopper is viewing: in a personalized list (live mode) "
                    "it counts as a view made now and is left out of the list; a "
                    "non-personalized list is narrowed to its category. An item the model "
                    "does not hold changes nothing")] = None,
    mode: Annotated[ScoringMode, Query(
        description="live: trained vector + the history read now; static: trained vector "
                    "only")] = ScoringMode.live,
) -> Response:
    # The services from the container directly: each dependency FastAPI solves costs the
    # storefront's most frequent request a few microseconds.
    services = services_of(request)
    tracked = await services.experiments.serving.for_user(
        user_id, limit, category, exclude_seen, context_item=context_item, mode=mode,
        admission=services.recommend_admission)
    return _json(tracked)


@router.get("/items/{item_id}/similar", response_model=TrackedSimilarItems)
async def similar_items(
    item_id: IdPath,
    _: ReadScope,
    service: RecommendationsDep,
    admission: RecommendAdmissionDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> TrackedSimilarItems:
    async with admission.slot():
        similar = await service.similar(item_id, limit)
    return TrackedSimilarItems(**similar.model_dump(), recommendation_id=uuid.uuid4().hex)


def _json(answer: BaseModel) -> Response:
    """The answer as its model serializes it. The model was validated when it was built;
    returned as is, FastAPI would validate it against `response_model` again (which stays
    for the OpenAPI document)."""
    return Response(answer.model_dump_json(), media_type="application/json")
