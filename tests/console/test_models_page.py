"""The models page renders the refresh state's figures, not the dict methods that share their
names (in-process app, real Neo4j)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from neo4j import AsyncDriver

from app.core.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_KEY
from tests.console.test_console_http import _sign_in

pytestmark = pytest.mark.neo4j
API = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
async def console(graph: AsyncDriver, settings: Settings, tmp_path: Path
                  ) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings.model_copy(update={
        "artifacts_dir": tmp_path / "artifacts", "exposure_journal_dir": tmp_path / "journal",
        "model_refresh_interval_s": 0}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await _sign_in(client, ADMIN_KEY)
            yield client


async def test_the_refresh_card_shows_the_store_counts(console: httpx.AsyncClient) -> None:
    for item in ("sku-1", "sku-2"):
        r = await console.put(f"/v1/items/{item}", json={"title": item}, headers=API)
        assert r.status_code in (200, 201), r.text
    page = (await console.get("/console/models")).text
    assert "built-in method" not in page and "object at 0x" not in page
    assert re.search(r'id="store-items">2</span> items', page), page[:3000]
    assert re.search(r'id="store-events">0</span> events', page)
