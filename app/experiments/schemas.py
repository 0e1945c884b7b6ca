"""Response shapes: recommendation lists tagged for attribution."""

from __future__ import annotations

from pydantic import BaseModel

from app.recommend.schemas import SimilarItems, UserRecommendations


class ExperimentTag(BaseModel):
    experiment_id: str
    variant: str


class TrackedRecommendations(UserRecommendations):
    # Storefronts send it back in `properties.recommendation_id` of Product Clicked,
    # Product Added and Order Completed events (docs/experiments.md).
    recommendation_id: str
    experiment: ExperimentTag | None = None


class TrackedSimilarItems(SimilarItems):
    recommendation_id: str
