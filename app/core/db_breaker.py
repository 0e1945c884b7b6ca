"""Fails fast while Neo4j is known to be down.

When a request meets an unavailable database, a probe pings Neo4j (one-second timeout); if
the ping fails too, the breaker opens and API calls get 503 with Retry-After at once instead
of each waiting 6-14 s. The probe keeps pinging once a second and closes it when Neo4j answers.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

from app.core.background import cancel_and_wait
from app.core.metrics import DB_BREAKER_OPEN

log = logging.getLogger("profilegraph.db_breaker")
PROBE_INTERVAL_S = 1.0
PROBE_TIMEOUT_S = 1.0


class DbBreaker:
    def __init__(self, probe: Callable[[], Awaitable[None]]) -> None:
        self._probe = probe
        self._opened_at: float | None = None
        self._task: asyncio.Task | None = None

    @property
    def open(self) -> bool:
        return self._opened_at is not None

    def trip(self) -> None:
        """A request just found the database unavailable: check, and fail fast if it is."""
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._watch(),
                                                                name="db-breaker-probe")

    async def _answers(self) -> bool:
        try:
            async with asyncio.timeout(PROBE_TIMEOUT_S):
                await self._probe()
        except Exception:  # any failure of the ping means: still down
            return False
        return True

    async def _watch(self) -> None:
        while not await self._answers():
            if self._opened_at is None:
                self._opened_at = time.monotonic()
                DB_BREAKER_OPEN.set(1)
                log.warning("database unavailable: failing fast until it answers")
            await asyncio.sleep(PROBE_INTERVAL_S)
        if self._opened_at is not None:
            self._opened_at = None
            DB_BREAKER_OPEN.set(0)
            log.warning("database answers again")

    async def close(self) -> None:
        await cancel_and_wait(self._task)
