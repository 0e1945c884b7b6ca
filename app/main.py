"""The FastAPI application: `create_app()` wires settings, the driver and the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager

from fastapi import FastAPI

from app.api.router import api_router
from app.auth.api_key_repository import ApiKeyRepository
from app.auth.auth_service import AuthService
from app.core.config import Settings, get_settings
from app.core.errors import install_error_handlers
from app.core.gc_tuning import startup_objects_frozen
from app.core.logging import RequestLogMiddleware, configure_logging
from app.core.paths import MIGRATIONS_DIR
from app.db.driver import create_driver
from app.experiments.lifespan import experiments_lifespan
from app.intake.ingest_hooks import IngestHooks
from app.migrate.runner import MigrationRunner
from app.recommend.recommendation_lifespan import recommendations_lifespan
from app.segments.lifespan import segments_lifespan


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        driver = create_driver(settings)
        app.state.settings = settings
        app.state.driver = driver
        app.state.migrations = MigrationRunner(
            driver, MIGRATIONS_DIR, database=settings.neo4j_database
        )
        app.state.auth = AuthService(settings, ApiKeyRepository(driver, settings.neo4j_database))
        app.state.ingest_hooks = IngestHooks()
        try:
            # Each area starts its own background work and hooks; the stack stops them in
            # reverse order before the driver closes.
            async with AsyncExitStack() as areas:
                await areas.enter_async_context(recommendations_lifespan(app))
                await areas.enter_async_context(segments_lifespan(app))
                await areas.enter_async_context(experiments_lifespan(app))
                areas.enter_context(startup_objects_frozen())
                yield
        finally:
            await driver.close()

    app = FastAPI(title="ProfileGraph", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(RequestLogMiddleware)
    app.include_router(api_router)
    return app
