"""Console experiment lifecycle over HTTP (in-process app, real Neo4j): archive and delete
buttons, and the pages an unknown or badly named experiment gets."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from neo4j import AsyncDriver

from app.core.config import Settings
from app.main import create_app
from tests.conftest import ADMIN_KEY
from tests.console.test_console_experiments import FORM, _post
from tests.console.test_console_http import _sign_in


@pytest.fixture
async def console(graph: AsyncDriver, settings: Settings, tmp_path: Path
                  ) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings.model_copy(update={
        "exposure_journal_dir": tmp_path / "journal"}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@pytest.mark.neo4j
async def test_archive_and_delete_buttons(console: httpx.AsyncClient) -> None:
    await _sign_in(console, ADMIN_KEY)
    assert (await _post(console, "/console/experiments", FORM)).status_code == 303
    assert (await _post(console, "/console/experiments/recs-ab/start", {})).status_code == 303
    page = (await console.get("/console/experiments/recs-ab")).text
    # a running experiment offers neither: stop it first
    assert 'id="archive-experiment"' not in page and 'id="delete-experiment"' not in page
    r = await _post(console, "/console/experiments/recs-ab/archive", {})
    assert r.status_code == 409 and "stop it first" in r.text
    assert (await _post(console, "/console/experiments/recs-ab/stop", {})).status_code == 303
    page = (await console.get("/console/experiments/recs-ab")).text
    assert 'id="archive-experiment"' in page and 'id="delete-experiment"' in page
    r = await _post(console, "/console/experiments/recs-ab/archive", {})
    assert (r.status_code, r.headers["location"]) == (303, "/console/experiments/recs-ab")
    page = (await console.get(r.headers["location"])).text
    assert "Archived." in page and 'class="status status-archived"' in page
    listing = (await console.get("/console/experiments")).text
    assert 'id="archived-experiments"' in listing and "1 archived" in listing
    assert 'id="experiment-list"' not in listing  # not among the active ones
    r = await _post(console, "/console/experiments/recs-ab/delete", {})  # box not ticked
    assert r.status_code == 422 and "Tick the box" in r.text
    r = await _post(console, "/console/experiments/recs-ab/delete", {"confirm": "yes"})
    assert (r.status_code, r.headers["location"]) == (303, "/console/experiments")
    listing = (await console.get(r.headers["location"])).text
    assert "Deleted experiment recs-ab (0 exposures)." in listing
    assert "recs-ab" not in listing.replace("Deleted experiment recs-ab", "")
    gone = await console.get("/console/experiments/recs-ab")
    assert gone.status_code == 404


@pytest.mark.neo4j
async def test_an_unknown_experiment_is_not_found_and_a_bad_id_says_experiment(
        console: httpx.AsyncClient) -> None:
    await _sign_in(console, ADMIN_KEY)
    page = await console.get("/console/experiments/does-not-exist")
    assert page.status_code == 404
    assert "<h1>Not found</h1>" in page.text and "Not allowed" not in page.text
    assert "No experiment &#39;does-not-exist&#39;" in page.text  # quoted, escaped
    r = await _post(console, "/console/experiments", {**FORM, "id": "Bad ID"})
    assert r.status_code == 422
    assert "is not a valid experiment id" in r.text and "segment id" not in r.text
