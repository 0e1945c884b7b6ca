"""Shopper contexts of concurrent recommendation requests, read from the graph together.

Nothing is cached: every request reads its shopper after it arrived. What is shared is the
statement: one costs the driver about half a millisecond of Python (session, result,
packstream, the socket write) and Neo4j a fixed share of its own whatever it reads, and that
was the largest part of a recommendation's cost (docs/benchmarks.md, "Serving"). So the
requests that arrive while a group is being read and worked on wait, and the next statement
reads all of them (`cypher/recommend/get_user_contexts.cypher`), as intake's group commit
does for writes. The next group is read once at most `overlap` requests of the previous one
are still being worked on (so its read overlaps their scoring), or after `hold_s` whatever
they do. A lone request is read at once; under load the groups grow with the load.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
from collections.abc import AsyncIterator, Awaitable, Callable, Hashable, Iterable
from typing import Generic, TypeVar

K = TypeVar("K", bound=Hashable)  # what requests must share to be read together
V = TypeVar("V")

MAX_GROUP = 64
OVERLAP = 2  # the recommendation admission's default: what is worked on at once
HOLD_S = 0.05


class GroupedReads(Generic[K, V]):
    def __init__(self, read: Callable[[K, list[str]], Awaitable[dict[str, V]]],
                 max_group: int = MAX_GROUP, overlap: int = OVERLAP, hold_s: float = HOLD_S,
                 observe: Callable[[int], object] = lambda _: None) -> None:
        self._read = read  # (key, distinct ids) -> value per id found
        self._max_group = max_group
        self._overlap = overlap
        self._hold_s = hold_s
        self._observe = observe  # the size of each group read
        self._waiting: dict[K, dict[str, list[asyncio.Future[V | None]]]] = {}
        self._task: asyncio.Task[None] | None = None
        self._working = 0  # requests of the last group read, not finished yet
        self._fewer = asyncio.Event()  # set when `_working` drops to `overlap` or below

    async def get(self, key: K, id_: str) -> V | None:
        """The value for `id_` (None when the read found nothing), read after this call."""
        async with self.turn(key, id_) as reading:
            return await reading

    @contextlib.asynccontextmanager
    async def turn(self, key: K, id_: str) -> AsyncIterator[asyncio.Future[V | None]]:
        """`get` for a request that works on the value inside the block: yields the value to
        come, so the request may wait for something else (an admission slot) while it is
        read. The next group is read as the requests of this one leave their blocks."""
        future: asyncio.Future[V | None] = asyncio.get_running_loop().create_future()
        self._waiting.setdefault(key, {}).setdefault(id_, []).append(future)
        if self._task is None:
            self._task = asyncio.create_task(self._drain(), name="grouped-reads")
        try:
            yield future
        finally:
            if not future.done():
                future.cancel()  # left before its read: the group neither waits nor counts it
            elif not future.cancelled() and future.exception() is None:
                self._leave()  # counted when its value was set

    def _leave(self) -> None:
        self._working -= 1
        if self._working <= self._overlap:
            self._fewer.set()

    async def _drain(self) -> None:
        try:
            while self._waiting:
                if self._working > self._overlap:
                    self._fewer.clear()
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._fewer.wait(), self._hold_s)
                await self._read_group()
        except BaseException as exc:  # cancelled at shutdown: nobody is left waiting
            _fail((f for group in self._waiting.values() for f in group.values()), exc)
            self._waiting.clear()
            raise
        finally:
            self._task = None

    async def _read_group(self) -> None:
        key = next(iter(self._waiting))  # oldest key first
        group = self._waiting[key]
        taken = {i: group.pop(i) for i in list(itertools.islice(group, self._max_group))}
        if not group:
            del self._waiting[key]
        # Requests that left before their read (a client gone) are not read.
        taken = {i: fs for i, fs in taken.items() if not all(f.done() for f in fs)}
        if not taken:
            return
        self._observe(len(taken))
        try:
            found = await self._read(key, list(taken))
        except BaseException as exc:
            _fail(taken.values(), exc)
            if not isinstance(exc, Exception):
                raise
            return
        for id_, futures in taken.items():
            value = found.get(id_)
            for future in futures:
                if not future.done():  # its request may have left already
                    self._working += 1  # until it leaves its `turn`
                    future.set_result(value)


def _fail(groups: Iterable[list[asyncio.Future[V | None]]], exc: BaseException) -> None:
    """The read failed: its requests get the error (503 for an unavailable database), or
    are cancelled with the reader."""
    for futures in groups:
        for future in futures:
            if future.done():
                continue
            if isinstance(exc, Exception):
                future.set_exception(exc)
            else:
                future.cancel()
