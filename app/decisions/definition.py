"""Placement definitions as data: variants, ordered rules and a default.

A rule's condition reuses the segment condition language for what a profile holds (traits
and computed traits, segment membership, consent) and adds what only a decision knows:
prediction thresholds and the request's context. Conditions over raw events belong in a
segment, which a rule then names: a decision reads the profile in one round trip and does
not walk the shopper's events.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.core.pointers import PointedError
from app.segments.condition_tree import StrictModel as _Model
from app.segments.condition_tree import check_value_fits_op, depth, pointers
from app.segments.definition import ConsentCondition, SegmentCondition, TraitCondition
from app.segments.identifiers import SegmentId

PlacementId = SegmentId  # same shape: `home_banner`, `email_block_1`
ContentId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}$")]
Url = Annotated[str, Field(max_length=2048, pattern=r"^(https?://|/)\S*$")]
MAX_RULES = 50
MAX_VARIANTS = 50
MAX_DEPTH = 6

PREDICTIONS = {"purchase_30d": "pred_purchase_30d", "value_90d": "pred_value_90d"}
ContextField = Literal["device", "page", "context_item", "context_category"]
Scalar = StrictBool | StrictInt | StrictFloat | StrictStr


class PredictionCondition(_Model):
    """A threshold on a predicted trait: `purchase_30d` (probability, 0-1) or `value_90d`
    (expected revenue over the next 90 days). A shopper not scored yet matches none."""

    type: Literal["prediction"]
    prediction: Literal["purchase_30d", "value_90d"]
    op: Literal["gt", "gte", "lt", "lte"]
    value: StrictInt | StrictFloat

    @property
    def property(self) -> str:
        return PREDICTIONS[self.prediction]


class ContextCondition(_Model):
    """What the request says about the moment: `device`, `page`, `context_item` (the item
    being viewed) or `context_category` (that item's category, read with the profile)."""

    type: Literal["context"]
    field: ContextField
    op: Literal["eq", "neq", "in", "contains", "exists"]
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> ContextCondition:
        check_value_fits_op(self.op, self.value, _one_string)
        return self


def _one_string(op: str, value: object) -> None:
    if not isinstance(value, str):
        raise ValueError(f"{op!r} needs one string value")


class AllOf(_Model):
    type: Literal["and"]
    conditions: list[RuleCondition] = Field(min_length=1, max_length=16)


class AnyOf(_Model):
    type: Literal["or"]
    conditions: list[RuleCondition] = Field(min_length=1, max_length=16)


class NoneOf(_Model):
    type: Literal["not"]
    condition: RuleCondition


RuleCondition = Annotated[
    TraitCondition | SegmentCondition | ConsentCondition | PredictionCondition
    | ContextCondition | AllOf | AnyOf | NoneOf,
    Field(discriminator="type"),
]
AllOf.model_rebuild()
AnyOf.model_rebuild()
NoneOf.model_rebuild()


class RecommendationSlot(_Model):
    """A slot the storefront fills from `GET /v1/users/{id}/recommendations`."""

    limit: int = Field(default=4, ge=1, le=50)
    category: str | None = Field(default=None, min_length=1, max_length=200)


class Variant(_Model):
    """One piece of content: a banner (title, image, link) or a recommendation slot."""

    id: ContentId
    title: str | None = Field(default=None, max_length=500)
    image_url: Url | None = None
    link: Url | None = None
    recommendation: RecommendationSlot | None = None

    @model_validator(mode="after")
    def _has_content(self) -> Variant:
        if not (self.title or self.image_url or self.link or self.recommendation):
            raise ValueError("a variant needs a title, image_url, link or recommendation")
        return self


class Rule(_Model):
    name: str = Field(min_length=1, max_length=200)
    when: RuleCondition
    variant: ContentId

    @field_validator("when")
    @classmethod
    def _bounded(cls, when: RuleCondition) -> RuleCondition:
        if depth(when) > MAX_DEPTH:
            raise ValueError(f"conditions nest deeper than {MAX_DEPTH} levels")
        return when


class PlacementDefinition(_Model):
    id: PlacementId
    name: str = Field(min_length=1, max_length=200)
    # Optional on upload: when given it must be the next version (guards concurrent edits).
    version: int | None = Field(default=None, ge=1)
    description: str | None = Field(default=None, max_length=2000)
    variants: list[Variant] = Field(min_length=1, max_length=MAX_VARIANTS)
    rules: list[Rule] = Field(default_factory=list, max_length=MAX_RULES)
    default: ContentId

    @field_validator("variants")
    @classmethod
    def _unique(cls, variants: list[Variant]) -> list[Variant]:
        ids = [v.id for v in variants]
        if len(set(ids)) != len(ids):
            raise ValueError("variant ids must be unique")
        return variants

    @field_validator("rules")
    @classmethod
    def _rules_name_variants(cls, rules: list[Rule], info: ValidationInfo) -> list[Rule]:
        known = {v.id for v in info.data.get("variants") or []}
        for n, rule in enumerate(rules):
            if known and rule.variant not in known:
                raise PointedError((n, "variant"), f"rule {n + 1} names no variant "
                                   f"({rule.variant!r}; variants: {', '.join(sorted(known))})")
        return rules

    @field_validator("default")
    @classmethod
    def _default_exists(cls, default: str, info: ValidationInfo) -> str:
        known = {v.id for v in info.data.get("variants") or []}
        if known and default not in known:
            raise ValueError(f"names no variant (variants: {', '.join(sorted(known))})")
        return default

    def variant(self, content_id: str) -> Variant:
        return next(v for v in self.variants if v.id == content_id)

    def referenced_segments(self) -> list[tuple[str, str]]:
        """(JSON pointer, segment id) of every segment a rule names."""
        out = []
        for n, rule in enumerate(self.rules):
            for pointer, node in pointers(rule.when, f"/rules/{n}/when"):
                if isinstance(node, SegmentCondition):
                    out.append((f"{pointer}/segment_id", node.segment_id))
        return out


class DecisionContext(_Model):
    """The request's context: query parameters of the decision route."""

    device: str | None = Field(default=None, min_length=1, max_length=64)
    page: str | None = Field(default=None, min_length=1, max_length=512)
    context_item: str | None = Field(default=None, min_length=1, max_length=256)


class DecisionPreviewRequest(_Model):
    """Decide for one shopper without serving: a saved placement (`placement_id`) or a
    draft `placement` definition, with an optional context."""

    user_id: str = Field(min_length=1, max_length=256)
    placement_id: PlacementId | None = None
    placement: PlacementDefinition | None = None
    context: DecisionContext = Field(default_factory=DecisionContext)

    @model_validator(mode="after")
    def _one_placement(self) -> DecisionPreviewRequest:
        if (self.placement_id is None) == (self.placement is None):
            raise ValueError("give either 'placement_id' or a draft 'placement'")
        return self
