"""The profile page: one shopper found by any id the API resolves, everything about them."""

from __future__ import annotations

import asyncio
from typing import Any

from app.console.charts import neighbourhood
from app.core.errors import ApiError
from app.intake.pii import looks_like_email, normalize_email, sha256_hex
from app.profiles.user_service import UserService
from app.recommend.recommendation_service import RecommendationService

TIMELINE_PAGE = 20
RECOMMENDATIONS = 8


def lookup_id(typed: str) -> str:
    """What to look a shopper up by: an e-mail address becomes the hash it is stored as."""
    typed = typed.strip()
    return "sha256:" + sha256_hex(normalize_email(typed)) if looks_like_email(typed) else typed


async def timeline(users: UserService, user_id: str, cursor: str | None
                   ) -> dict[str, Any]:
    page = await users.events(user_id, type_=None, since=None, until=None,
                              cursor=cursor, limit=TIMELINE_PAGE)
    return {"user_id": page.user_id, "events": page.events, "next_cursor": page.next_cursor}


async def profile_page(users: UserService, recommendations: RecommendationService, id_: str
                       ) -> dict[str, Any]:
    """The page's data, or {"error": ...} when no profile answers to the id."""
    try:
        # both resolve the id themselves (user id, or an anonymous id merged in)
        view, recs = await asyncio.gather(
            users.overview(id_, events=TIMELINE_PAGE),
            recommendations.for_user(id_, RECOMMENDATIONS, None, True))
    except ApiError as exc:
        return {"query": id_, "error": exc.message}
    page, hood = view["events"], view["neighbourhood"]
    user_id = page.user_id
    return {
        "query": id_, "resolved_from": id_ if id_ != user_id else None,
        "profile": view["profile"], "consent_history": view["consent_history"],
        "timeline": {"user_id": user_id, "events": page.events,
                     "next_cursor": page.next_cursor},
        "recommendations": recs,
        "hood_picture": neighbourhood(user_id, hood["items"], hood["neighbours"]),
        "neighbours": hood["neighbours"],
    }
