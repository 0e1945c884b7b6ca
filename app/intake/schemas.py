"""The intake answer, for the OpenAPI document (request bodies: app/intake/wire_schema.py)."""

from __future__ import annotations

from pydantic import BaseModel, Field


class DroppedMessage(BaseModel):
    messageId: str
    reason: str = Field(description="no_analytics_consent | unsupported_type | suppressed "
                        "(the person was erased; their messages are not stored again)")


class BatchResult(BaseModel):
    success: bool = True
    stored: int | None = Field(description="messages applied (events stored, identify/alias "
                               "applied); null in Kafka mode (applied later)")
    duplicates: int | None = Field(description="events already stored (same messageId); null "
                                   "in Kafka mode")
    queued: int | None = Field(None, description="Kafka mode: messages the broker "
                               "acknowledged, applied by the intake consumer")
    dropped: int
    dropped_reasons: dict[str, int]
    dropped_messages: list[DroppedMessage]
