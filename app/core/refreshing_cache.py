"""A keyed in-process cache that serves a value past its TTL while one background load
replaces it (stale-while-revalidate).

Used for reads that are derivable and slow enough that a request waiting for them shows in
the tail: only the first read of a key waits, and concurrent first reads share one load.
Values are held in a bounded cachetools LRU cache, the storage of every cache in the
service (plain expiring lookups use cachetools' TTLCache directly; the item infos of ranked
lists, looked up a hundred at a time, keep their own deadlines: app/recommend/item_info_cache.py).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Hashable
from typing import Generic, TypeVar

from cachetools import LRUCache

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
log = logging.getLogger(__name__)


class RefreshingCache(Generic[K, V]):
    def __init__(self, load: Callable[[K], Awaitable[V]], ttl_s: float, name: str,
                 max_keys: int = 1000) -> None:
        self._load_fn = load
        self._ttl_s = ttl_s
        self._name = name
        self._values: LRUCache[K, tuple[float, V]] = LRUCache(max_keys)
        self._locks: dict[K, asyncio.Lock] = {}
        self._refreshing: dict[K, asyncio.Task[None]] = {}
        self._generation = 0  # bumped by invalidate(): loads begun before it are discarded

    async def get(self, key: K) -> V:
        hit = self._values.get(key)
        if hit is not None:
            if time.monotonic() - hit[0] >= self._ttl_s and key not in self._refreshing:
                self._refreshing[key] = asyncio.create_task(self._refresh(key, self._generation))
            return hit[1]
        # Nothing to serve yet: concurrent misses wait for the same load. The lock is dropped
        # once the value is cached, so keys asked for once leave nothing behind.
        lock = self._locks.setdefault(key, asyncio.Lock())
        try:
            async with lock:
                hit = self._values.get(key)
                if hit is not None:
                    return hit[1]
                return await self._load(key, self._generation)
        finally:
            if self._locks.get(key) is lock and not lock.locked():
                del self._locks[key]

    def invalidate(self) -> None:
        """Forget every value now; the next read of each key waits for a fresh load."""
        self._values.clear()
        self._generation += 1

    async def close(self) -> None:
        """Cancel background loads still running (at shutdown, before the driver closes)."""
        tasks = list(self._refreshing.values())
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task

    async def _load(self, key: K, generation: int) -> V:
        """Load and cache, unless invalidate() ran since `generation` was read."""
        value = await self._load_fn(key)
        if generation == self._generation:
            self._values[key] = (time.monotonic(), value)
        return value

    async def _refresh(self, key: K, generation: int) -> None:
        try:
            await self._load(key, generation)
        except Exception:  # the stale value keeps serving; the next read past the TTL retries
            log.warning("refreshing %s %r failed", self._name, key, exc_info=True)
        finally:
            self._refreshing.pop(key, None)
