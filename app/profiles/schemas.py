"""Profile, timeline, consent and erasure bodies."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, StrictBool


class Purpose(StrEnum):
    analytics = "analytics"
    personalization = "personalization"
    marketing = "marketing"


class ConsentUpdate(BaseModel):
    # JSON true/false only: "yes", "off", 1 or 0 are refused, never guessed at
    purposes: dict[Purpose, StrictBool] = Field(
        min_length=1, description="purpose -> granted (true) or denied (false), JSON booleans "
        "only",
        examples=[{"analytics": True, "personalization": True, "marketing": False}])
    source: str = Field(default="api", max_length=100)


class ConsentStatus(BaseModel):
    status: Literal["granted", "denied"]
    explicit: bool = Field(description="false when the status is the default policy")
    at: datetime | None = None
    source: str | None = None


class ConsentState(BaseModel):
    user_id: str
    default_policy: Literal["opt_in", "opt_out"]
    purposes: dict[str, ConsentStatus]


class Identity(BaseModel):
    kind: str
    value: str


class Rfm(BaseModel):
    recency_days: int | None = None
    frequency: int = 0
    monetary: float = Field(0.0, description="revenue total, rounded to cents")
    r: int | None = None
    f: int | None = None
    m: int | None = None


class Computed(BaseModel):
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    event_count: int = 0
    counts: dict[str, int] = Field(default_factory=dict, description="events per type")
    order_count: int = 0
    revenue_total: float = Field(0.0, description="sum of order revenue, rounded to cents "
                                 "(the stored total is the exact sum)")
    last_order_at: datetime | None = None
    rfm: Rfm
    engagement_score: float = Field(0.0, description="decayed activity, half-life 14 days")
    engagement_at: datetime | None = None


class Predictions(BaseModel):
    """Predicted traits and the behavioural cluster (docs/predictions.md); null until the
    refresh scored the profile."""

    purchase_30d: float | None = Field(None, description="probability of an order in the "
                                                         "30 days after the latest event")
    value_90d: float | None = Field(None, description="expected revenue over those 90 days, "
                                                    "rounded to cents")
    cluster: int | None = None
    cluster_label: str | None = None
    scored_at: datetime | None = None


class SegmentRef(BaseModel):
    segment_id: str
    name: str | None = None
    since: datetime | None = None


class MergeRecord(BaseModel):
    merge_id: str
    from_user_id: str
    at: datetime
    reason: str | None = None
    via: str | None = None


class Profile(BaseModel):
    user_id: str
    created_at: datetime | None = None
    updated_at: datetime | None = None
    traits: dict[str, Any]
    identities: list[Identity]
    consent: ConsentState
    computed: Computed
    predictions: Predictions = Field(default_factory=Predictions)
    segments: list[SegmentRef]
    merges: list[MergeRecord]


class EventLine(BaseModel):
    item_id: str
    quantity: int | None = None
    price: float | None = None
    position: int | None = None


class EventOut(BaseModel):
    event_id: str
    type: str
    name: str | None = None
    ts: datetime
    received_at: datetime | None = None
    properties: dict[str, Any]
    items: list[EventLine]


class EventsPage(BaseModel):
    user_id: str
    events: list[EventOut]
    next_cursor: str | None = Field(None, description="pass as ?cursor= for the next page")


class ErasureReceipt(BaseModel):
    """`already_erased`: a repeated erasure (GDPR tools retry); it answers with the first
    erasure's receipt, time and counts (receipt_id null for erasures recorded before
    receipts were kept with the suppression list)."""
    status: Literal["erased", "already_erased"] = "erased"
    receipt_id: str | None
    erased_at: datetime
    deleted: dict[str, int]
