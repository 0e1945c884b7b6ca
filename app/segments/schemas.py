"""What the segment routes answer (the definitions a marketer sends are in definition.py)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field


class SegmentSummary(BaseModel):
    segment_id: str
    name: str
    version: int
    definition: dict[str, Any]
    created_at: datetime | None = None
    size: int
    updated_at: datetime | None = None


class SegmentList(BaseModel):
    segments: list[SegmentSummary]


class SegmentVersion(BaseModel):
    """One stored version: its definition and the Cypher it compiled to."""

    segment_id: str
    name: str
    version: int
    definition: dict[str, Any]
    compiled_cypher: str
    parameters: dict[str, Any]
    created_at: datetime | None = None


class SegmentDetail(SegmentVersion):
    """The current version, with its size and the versions kept."""

    size: int
    updated_at: datetime | None = None
    versions: list[int]


class SegmentPreview(BaseModel):
    count: int
    sample: list[str]
    compiled_cypher: str


class Member(BaseModel):
    user_id: str
    since: datetime | None = None


class MembersPage(BaseModel):
    members: list[Member]
    next_cursor: str | None = None


class SegmentCount(BaseModel):
    segment_id: str
    count: int


class ConditionResult(BaseModel):
    pointer: str  # JSON pointer into the definition
    type: str
    matches: bool | None
    condition: dict[str, Any] | None  # leaf conditions only


class MemberExplanation(BaseModel):
    segment_id: str
    version: int
    user_id: str
    member: bool
    matches: bool | None
    conditions: list[ConditionResult]


class UserSegment(BaseModel):
    segment_id: str
    name: str | None = None
    since: datetime | None = None


class UserSegments(BaseModel):
    user_id: str
    segments: list[UserSegment]


class MembershipChange(BaseModel):
    user_id: str
    change: str  # entered | exited
    at: datetime | None = None


class MembershipChanges(BaseModel):
    segment_id: str
    changes: list[MembershipChange]
    next_cursor: str | None = Field(
        None, description="pass as ?cursor= for the next (older) page; null on the last page")


class Refreshed(BaseModel):
    segment_id: str
    entered: int = 0
    exited: int = 0
    size: int = 0


class RefreshReport(BaseModel):
    refreshed: list[Refreshed]


class SegmentDeletion(BaseModel):
    """A deletion's answer: `deleted` when the segment is gone (200), `deleting` when the
    request's time ran out first (202; it continues in the background, and DELETE again
    reports the progress)."""
    segment_id: str
    status: str  # deleted | deleting
    deleted: dict[str, int]  # by this request: membership_changes, members, versions
    remaining: dict[str, int]
    transactions: int
