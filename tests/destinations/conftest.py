"""Destinations under test: loopback targets allowed (the SSRF guard refuses them otherwise),
and the app in-process over a clean graph."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.main import create_app

LOOPBACK = ["127.0.0.0/8", "::1/128"]


@pytest.fixture
def loopback_allowed(settings: Settings) -> Iterator[Settings]:
    previous = settings.destination_allow_networks
    settings.destination_allow_networks = LOOPBACK
    yield settings
    settings.destination_allow_networks = previous


@pytest.fixture
async def dclient(graph: AsyncDriver, loopback_allowed: Settings
                  ) -> AsyncIterator[httpx.AsyncClient]:
    """The app (lifespan and background work included) with loopback targets allowed."""
    app = create_app(loopback_allowed)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            c.app = app  # type: ignore[attr-defined]
            yield c
