"""Segment services for the app: wired in the lifespan, the ingest listener registered, and
the periodic sweep of time-windowed segments running in the background."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from neo4j import AsyncDriver

from app.analyst.analyst_service import AnalystService, WorkerTarget
from app.core.config import Settings
from app.segments.loaded import CompileCache
from app.segments.membership_repository import MembershipRepository
from app.segments.membership_service import MembershipService
from app.segments.segment_repository import SegmentRepository
from app.segments.segment_service import SegmentService

log = logging.getLogger("profilegraph.segments.sweep")


async def _sweep_forever(membership: MembershipService, interval_s: float) -> None:
    while True:
        await asyncio.sleep(interval_s)
        try:
            results = await membership.sweep()
            changed = sum(r.entered + r.exited for r in results)
            log.info("segment sweep: %d segments, %d changes", len(results), changed)
        except Exception:  # the next sweep retries; a failed one must not stop the loop
            log.exception("segment sweep failed")


@dataclass(frozen=True)
class SegmentServices:
    segments: SegmentService
    membership: MembershipService
    analyst: AnalystService


def build_services(driver: AsyncDriver, settings: Settings) -> SegmentServices:
    """The segment, membership and analyst services over one driver (app and CLI)."""
    database = settings.neo4j_database
    cache = CompileCache()
    segments, members = SegmentRepository(driver, database), MembershipRepository(driver, database)
    membership = MembershipService(segments, members, cache)
    return SegmentServices(
        SegmentService(segments, members, membership, cache), membership,
        AnalystService(WorkerTarget.from_settings(settings), settings.analyst_timeout_s,
                       settings.analyst_row_cap, settings.analyst_byte_cap,
                       settings.analyst_workers))


@asynccontextmanager
async def segments_lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    services = build_services(app.state.driver, settings)
    membership = services.membership
    app.state.membership = membership
    app.state.segments = services.segments
    app.state.analyst = services.analyst
    app.state.ingest_hooks.register(membership.on_ingest)
    task = None
    if settings.segment_sweep_interval_s > 0:
        task = asyncio.create_task(
            _sweep_forever(membership, settings.segment_sweep_interval_s), name="segment-sweep")
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await membership.close()
