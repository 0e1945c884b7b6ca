"""Response shapes of the recommendation endpoints."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel


class Strategy(StrEnum):
    gnn = "gnn"
    popular = "popular"


class FallbackReason(StrEnum):
    no_consent = "no_personalization_consent"
    unknown_user = "unknown_user"
    cold_user = "cold_user"
    no_model = "no_model"
    unknown_item = "unknown_item"


class RecommendedItem(BaseModel):
    item_id: str
    score: float
    title: str | None = None
    category: str | None = None
    reason: str


class RecommendationList(BaseModel):
    strategy: Strategy
    personalized: bool
    fallback_reason: FallbackReason | None = None
    model_version: str | None = None
    items: list[RecommendedItem]


class UserRecommendations(RecommendationList):
    user_id: str


class SimilarItems(RecommendationList):
    item_id: str
