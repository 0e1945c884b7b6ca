"""Shopper reads of concurrent requests share one statement: who is read with whom, when the
next group goes, and what a failure or a request that left does to the others."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from app.recommend.grouped_reads import GroupedReads
from tests.recommend.conftest import CONSENT_ALL, event, send


class Reader:
    """Answers each read after the test releases it; records the ids of every statement."""

    def __init__(self) -> None:
        self.statements: list[list[str]] = []
        self.release = asyncio.Event()
        self.fail: Exception | None = None

    async def __call__(self, key: str, ids: list[str]) -> dict[str, str]:
        self.statements.append(ids)
        await self.release.wait()
        if self.fail is not None:
            raise self.fail
        return {i: f"{key}:{i}" for i in ids if not i.startswith("unknown")}


async def settle() -> None:
    for _ in range(5):
        await asyncio.sleep(0)


async def test_requests_arriving_during_a_read_go_together_in_the_next() -> None:
    reader = Reader()
    reads = GroupedReads(reader)
    first = asyncio.create_task(reads.get("k", "a"))
    await settle()
    assert reader.statements == [["a"]]  # a lone request is read at once
    later = [asyncio.create_task(reads.get("k", i)) for i in ("b", "c", "b", "unknown")]
    await settle()
    assert reader.statements == [["a"]]  # they wait for the read in flight
    reader.release.set()
    assert await first == "k:a"
    assert await asyncio.gather(*later) == ["k:b", "k:c", "k:b", None]
    assert reader.statements == [["a"], ["b", "c", "unknown"]]  # one more, ids once


async def test_only_requests_with_the_same_key_share_a_statement() -> None:
    reader = Reader()
    reader.release.set()
    blocker = asyncio.Event()

    async def slow(key: str, ids: list[str]) -> dict[str, str]:
        await blocker.wait()
        return await reader(key, ids)

    reads = GroupedReads(slow)
    tasks = [asyncio.create_task(reads.get(k, i))
             for k, i in (("x", "a"), ("x", "b"), ("y", "b"), ("x", "c"))]
    await settle()
    blocker.set()
    assert await asyncio.gather(*tasks) == ["x:a", "x:b", "y:b", "x:c"]
    assert reader.statements == [["a", "b", "c"], ["b"]]


async def test_the_next_group_waits_while_the_last_one_is_worked_on() -> None:
    reader = Reader()
    reader.release.set()
    reads = GroupedReads(reader, overlap=1, hold_s=30)
    done = asyncio.Event()
    entered: list[str] = []

    async def request(id_: str) -> None:
        async with reads.turn("k", id_) as reading:
            entered.append(await reading)
            await done.wait()  # the request works on its value

    first = [asyncio.create_task(request(i)) for i in ("a", "b")]
    await settle()
    assert entered == ["k:a", "k:b"] and reader.statements == [["a", "b"]]
    second = asyncio.create_task(request("c"))
    await settle()
    assert reader.statements == [["a", "b"]]  # two of the last group still work: it waits
    done.set()
    await asyncio.gather(*first, second)
    assert reader.statements == [["a", "b"], ["c"]]


async def test_a_group_held_past_hold_s_does_not_stop_the_next() -> None:
    reader = Reader()
    reader.release.set()
    reads = GroupedReads(reader, overlap=0, hold_s=0.05)
    stuck = asyncio.Event()

    async def request(id_: str) -> str | None:
        async with reads.turn("k", id_) as reading:
            value = await reading
            await stuck.wait()
            return value

    held = asyncio.create_task(request("a"))
    await settle()
    assert await asyncio.wait_for(reads.get("k", "b"), 5) == "k:b"
    stuck.set()
    assert await held == "k:a"


async def test_a_failed_read_fails_its_group_and_the_next_group_is_read() -> None:
    reader = Reader()
    reads = GroupedReads(reader)
    tasks = [asyncio.create_task(reads.get("k", i)) for i in ("a", "b")]
    await settle()
    reader.fail = ConnectionError("neo4j went away")
    reader.release.set()
    results = await asyncio.gather(*tasks, return_exceptions=True)
    assert all(isinstance(r, ConnectionError) for r in results)
    reader.fail = None
    assert await reads.get("k", "c") == "k:c"


async def test_a_request_that_left_before_its_read_is_not_waited_for() -> None:
    reader = Reader()
    reads = GroupedReads(reader, overlap=0, hold_s=30)
    first = asyncio.create_task(reads.get("k", "a"))
    await settle()
    gone = asyncio.create_task(reads.get("k", "b"))
    await settle()
    gone.cancel()  # a client that disconnected while "a" was read
    await settle()
    reader.release.set()
    assert await first == "k:a"
    # Nothing of the last group is left working, so the next read goes at once; the
    # request that left is not read.
    assert await asyncio.wait_for(reads.get("k", "c"), 5) == "k:c"
    assert reader.statements == [["a"], ["c"]]
    with pytest.raises(asyncio.CancelledError):
        await gone


async def test_concurrent_requests_read_their_own_shoppers_in_one_statement(
    client: httpx.AsyncClient, admin_headers: dict[str, str]
) -> None:
    for user, personalization in (("ann", True), ("ben", False)):
        r = await client.put(f"/v1/users/{user}/consent", headers=admin_headers, json={
            "purposes": {**CONSENT_ALL, "personalization": personalization}})
        assert r.status_code == 200, r.text
    await send(client, admin_headers, [event("ann", "Product Viewed", "i1", days_ago=2),
                                       event("ann", "Order Completed", "i4"),
                                       event("ben", "Order Completed", "i5")])
    services = client._transport.app.state.services  # type: ignore[attr-defined]
    repository = services.recommendation_repository
    statements: list[list[str]] = []
    read = repository._contexts._read

    async def recording(key: object, ids: list[str]) -> object:
        statements.append(ids)
        return await read(key, ids)

    repository._contexts._read = recording
    ann, ben, nobody, ann_again = await asyncio.gather(
        *(repository.user_context(i, 50) for i in ("ann", "ben", "nobody", "ann")))
    assert statements == [["ann", "ben", "nobody"]]  # one statement, each id once
    assert ann is not None and [h[0] for h in ann.history] == ["i4", "i1"]
    assert ann_again == ann
    assert ben is not None and ben.consent == "denied" and ben.history == ()
    assert nobody is None
