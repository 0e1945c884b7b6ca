"""Non-personalized rankings (overall, per category, recent window), cached briefly.

Popularity moves slowly, so each list is computed at most once per TTL per process; that
keeps fallbacks as fast as personalized answers. A list past its TTL is still served while
one background task recomputes it: the ranking query reads every recent event, and making
requests wait for it put a stall of tens of milliseconds on the serving path every TTL.
The cache is derivable, never shared state.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from datetime import UTC, datetime, timedelta

from app.repositories.recommendation_repository import ItemInfo, RecommendationRepository

# Enough to fill a list after exclusions and diversity capping.
POOL_SIZE = 200
MAX_KEYS = 1000

Key = tuple[str | None, bool]
log = logging.getLogger(__name__)


class PopularityService:
    def __init__(self, repository: RecommendationRepository, ttl_s: float,
                 recent_days: int) -> None:
        self._repository = repository
        self._ttl_s = ttl_s
        self._recent_days = recent_days
        self._cache: dict[Key, tuple[float, list[ItemInfo]]] = {}
        self._locks: dict[Key, asyncio.Lock] = {}
        self._refreshing: dict[Key, asyncio.Task[None]] = {}

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
        if hit is not None:
            if time.monotonic() - hit[0] >= self._ttl_s and key not in self._refreshing:
                self._refreshing[key] = asyncio.create_task(self._refresh(key))
            return hit[1]
        # Nothing to serve yet: concurrent misses wait for the same answer. The lock is
        # dropped once the list is cached, so categories asked for once leave nothing behind.
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                hit = self._cache.get(key)
                if hit is not None:
                    return hit[1]
                return await self._load(key)
        finally:
            if self._locks.get(key) is lock and not lock.locked():
                del self._locks[key]

    async def _load(self, key: Key) -> list[ItemInfo]:
        category, recent = key
        since = datetime.now(UTC) - timedelta(days=self._recent_days) if recent else None
        items = await self._repository.popular(since, category, POOL_SIZE)
        if len(self._cache) >= MAX_KEYS:
            self._cache.clear()
        self._cache[key] = (time.monotonic(), items)
        return items

    async def _refresh(self, key: Key) -> None:
        try:
            await self._load(key)
        except Exception:  # the stale list keeps serving; the next request past TTL retries
            log.warning("popularity refresh failed for %s", key, exc_info=True)
        finally:
            self._refreshing.pop(key, None)

    async def close(self) -> None:
        """Cancels refreshes still running (at shutdown, before the driver closes)."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
