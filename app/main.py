"""The FastAPI application: `create_app()` opens the services of the composition root in its
lifespan and mounts the routers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI

from app.api.router import api_router
from app.core.config import Settings, get_settings
from app.core.errors import install_error_handlers
from app.core.gc_tuning import startup_objects_frozen
from app.core.logging import RequestLogMiddleware, configure_logging
from app.wiring import background_work, open_services


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Background work stops before the services close, and they before the driver.
        async with open_services(settings) as services, background_work(services):
            app.state.services = services  # read only by app.api.deps
            with startup_objects_frozen():
                yield

    app = FastAPI(title="ProfileGraph", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    app.add_middleware(RequestLogMiddleware)
    app.include_router(api_router)
    return app
