"""The periodic sweep of time-windowed segments, run in the background of a serving process."""

from __future__ import annotations

import asyncio
import logging

from app.segments.membership_service import MembershipService

log = logging.getLogger("profilegraph.segments.sweep")


async def sweep_forever(membership: MembershipService, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            results = await membership.sweep()
            changed = sum(r.entered + r.exited for r in results)
            log.info("segment sweep: %d segments, %d changes", len(results), changed)
        except Exception:  # the next sweep retries; a failed one must not stop the loop
            log.exception("segment sweep failed")
