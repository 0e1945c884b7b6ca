"""What a destination is (the requests an operator sends) and what the routes answer."""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from app.segments.identifiers import SegmentId

EVERY = "*"
DESTINATION_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
TRAIT_NAME = re.compile(r"^[A-Za-z0-9_.\-]{1,64}$")
TOPIC = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


class DestinationKind(StrEnum):
    webhook = "webhook"
    kafka = "kafka"


def _matches(pattern: re.Pattern[str], what: str):
    def check(value: str) -> str:
        if not pattern.match(value):
            raise ValueError(f"not a valid {what} ({pattern.pattern})")
        return value
    return check


# the published schema carries the pattern; the validator gives the readable reason
DestinationId = Annotated[str, Field(json_schema_extra={"pattern": DESTINATION_ID.pattern}),
                          AfterValidator(_matches(DESTINATION_ID, "destination id"))]
TraitName = Annotated[str, Field(json_schema_extra={"pattern": TRAIT_NAME.pattern}),
                      AfterValidator(_matches(TRAIT_NAME, "trait name"))]
EventName = Annotated[str, Field(min_length=1, max_length=200)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class SegmentSubscription(_Model):
    """Entries and/or exits of the listed segments (`["*"]`: every segment, present or
    future)."""
    ids: list[SegmentId | Literal["*"]] = Field(min_length=1, max_length=200)
    changes: list[Literal["entered", "exited"]] = Field(
        default=["entered", "exited"], min_length=1, max_length=2)


class Subscriptions(_Model):
    segments: SegmentSubscription | None = None
    # identify traits by name (`plan` is the profile's `trait_plan`); `["*"]`: every trait
    traits: list[TraitName | Literal["*"]] = Field(default=[], max_length=200)
    # raw events by Segment name (`Product Added`) or stored type (`product_added`); `page`
    # and `screen` for those calls
    events: list[EventName] = Field(default=[], max_length=200)

    @model_validator(mode="after")
    def _something(self) -> Subscriptions:
        if self.segments is None and not self.traits and not self.events:
            raise ValueError("subscribe to at least one of segments, traits, events")
        return self


class DestinationIn(_Model):
    id: DestinationId | None = None  # generated when left out
    name: str = Field(min_length=1, max_length=200)
    kind: DestinationKind
    # webhook: an http(s) URL (refused when it resolves to a private, loopback or link-local
    # address unless allowed by PROFILEGRAPH_DESTINATION_ALLOW_NETWORKS); kafka: a topic
    target: str = Field(min_length=1, max_length=2048)
    subscriptions: Subscriptions
    active: bool = True


class DestinationPatch(_Model):
    name: str | None = Field(default=None, min_length=1, max_length=200)
    target: str | None = Field(default=None, min_length=1, max_length=2048)
    subscriptions: Subscriptions | None = None
    active: bool | None = None
    rotate_secret: bool = False  # a new signing secret, answered once


class Breaker(BaseModel):
    open: bool
    consecutive_failures: int
    open_until: datetime | None = None


class DeliveryCounts(BaseModel):
    pending: int = 0  # not yet attempted
    retrying: int = 0  # attempted, failed, waiting for the next try
    dead: int = 0
    delivered: int = 0


class Destination(BaseModel):
    id: str
    name: str
    kind: DestinationKind
    target: str
    subscriptions: dict[str, Any]
    active: bool
    created_at: datetime | None = None
    updated_at: datetime | None = None
    breaker: Breaker
    deliveries: DeliveryCounts
    # the Standard Webhooks signing secret (`whsec_...`): only in the answer that created or
    # rotated it
    secret: str | None = None


class DestinationList(BaseModel):
    destinations: list[Destination]


class DeliveryState(StrEnum):
    pending = "pending"
    delivered = "delivered"
    dead = "dead"


class Delivery(BaseModel):
    id: str
    type: str
    user_id: str
    state: DeliveryState
    attempts: int
    at: datetime | None = None  # when the change happened
    created_at: datetime | None = None
    next_at: datetime | None = None
    delivered_at: datetime | None = None
    last_status: int | None = None
    last_error: str | None = None
    segment_id: str | None = None
    trait: str | None = None
    event_id: str | None = None


class DeliveryPage(BaseModel):
    deliveries: list[Delivery]


class ReplayRequest(_Model):
    """Deliveries created in [from, to) in these states go back to the queue (attempts
    reset, same ids: receivers deduplicate by `webhook-id`)."""
    from_: datetime = Field(alias="from")
    to: datetime | None = None
    states: list[Literal["dead", "delivered"]] = Field(default=["dead"], min_length=1)

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class ReplayResult(BaseModel):
    requeued: int
