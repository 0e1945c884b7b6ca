"""Recommendations for storefronts: per user, and items similar to an item."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request

from app.api.deps import ReadScope
from app.experiments.schemas import TrackedRecommendations, TrackedSimilarItems
from app.experiments.serving import ExperimentServing
from app.recommend.recommendation_service import RecommendationService

router = APIRouter(prefix="/v1", tags=["recommendations"])

MAX_LIMIT = 100


async def get_recommendations(request: Request) -> RecommendationService:
    return request.app.state.recommendations


async def get_experiment_serving(request: Request) -> ExperimentServing:
    return request.app.state.experiments.serving


RecommendationsDep = Annotated[RecommendationService, Depends(get_recommendations)]
# Every list carries a recommendation_id; enrolled shoppers get their variant's strategy.
ServingDep = Annotated[ExperimentServing, Depends(get_experiment_serving)]
IdPath = Annotated[str, Path(min_length=1, max_length=256)]


@router.get("/users/{user_id}/recommendations", response_model=TrackedRecommendations)
async def user_recommendations(
    user_id: IdPath,
    _: ReadScope,
    serving: ServingDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    category: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    exclude_seen: bool = True,
) -> TrackedRecommendations:
    return await serving.for_user(user_id, limit, category, exclude_seen)


@router.get("/items/{item_id}/similar", response_model=TrackedSimilarItems)
async def similar_items(
    item_id: IdPath,
    _: ReadScope,
    service: RecommendationsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> TrackedSimilarItems:
    similar = await service.similar(item_id, limit)
    return TrackedSimilarItems(**similar.model_dump(), recommendation_id=uuid.uuid4().hex)
