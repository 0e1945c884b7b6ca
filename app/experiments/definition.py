"""Experiment definitions as data: pydantic models that validate uploads (JSON or YAML) and
publish the JSON Schema, versioned like segment definitions."""

from __future__ import annotations

import math
from datetime import datetime
from typing import Annotated, Literal

from pydantic import (
    AfterValidator,
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

from app.segments.identifiers import SEGMENT_ID, SegmentId


def _experiment_id(value: str) -> str:
    if not SEGMENT_ID.fullmatch(value):
        raise ValueError(f"{value!r} is not a valid experiment id: 1 to 64 lowercase letters, "
                         "digits, '-' and '_', starting with a letter or digit")
    return value


# The shape of a segment id (lowercase letters, digits, '-' and '_'), named for what it is.
ExperimentId = Annotated[str, Field(json_schema_extra={"pattern": SEGMENT_ID.pattern}),
                         AfterValidator(_experiment_id)]
VariantName = str
Metric = Literal["ctr", "conversion", "revenue_per_exposure"]
WEIGHT_TOLERANCE = 1e-6


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", allow_inf_nan=False, frozen=True)


class Strategy(_Model):
    """What a variant serves. `model`: the promoted (or a named) GNN model, scored live with
    the shopper's neighbourhood or from the static artifact vectors; `popular`: the
    non-personalized popularity list (the usual control); `placement`: a placement's rule set
    (`placement_version`, or its current version when left out), decided by
    `GET /v1/users/{id}/decisions` (docs/decisions.md)."""

    kind: Literal["model", "popular", "placement"]
    model_version: str | None = Field(default=None, min_length=1, max_length=128)
    live: bool = True
    diversity_share: float | None = Field(default=None, gt=0, le=1)
    placement_id: SegmentId | None = None
    placement_version: int | None = Field(default=None, ge=1)

    @model_validator(mode="after")
    def _model_fields(self) -> Strategy:
        if self.kind != "model" and self.model_version is not None:
            raise ValueError("'model_version' applies to kind 'model' only")
        if self.kind == "placement" and self.placement_id is None:
            raise ValueError("kind 'placement' needs a 'placement_id'")
        if self.kind != "placement" and (self.placement_id or self.placement_version):
            raise ValueError("'placement_id' and 'placement_version' apply to kind "
                             "'placement' only")
        return self


class Variant(_Model):
    name: VariantName = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,31}$")
    weight: float = Field(gt=0, le=1)
    strategy: Strategy


class Audience(_Model):
    segment_id: SegmentId


class Bandit(_Model):
    """Thompson sampling on the primary metric; every arm keeps at least `exploration_floor`
    of new shoppers whatever the posterior says."""

    exploration_floor: float = Field(default=0.05, ge=0, le=0.5)
    refresh_s: float = Field(default=60.0, ge=1, le=86400)


class ExperimentDefinition(_Model):
    id: ExperimentId
    name: str = Field(min_length=1, max_length=200)
    version: int | None = Field(default=None, ge=1)
    description: str | None = Field(default=None, max_length=2000)
    variants: list[Variant] = Field(min_length=2, max_length=8)
    control: VariantName | None = None  # default: the first variant
    traffic: float = Field(default=1.0, gt=0, le=1)  # share of eligible shoppers enrolled
    audience: Audience | None = None
    primary_metric: Metric = "ctr"
    guardrail_metrics: list[Metric] = Field(default_factory=list, max_length=3)
    alpha: float = Field(default=0.05, gt=0, le=0.2)
    power: float = Field(default=0.8, ge=0.5, lt=1)
    # Relative lift over control the sample size is planned for (0.1 = +10 %).
    minimum_detectable_effect: float = Field(default=0.1, gt=0, le=10)
    mode: Literal["fixed", "bandit"] = "fixed"
    bandit: Bandit | None = None
    start: AwareDatetime | None = None
    stop: AwareDatetime | None = None

    # Cross-field checks are field validators (fields validate in declaration order), so a
    # 422 points at the field at fault rather than at the whole document.
    @field_validator("variants")
    @classmethod
    def _split(cls, variants: list[Variant]) -> list[Variant]:
        names = [v.name for v in variants]
        if len(set(names)) != len(names):
            raise ValueError("variant names must be unique")
        total = math.fsum(v.weight for v in variants)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise ValueError(f"variant weights must add up to 1 (they add up to {total:g})")
        placements = {v.strategy.placement_id for v in variants}
        if placements != {None} and (None in placements or len(placements) > 1):
            raise ValueError("a placement experiment tests rule sets of one placement: every "
                             "variant is kind 'placement' with the same placement_id")
        return variants

    @field_validator("control")
    @classmethod
    def _control_exists(cls, control: str | None, info: ValidationInfo) -> str | None:
        names = [v.name for v in info.data.get("variants") or []]
        if control is not None and names and control not in names:
            raise ValueError(f"names no variant (variants: {', '.join(names)})")
        return control

    @field_validator("guardrail_metrics")
    @classmethod
    def _guardrails(cls, metrics: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("primary_metric") in metrics:
            raise ValueError("the primary metric cannot also be a guardrail")
        if len(set(metrics)) != len(metrics):
            raise ValueError("guardrail metrics must be distinct")
        return metrics

    @field_validator("mode")
    @classmethod
    def _placement_mode(cls, mode: str, info: ValidationInfo) -> str:
        variants = info.data.get("variants") or []
        if mode == "bandit" and any(v.strategy.kind == "placement" for v in variants):
            raise ValueError("placement experiments run in mode 'fixed'")
        return mode

    @field_validator("bandit")
    @classmethod
    def _bandit(cls, bandit: Bandit | None, info: ValidationInfo) -> Bandit | None:
        if bandit is not None and info.data.get("mode") != "bandit":
            raise ValueError("bandit settings need mode 'bandit'")
        arms = len(info.data.get("variants") or [])
        if bandit is not None and bandit.exploration_floor * arms > 1:
            raise ValueError("exploration_floor times the number of variants exceeds 1")
        return bandit

    @field_validator("stop")
    @classmethod
    def _stop_after_start(cls, stop: datetime | None, info: ValidationInfo) -> datetime | None:
        start = info.data.get("start")
        if stop is not None and start is not None and stop <= start:
            raise ValueError("must be after 'start'")
        return stop

    @property
    def surface(self) -> str:
        """What the experiment serves: `recommendations`, or `placement:<id>`. One
        experiment runs per surface at a time."""
        placement = self.variants[0].strategy.placement_id
        return f"placement:{placement}" if placement else "recommendations"

    @property
    def control_name(self) -> str:
        return self.control or self.variants[0].name

    @property
    def bandit_settings(self) -> Bandit:
        return self.bandit or Bandit()

    def variant(self, name: str) -> Variant | None:
        return next((v for v in self.variants if v.name == name), None)
