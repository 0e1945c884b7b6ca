"""Response bodies of placements and decisions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from app.experiments.schemas import ExperimentTag


class PlacementSummary(BaseModel):
    placement_id: str
    name: str
    version: int
    definition: dict[str, Any]
    created_at: datetime | None = None
    updated_at: datetime | None = None


class PlacementDetail(PlacementSummary):
    versions: list[int]


class PlacementVersion(BaseModel):
    placement_id: str
    version: int
    definition: dict[str, Any]
    created_at: datetime | None = None


class PlacementList(BaseModel):
    placements: list[PlacementSummary]


class SlotOut(BaseModel):
    limit: int
    category: str | None = None
    href: str = Field(description="the recommendations call that fills the slot")


class ChosenVariant(BaseModel):
    id: str
    title: str | None = None
    image_url: str | None = None
    link: str | None = None
    recommendation: SlotOut | None = None


class RuleRef(BaseModel):
    index: int = Field(description="0-based position in the placement's rules")
    name: str


class RuleTrace(RuleRef):
    variant: str
    matched: bool
    explanation: str


class Decision(BaseModel):
    placement_id: str
    version: int
    user_id: str
    # Storefronts send it back as `properties.recommendation_id` of the click and order
    # events that follow, like a recommendation list's id (docs/decisions.md).
    decision_id: str
    variant: ChosenVariant
    rule: RuleRef | None = Field(description="the rule that chose; null: the default")
    reason: str
    personalized: bool = Field(description="false: the default served without using the "
                                           "profile (no consent, unknown shopper)")
    experiment: ExperimentTag | None = None


class DecisionPreview(BaseModel):
    placement_id: str
    version: int | None = Field(description="null for a draft")
    user_id: str
    variant: ChosenVariant
    rule: RuleRef | None
    reason: str
    personalized: bool
    trace: list[RuleTrace] = Field(description="every rule, in order, with its result")
    segments: list[str] = Field(description="the shopper's segments the rules could use")
    predictions: dict[str, Any] = Field(description="predicted traits and cluster")
