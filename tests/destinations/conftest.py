"""Destinations under test: loopback targets allowed (the SSRF guard refuses them otherwise),
and the app in-process over a clean graph."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.main import create_app
from tests.destinations.receiver import Receiver

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


# Retries, breaker and polling in tenths of a second instead of seconds and minutes.
FAST = {"delivery_poll_s": 0.05, "delivery_round_s": 0.05, "delivery_backoff_s": 0.05,
        "delivery_backoff_max_s": 0.4,
        "delivery_breaker_failures": 5, "delivery_breaker_open_s": 0.3,
        "delivery_max_attempts": 60, "delivery_timeout_s": 2.0}


@pytest.fixture
def fast_delivery(settings: Settings) -> Iterator[Settings]:
    previous = {k: getattr(settings, k) for k in FAST}
    for k, v in FAST.items():
        setattr(settings, k, v)
    yield settings
    for k, v in previous.items():
        setattr(settings, k, v)


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    r = Receiver()
    await r.start()
    yield r
    await r.stop()
