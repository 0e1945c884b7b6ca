"""Segment Tracking API bodies, for the OpenAPI document. The intake routes parse bodies
with orjson and check them in app/intake/messages.py (the hot path skips pydantic);
these models describe the same shape."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class SegmentMessage(BaseModel):
    type: Literal["track", "identify", "alias", "page", "screen", "group"] | None = Field(
        None, description="required inside /v1/batch; implied by the single-call routes")
    messageId: str | None = Field(None, description="idempotency key; stored as event_id")
    userId: str | None = Field(None, description="userId or anonymousId is required")
    anonymousId: str | None = None
    previousId: str | None = Field(None, description="alias: the id merged into userId")
    event: str | None = Field(None, description="track: event name, e.g. 'Product Viewed'")
    name: str | None = Field(None, description="page/screen name")
    timestamp: datetime | None = None
    sentAt: datetime | None = Field(None, description="with timestamp: clock-skew correction")
    properties: dict[str, Any] | None = Field(
        None, description="e-commerce spec: product_id, name, category, price, quantity, "
        "products[] (orders), revenue")
    traits: dict[str, Any] | None = Field(
        None, description="identify: profile traits; e-mail and phone are stored only hashed")
    context: dict[str, Any] | None = Field(
        None, description="context.consent.categoryPreferences: {Analytics: true, ...}")


class SegmentBatch(BaseModel):
    batch: list[SegmentMessage] = Field(description="at most 500 KB in all, 32 KB a message")
    context: dict[str, Any] | None = None
    sentAt: datetime | None = None


class DroppedMessage(BaseModel):
    messageId: str
    reason: str = Field(description="no_analytics_consent | unsupported_type | suppressed "
                        "(the person was erased; their messages are not stored again)")


class BatchResult(BaseModel):
    success: bool = True
    stored: int = Field(description="messages applied (events stored, identify/alias applied)")
    duplicates: int = Field(description="events already stored (same messageId)")
    dropped: int
    dropped_reasons: dict[str, int]
    dropped_messages: list[DroppedMessage]
