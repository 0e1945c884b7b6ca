"""The segment dependency index cache of MembershipService: past its TTL an ingest uses the
cached copy while one background read replaces it; an upload's invalidation wins over a read
that started before it."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from app.segments.membership_repository import MembershipRepository
from app.segments.membership_service import MembershipService
from app.segments.segment_repository import SegmentRepository


class _SlowIndex:
    """Stands in for SegmentRepository.index(): each read returns the next version, after
    the test releases it."""

    def __init__(self) -> None:
        self.reads = 0
        self.release = asyncio.Event()

    async def index(self) -> list[dict[str, Any]]:
        self.reads += 1
        version = self.reads
        await self.release.wait()
        return [{"segment_id": "s", "version": version}]


def _service(repo: _SlowIndex, ttl: float) -> MembershipService:
    return MembershipService(cast(SegmentRepository, repo),
                             cast(MembershipRepository, None), index_ttl_s=ttl)


async def test_first_read_waits_then_later_reads_are_cached() -> None:
    repo = _SlowIndex()
    service = _service(repo, ttl=60.0)
    first = asyncio.create_task(service._cached_index())
    await asyncio.sleep(0)
    assert not first.done()  # nothing cached yet: the first read waits for the database
    repo.release.set()
    assert (await first)[0]["version"] == 1
    assert (await service._cached_index())[0]["version"] == 1
    assert repo.reads == 1


async def test_stale_index_is_served_while_one_background_read_replaces_it() -> None:
    repo = _SlowIndex()
    repo.release.set()
    service = _service(repo, ttl=0.0)
    assert (await service._cached_index())[0]["version"] == 1
    repo.release.clear()
    # Past the TTL: answered at once from the cache, one read started for all callers.
    for _ in range(3):
        assert (await asyncio.wait_for(service._cached_index(), 0.5))[0]["version"] == 1
    assert repo.reads == 2
    repo.release.set()
    await asyncio.sleep(0.01)
    assert (await service._cached_index())[0]["version"] == 2
    await service.close()


async def test_invalidation_discards_a_read_that_started_before_it() -> None:
    repo = _SlowIndex()
    repo.release.set()
    service = _service(repo, ttl=0.0)
    await service._cached_index()
    repo.release.clear()
    await service._cached_index()  # starts background read number 2
    service.invalidate_index()  # an upload in this process
    repo.release.set()
    await asyncio.sleep(0.01)  # the background read ends; its rows predate the upload
    assert (await service._cached_index())[0]["version"] == 3
    await service.close()
