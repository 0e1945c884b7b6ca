"""Response shapes of the recommendation endpoints."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel, Field


class Strategy(StrEnum):
    gnn = "gnn"  # the shopper's trained vector alone (the static list)
    gnn_live = "gnn_live"  # trained vector combined with the live history read now
    gnn_inductive = "gnn_inductive"  # live history alone: a shopper the model never saw
    # the live graph around a history the model cannot score yet (items newer than it)
    graph_neighbours = "graph_neighbours"
    popular = "popular"


class ScoringMode(StrEnum):
    """Per-call choice of scoring path (experiment variants select it)."""

    live = "live"  # trained vector + live history; history alone for unseen shoppers
    static = "static"  # trained vector only, as of the last training


class FallbackReason(StrEnum):
    no_consent = "no_personalization_consent"
    unknown_user = "unknown_user"
    # a known shopper with no history the model or the live graph can use
    cold_user = "cold_user"
    no_model = "no_model"
    unknown_item = "unknown_item"


class PopularScope(StrEnum):
    """What a popularity fallback was narrowed by, most specific first."""

    requested_category = "requested_category"
    context_category = "context_category"  # the category of the item being viewed
    segment = "segment"  # what members of the shopper's segment choose
    all_items = "all_items"


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
    popular_scope: PopularScope | None = None
    model_version: str | None = None
    model_family: str | None = None
    items: list[RecommendedItem]


class UserRecommendations(RecommendationList):
    user_id: str


class SimilarItems(RecommendationList):
    item_id: str


class ModelChange(BaseModel):
    """A manual promotion or roll back: why, recorded in the promotion log."""

    reason: str = Field(min_length=1, max_length=500)


class ModelChanged(BaseModel):
    version: str  # now promoted
    previous: str | None
    reason: str


class ModelRun(BaseModel):
    version: str
    model: str | None = None
    trained_at: str | None = None
    promoted: bool
    served: bool  # by the process that answered
    metrics: dict[str, Any]  # validation (and test) figures the build recorded
    promotion: dict[str, Any] | None = None  # the build's judgement on its own split


class ModelsOverview(BaseModel):
    promoted: str | None
    served: str | None
    rollback_target: str | None
    runs: list[ModelRun]
    history: list[dict[str, Any]]  # changes of the promoted model, newest first
    refresh: dict[str, Any] | None = None  # the automatic rebuild's state (design.md)
