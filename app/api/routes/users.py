"""`/v1/users/{id}`: profile, timeline (scope read); export and erasure (scope admin)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query

from app.api.deps import AdminScope, ReadScope, UsersDep
from app.api.paging import CursorQuery
from app.core.errors import ApiError
from app.profiles.schemas import ErasureReceipt, EventsPage, Profile

router = APIRouter(prefix="/v1/users", tags=["users"])


def _utc(value: datetime | None, field: str) -> datetime | None:
    """In UTC, so an offset Neo4j cannot store (beyond ±18 h) never reaches it."""
    if value is None:
        return None
    try:
        return (value if value.tzinfo else value.replace(tzinfo=UTC)).astimezone(UTC)
    except OverflowError:
        reason = "is outside the representable date range"
        raise ApiError(422, "invalid_request", f"{field}: {reason}",
                       [{"field": field, "reason": reason}]) from None


@router.get("/{user_id}/profile", response_model=Profile)
async def get_profile(user_id: str, users: UsersDep, _: ReadScope) -> Profile:
    return await users.profile(user_id)


@router.get("/{user_id}/events", response_model=EventsPage)
async def list_events(
    user_id: str, users: UsersDep, _: ReadScope,
    type: Annotated[str | None, Query(max_length=64, description="event type, e.g. "
                                      "product_viewed")] = None,
    since: Annotated[datetime | None, Query(description="inclusive, ISO 8601")] = None,
    until: Annotated[datetime | None, Query(description="exclusive, ISO 8601")] = None,
    cursor: CursorQuery = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> EventsPage:
    return await users.events(user_id, type_=type, since=_utc(since, "query.since"),
                              until=_utc(until, "query.until"), cursor=cursor, limit=limit)


@router.get("/{user_id}/export")
async def export_user(user_id: str, users: UsersDep, _: AdminScope) -> dict[str, Any]:
    return await users.export(user_id)


@router.delete("/{user_id}", response_model=ErasureReceipt)
async def erase_user(user_id: str, users: UsersDep, _: AdminScope) -> ErasureReceipt:
    return await users.erase(user_id)
