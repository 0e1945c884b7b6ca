"""Non-personalized rankings (overall, per category, recent window), cached briefly.

`popular` is the one popular-items list every non-personalized answer uses (the fallback of
recommendations and of similar items, the experiments' popularity control): the items of the
last `popular_recent_days` days (all time when that window is empty), optionally one
category, ranked by distinct shoppers weighted by their strongest interaction
(cypher/recommend/popular_items.cypher), and the reason shown with them: "popular in
<category>", "popular in the last N days" or "popular overall".

Popularity moves slowly, so each list is computed at most once per TTL per process; that
keeps fallbacks as fast as personalized answers. A list past its TTL is still served while
one background task recomputes it: the ranking query reads every recent event, and making
requests wait for it put a stall of tens of milliseconds on the serving path every TTL.
The cache is derivable, never shared state.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from app.core.refreshing_cache import RefreshingCache
from app.recommend.recommendation_repository import ItemInfo, RecommendationRepository

# Enough to fill a list after exclusions and diversity capping.
POOL_SIZE = 200

# (scope, value, recent): scope 'category' (value None: every item) or 'segment'.
Key = tuple[str, str | None, bool]


@dataclass(frozen=True)
class PopularList:
    items: list[ItemInfo]
    reason: str  # what a shopper is told about each item


class PopularityService:
    def __init__(self, repository: RecommendationRepository, ttl_s: float,
                 recent_days: int) -> None:
        self._repository = repository
        self._recent_days = recent_days
        self._lists: RefreshingCache[Key, list[ItemInfo]] = RefreshingCache(
            self._load, ttl_s, "popularity list")

    async def ranked(self, category: str | None = None) -> tuple[list[ItemInfo], str]:
        """Recent popularity first; all-time when the recent window is empty. Returns the items
        and which window they came from ('recent' or 'all_time')."""
        return await self._ranked("category", category)

    async def popular(self, category: str | None = None, excluded: Collection[str] = ()
                      ) -> PopularList:
        """The popular-items list (module docstring), without the `excluded` items."""
        items, window = await self.ranked(category)
        if category is not None:
            reason = f"popular in {category}"
        elif window == "recent":
            reason = f"popular in the last {self._recent_days} days"
        else:
            reason = "popular overall"
        return PopularList(without(items, excluded), reason)

    async def in_segment(self, segment_id: str) -> tuple[list[ItemInfo], str]:
        """What the members of a segment (with personalization consent) interact with."""
        return await self._ranked("segment", segment_id)

    async def _ranked(self, scope: str, value: str | None) -> tuple[list[ItemInfo], str]:
        recent = await self._lists.get((scope, value, True))
        if recent:
            return recent, "recent"
        return await self._lists.get((scope, value, False)), "all_time"

    async def _load(self, key: Key) -> list[ItemInfo]:
        scope, value, recent = key
        since = datetime.now(UTC) - timedelta(days=self._recent_days) if recent else None
        if scope == "segment" and value is not None:
            return await self._repository.popular_in_segment(value, since, POOL_SIZE)
        return await self._repository.popular(since, value, POOL_SIZE)

    async def close(self) -> None:
        """Cancels refreshes still running (at shutdown, before the driver closes)."""
        await self._lists.close()


def without(items: list[ItemInfo], excluded: Collection[str]) -> list[ItemInfo]:
    return [i for i in items if i.item_id not in excluded] if excluded else items
