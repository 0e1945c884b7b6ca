"""Segment services for the app: wired in the lifespan, and the membership worker (which
applies ingest's membership work and runs the periodic sweep) started in the background."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from fastapi import FastAPI
from neo4j import AsyncDriver

from app.analyst.analyst_service import AnalystService
from app.core.config import Settings
from app.db.database import Database
from app.segments.loaded import CompileCache
from app.segments.membership_repository import MembershipRepository
from app.segments.membership_service import MembershipService
from app.segments.membership_worker import MembershipWorker
from app.segments.segment_repository import SegmentRepository
from app.segments.segment_service import SegmentService


@dataclass(frozen=True)
class SegmentServices:
    segments: SegmentService
    membership: MembershipService
    analyst: AnalystService


def build_services(driver: AsyncDriver, settings: Settings) -> SegmentServices:
    """The segment, membership and analyst services over one driver (app and CLI)."""
    database = settings.neo4j_database
    cache = CompileCache()
    db = Database(driver, database)
    segments, members = SegmentRepository(db), MembershipRepository(db)
    membership = MembershipService(segments, members, cache)
    return SegmentServices(
        SegmentService(segments, members, membership, cache), membership,
        AnalystService(driver, database, settings.analyst_timeout_s, settings.analyst_row_cap))


async def apply_membership_work(driver: AsyncDriver, settings: Settings) -> int:
    """Apply the membership work pending in the graph now (importers and other tools write
    through intake, which records it); returns the profiles applied."""
    services = build_services(driver, settings)
    try:
        return await MembershipWorker(services.membership, wait_s=0).run_until_idle()
    finally:
        await services.membership.close()


@asynccontextmanager
async def segments_lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    services = build_services(app.state.driver, settings)
    membership = services.membership
    app.state.membership = membership
    app.state.segments = services.segments
    app.state.analyst = services.analyst
    worker = MembershipWorker(membership, wait_s=settings.segment_membership_wait_s,
                              sweep_interval_s=settings.segment_sweep_interval_s)
    app.state.membership_worker = worker
    app.state.ingest_hooks.register(worker.on_ingest)
    worker.start()
    try:
        yield
    finally:
        await worker.stop()
        await membership.close()
