"""Non-personalized rankings (overall, per category, recent window), cached briefly.

Popularity moves slowly, so each list is computed at most once per TTL per process; that
keeps fallbacks as fast as personalized answers. The cache is derivable, never shared state.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta

from app.repositories.recommendation_repository import ItemInfo, RecommendationRepository

# Enough to fill a list after exclusions and diversity capping.
POOL_SIZE = 200


class PopularityService:
    def __init__(self, repository: RecommendationRepository, ttl_s: float,
                 recent_days: int) -> None:
        self._repository = repository
        self._ttl_s = ttl_s
        self._recent_days = recent_days
        self._cache: dict[tuple[str | None, bool], tuple[float, list[ItemInfo]]] = {}
        self._locks: dict[tuple[str | None, bool], asyncio.Lock] = {}

    async def ranked(self, category: str | None = None) -> tuple[list[ItemInfo], str]:
        """Recent popularity first; all-time when the recent window is empty. Returns the items
        and which window they came from ('recent' or 'all_time')."""
        recent = await self._get(category, recent=True)
        if recent:
            return recent, "recent"
        return await self._get(category, recent=False), "all_time"

    async def _get(self, category: str | None, recent: bool) -> list[ItemInfo]:
        key = (category, recent)
        hit = self._cache.get(key)
        if hit and time.monotonic() - hit[0] < self._ttl_s:
            return hit[1]
        # One query per key at a time: concurrent misses wait for the same answer.
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            hit = self._cache.get(key)
            if hit and time.monotonic() - hit[0] < self._ttl_s:
                return hit[1]
            since = datetime.now(UTC) - timedelta(days=self._recent_days) if recent else None
            items = await self._repository.popular(since, category, POOL_SIZE)
            if len(self._cache) > 1000:
                self._cache.clear()
            self._cache[key] = (time.monotonic(), items)
            return items

    def invalidate(self) -> None:
        self._cache.clear()
