"""Segment definitions as data: pydantic models, a discriminated union on `type`.

The same models validate uploads (JSON or YAML), publish the JSON Schema and feed the
compiler, so what is accepted is exactly what can be compiled.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    Field,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    model_validator,
)

from app.segments.condition_tree import StrictModel as _Model
from app.segments.condition_tree import check_value_fits_op, depth, walk
from app.segments.identifiers import (
    EventField,
    EventProperty,
    EventType,
    PurposeName,
    SegmentId,
    UserProperty,
)

MAX_DEPTH = 8
MAX_NODES = 64
MAX_DAYS = 3650

Scalar = StrictBool | StrictInt | StrictFloat | StrictStr
Op = Literal["eq", "neq", "gt", "gte", "lt", "lte", "in", "contains", "exists"]
NumericOp = Literal["eq", "neq", "gt", "gte", "lt", "lte"]
ORDERING_OPS = frozenset({"gt", "gte", "lt", "lte"})


class _Comparison(_Model):
    """`op` and `value`, checked together: the value's shape depends on the operator."""

    op: Op
    value: Scalar | list[Scalar] | None = None

    @model_validator(mode="after")
    def _value_fits_op(self) -> _Comparison:
        check_value_fits_op(self.op, self.value, _one_scalar)
        return self


def _one_scalar(op: str, value: object) -> None:
    if isinstance(value, list) or value is None:
        raise ValueError(f"{op!r} needs one scalar value")
    if op == "contains" and not isinstance(value, str):
        raise ValueError("'contains' needs a string value")
    if op in ORDERING_OPS and isinstance(value, bool):
        raise ValueError(f"{op!r} needs a number or a string, not a boolean")


class TraitCondition(_Comparison):
    """A property of the profile: `trait_<key>` or a computed trait such as `order_count`."""

    type: Literal["trait"]
    property: UserProperty


class EventFilter(_Comparison):
    """A test on the event (`p_<key>`) or on the item it is about (`item_id`, `category`...)."""

    field: EventField


class Between(_Model):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> Between:
        if self.end <= self.start:
            raise ValueError("'end' must be after 'start'")
        return self


class Aggregate(_Model):
    """sum/avg of a numeric event property over the matching events, e.g. revenue >= 100."""

    fn: Literal["sum", "avg"]
    property: EventProperty
    op: NumericOp
    value: StrictInt | StrictFloat


class EventCondition(_Model):
    type: Literal["event"]
    event_type: EventType
    occurred: bool = True
    filters: list[EventFilter] = Field(default_factory=list, max_length=16)
    within_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)
    between: Between | None = None
    min_count: int | None = Field(default=None, ge=0, le=1_000_000)
    max_count: int | None = Field(default=None, ge=0, le=1_000_000)
    aggregate: Aggregate | None = None

    @model_validator(mode="after")
    def _consistent(self) -> EventCondition:
        if self.within_days is not None and self.between is not None:
            raise ValueError("use either 'within_days' or 'between', not both")
        if not self.occurred and (
            self.min_count is not None or self.max_count is not None or self.aggregate
        ):
            raise ValueError("'occurred': false takes no min_count, max_count or aggregate")
        if (
            self.min_count is not None
            and self.max_count is not None
            and self.max_count < self.min_count
        ):
            raise ValueError("'max_count' is below 'min_count'")
        return self

    @property
    def effective_min_count(self) -> int:
        return 1 if self.min_count is None else self.min_count


class Step(_Model):
    event_type: EventType
    filters: list[EventFilter] = Field(default_factory=list, max_length=16)


class Duration(_Model):
    days: int = Field(default=0, ge=0, le=MAX_DAYS)
    hours: int = Field(default=0, ge=0, le=24 * MAX_DAYS)
    minutes: int = Field(default=0, ge=0, le=24 * 60 * MAX_DAYS)

    @model_validator(mode="after")
    def _positive(self) -> Duration:
        if self.seconds <= 0:
            raise ValueError("the duration must be positive")
        return self

    @property
    def seconds(self) -> int:
        return self.days * 86400 + self.hours * 3600 + self.minutes * 60


class SequenceCondition(_Model):
    """`first` then `then` within `within`; `then_occurred: false` is "first and no then"
    (cart abandonment), true only once the whole window has passed."""

    type: Literal["sequence"]
    first: Step
    then: Step
    within: Duration
    same_item: bool = False
    then_occurred: bool = True
    first_within_days: int | None = Field(default=None, ge=1, le=MAX_DAYS)


class ConsentCondition(_Model):
    type: Literal["consent"]
    purpose: PurposeName
    granted: bool = True


class SegmentCondition(_Model):
    """Member (or not) of another segment's materialized membership."""

    type: Literal["segment"]
    segment_id: SegmentId
    member: bool = True


class AndCondition(_Model):
    type: Literal["and"]
    conditions: list[Condition] = Field(min_length=1, max_length=32)


class OrCondition(_Model):
    type: Literal["or"]
    conditions: list[Condition] = Field(min_length=1, max_length=32)


class NotCondition(_Model):
    type: Literal["not"]
    condition: Condition


Condition = Annotated[
    TraitCondition
    | EventCondition
    | SequenceCondition
    | ConsentCondition
    | SegmentCondition
    | AndCondition
    | OrCondition
    | NotCondition,
    Field(discriminator="type"),
]
LEAF_TYPES = (TraitCondition, EventCondition, SequenceCondition, ConsentCondition,
              SegmentCondition)

AndCondition.model_rebuild()
OrCondition.model_rebuild()
NotCondition.model_rebuild()


def check_size(root: Condition) -> None:
    """Bounded trees keep compiled queries (and their plans) a reasonable size."""
    if depth(root) > MAX_DEPTH:
        raise ValueError(f"conditions nest deeper than {MAX_DEPTH} levels")
    if sum(1 for _ in walk(root)) > MAX_NODES:
        raise ValueError(f"more than {MAX_NODES} conditions")


class SegmentDefinition(_Model):
    id: SegmentId
    name: str = Field(min_length=1, max_length=200)
    # Optional on upload: when given it must be the next version (guards concurrent edits);
    # the server numbers versions either way.
    version: int | None = Field(default=None, ge=1)
    description: str | None = Field(default=None, max_length=2000)
    condition: Condition

    @model_validator(mode="after")
    def _bounded(self) -> SegmentDefinition:
        check_size(self.condition)
        return self

    def referenced_segments(self) -> set[str]:
        return {n.segment_id for n in walk(self.condition) if isinstance(n, SegmentCondition)}


class PreviewRequest(_Model):
    """A definition to evaluate without saving; `id` and `name` may be left out."""

    id: SegmentId | None = None
    name: str | None = Field(default=None, max_length=200)
    description: str | None = Field(default=None, max_length=2000)
    condition: Condition
    sample_size: int = Field(default=20, ge=0, le=1000)

    @model_validator(mode="after")
    def _bounded(self) -> PreviewRequest:
        check_size(self.condition)
        return self
