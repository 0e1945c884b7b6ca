"""A bound on how many requests of one kind are worked on at once.

Closed-loop readers (a storefront's page renders) can keep every coroutine of the process
busy; intake, whose transaction awaits several round trips, then waits behind them at each
one. Reads past the bound wait here, where waiting costs nothing, and the number waiting is
a gauge on /metrics."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from prometheus_client import Gauge


class Admission:
    def __init__(self, limit: int, waiting: Gauge) -> None:
        self._slots = asyncio.Semaphore(limit)
        self._waiting = waiting

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots.locked():
            self._waiting.inc()
            try:
                await self._slots.acquire()
            finally:
                self._waiting.dec()
        else:
            await self._slots.acquire()
        try:
            yield
        finally:
            self._slots.release()
