"""Recommendations for storefronts: per user, and items similar to an item."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from app.api.deps import ReadScope, RecommendationsDep
from app.recommend.schemas import SimilarItems, UserRecommendations

router = APIRouter(prefix="/v1", tags=["recommendations"])

MAX_LIMIT = 100


IdPath = Annotated[str, Path(min_length=1, max_length=256)]


@router.get("/users/{user_id}/recommendations", response_model=UserRecommendations)
async def user_recommendations(
    user_id: IdPath,
    _: ReadScope,
    service: RecommendationsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    category: Annotated[str | None, Query(min_length=1, max_length=200)] = None,
    exclude_seen: bool = True,
) -> UserRecommendations:
    return await service.for_user(user_id, limit, category, exclude_seen)


@router.get("/items/{item_id}/similar", response_model=SimilarItems)
async def similar_items(
    item_id: IdPath,
    _: ReadScope,
    service: RecommendationsDep,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> SimilarItems:
    return await service.similar(item_id, limit)
