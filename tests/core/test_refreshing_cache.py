"""RefreshingCache (popular lists, running experiments, bandit counts): past its TTL a read
gets the cached copy while one background load replaces it; an invalidation wins over a load
that started before it."""

from __future__ import annotations

import asyncio
from typing import Any

from app.core.refreshing_cache import RefreshingCache


class _SlowIndex:
    """A slow load: each read returns the next version, after the test releases it."""

    def __init__(self) -> None:
        self.reads = 0
        self.release = asyncio.Event()

    async def index(self, _key: None = None) -> list[dict[str, Any]]:
        self.reads += 1
        version = self.reads
        await self.release.wait()
        return [{"segment_id": "s", "version": version}]


Index = RefreshingCache[None, list[dict[str, Any]]]


def _service(repo: _SlowIndex, ttl: float) -> Index:
    return RefreshingCache(repo.index, ttl, "test index")


async def test_first_read_waits_then_later_reads_are_cached() -> None:
    repo = _SlowIndex()
    service = _service(repo, ttl=60.0)
    first = asyncio.create_task(service.get(None))
    await asyncio.sleep(0)
    assert not first.done()  # nothing cached yet: the first read waits for the database
    repo.release.set()
    assert (await first)[0]["version"] == 1
    assert (await service.get(None))[0]["version"] == 1
    assert repo.reads == 1


async def test_stale_index_is_served_while_one_background_read_replaces_it() -> None:
    repo = _SlowIndex()
    repo.release.set()
    service = _service(repo, ttl=0.0)
    assert (await service.get(None))[0]["version"] == 1
    repo.release.clear()
    # Past the TTL: answered at once from the cache, one read started for all callers.
    for _ in range(3):
        assert (await asyncio.wait_for(service.get(None), 0.5))[0]["version"] == 1
    assert repo.reads == 2
    repo.release.set()
    await asyncio.sleep(0.01)
    assert (await service.get(None))[0]["version"] == 2
    await service.close()


async def test_invalidation_discards_a_read_that_started_before_it() -> None:
    repo = _SlowIndex()
    repo.release.set()
    service = _service(repo, ttl=0.0)
    await service.get(None)
    repo.release.clear()
    await service.get(None)  # starts background read number 2
    service.invalidate()  # e.g. a segment upload in this process
    repo.release.set()
    await asyncio.sleep(0.01)  # the background read ends; its rows predate the upload
    assert (await service.get(None))[0]["version"] == 3
    await service.close()
