"""The FastAPI application: `create_app()` opens the services of the composition root in its
lifespan and mounts the routers."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from threadpoolctl import threadpool_limits

from app.api.guards import install_guards
from app.api.openapi_components import install_openapi_components
from app.api.router import install_routers
from app.console.install import install_console
from app.core.config import Settings, get_settings
from app.core.errors import install_error_handlers
from app.core.gc_tuning import startup_objects_frozen
from app.core.logging import RequestLogMiddleware, configure_logging
from app.core.metrics_processes import process_exiting
from app.core.pseudonyms import set_key
from app.wiring import background_work, open_services


def one_blas_thread() -> None:
    """Scoring is one small mat-vec per request, on the event loop: BLAS worker threads
    gain nothing there and spin beside the loop after each call, taking a core from the
    requests and from Neo4j (docs/benchmarks.md, "Serving"). Libraries loaded already are
    limited now, those loaded later read the variable."""
    os.environ["OPENBLAS_NUM_THREADS"] = "1"
    threadpool_limits(1, user_api="blas")


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    one_blas_thread()
    configure_logging(settings.log_level)
    set_key(settings.log_pseudonym_key.get_secret_value() if settings.log_pseudonym_key else None)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # Background work stops before the services close, and they before the driver.
        async with open_services(settings) as services, background_work(services):
            app.state.services = services  # read only by app.wiring.services_of
            try:
                with startup_objects_frozen():
                    yield
            finally:
                await app.state.db_breaker.close()
                process_exiting()

    app = FastAPI(title="ProfileGraph", version="0.1.0", lifespan=lifespan)
    install_error_handlers(app)
    install_guards(app, settings)  # body limit, authentication first, fail fast
    app.add_middleware(RequestLogMiddleware)
    install_routers(app)
    install_console(app)
    install_openapi_components(app)
    return app
