"""Start-up and shut-down of recommendation serving: model store, poller, erasure hook."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from fastapi import FastAPI

from app.intake.ingest_hooks import IngestedChange
from app.recommend.fresh_items import poll_fresh_items
from app.recommend.model_store import ModelStore
from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import RecommendationRepository
from app.recommend.recommendation_service import RecommendationService


@contextlib.asynccontextmanager
async def recommendations_lifespan(app: FastAPI) -> AsyncIterator[None]:
    settings = app.state.settings
    repository = RecommendationRepository(app.state.driver, settings.neo4j_database)
    models = ModelStore(settings.artifacts_dir)
    await asyncio.to_thread(models.reload_if_changed)
    popularity = PopularityService(repository, settings.popular_cache_ttl_s,
                                   settings.popular_recent_days)
    app.state.models = models
    app.state.recommendations = RecommendationService(settings, repository, models, popularity)

    async def on_change(change: IngestedChange) -> None:
        if change.erased:
            models.forget_users(change.erased)

    app.state.ingest_hooks.register(on_change)
    pollers = [asyncio.create_task(models.poll(settings.model_poll_interval_s)),
               asyncio.create_task(poll_fresh_items(models, repository,
                                                    settings.fresh_items_interval_s))]
    try:
        yield
    finally:
        for poller in pollers:
            poller.cancel()
        for poller in pollers:
            with contextlib.suppress(asyncio.CancelledError):
                await poller
        await popularity.close()
