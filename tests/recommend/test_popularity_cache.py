"""The popularity cache: the first read waits for the ranking query, concurrent misses share
it, and past the TTL the stale list is served while one background query replaces it."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import cast

from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import ItemInfo, RecommendationRepository


class _SlowRanking:
    """Stands in for RecommendationRepository.popular(): each query returns the next version
    once the test releases it."""

    def __init__(self) -> None:
        self.queries = 0
        self.release = asyncio.Event()

    async def popular(self, since: datetime | None, category: str | None,
                      limit: int) -> list[ItemInfo]:
        self.queries += 1
        version = self.queries
        await self.release.wait()
        return [ItemInfo(f"v{version}", None, category)]


def _service(repo: _SlowRanking, ttl: float) -> PopularityService:
    return PopularityService(cast(RecommendationRepository, repo), ttl_s=ttl, recent_days=30)


async def _expired_after_first_list(repo: _SlowRanking) -> PopularityService:
    """A service whose first list (v1) is loaded and already past its TTL."""
    service = _service(repo, ttl=0.0)
    repo.release.set()
    await service.ranked()
    return service


async def test_concurrent_misses_share_one_query() -> None:
    repo = _SlowRanking()
    service = _service(repo, ttl=60.0)
    first = asyncio.create_task(service.ranked())
    second = asyncio.create_task(service.ranked())
    await asyncio.sleep(0)
    assert not first.done()  # nothing cached: the first read waits for the database
    repo.release.set()
    assert await first == await second == ([ItemInfo("v1", None, None)], "recent")
    assert repo.queries == 1
    assert (await service.ranked())[0][0].item_id == "v1"
    assert repo.queries == 1


async def test_stale_list_is_served_while_one_refresh_runs() -> None:
    repo = _SlowRanking()
    service = await _expired_after_first_list(repo)
    repo.release.clear()
    # Past the TTL: answered at once with the stale list, one refresh started.
    stale = [await asyncio.wait_for(service.ranked(), 0.5) for _ in range(3)]
    assert all(items[0].item_id == "v1" for items, _ in stale)
    assert repo.queries == 2
    repo.release.set()
    for _ in range(5):
        await asyncio.sleep(0)
    assert (await service.ranked())[0][0].item_id == "v2"
    await service.close()


async def test_failed_refresh_keeps_serving_and_retries() -> None:
    repo = _SlowRanking()
    service = await _expired_after_first_list(repo)

    async def down(*_: object) -> list[ItemInfo]:
        raise ConnectionError("database unavailable")

    repo.popular = down  # type: ignore[method-assign]
    assert (await service.ranked())[0][0].item_id == "v1"
    await asyncio.sleep(0.01)  # the refresh fails in the background
    assert (await service.ranked())[0][0].item_id == "v1"
    await service.close()


async def test_close_cancels_a_running_refresh() -> None:
    repo = _SlowRanking()
    service = await _expired_after_first_list(repo)
    repo.release.clear()
    await service.ranked()  # starts a refresh that waits forever
    await asyncio.sleep(0)
    await asyncio.wait_for(service.close(), 0.5)


async def test_locks_of_loaded_lists_are_dropped() -> None:
    repo = _SlowRanking()
    repo.release.set()
    service = _service(repo, ttl=60.0)
    for category in ("a", "b", "c"):
        await service.ranked(category)
    assert service._lists._locks == {}
