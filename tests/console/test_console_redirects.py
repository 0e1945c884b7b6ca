"""Post/Redirect/Get on the console's state-changing forms (in-process app, real Neo4j): a
create, start, stop, promote or roll back answers 303 to its page, the notice shows on the
next GET of that page only, and re-reading the page repeats nothing. Refused actions and
form errors are rendered in place with their status. The notice store itself (pure)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI, Request
from neo4j import AsyncDriver

from app.auth.console_sessions import ConsoleSession
from app.console import flash
from app.core.config import Settings
from app.main import create_app
from app.recommend.model_admin import LOG
from recmodel.artifact_format import current_version
from tests.conftest import ADMIN_KEY
from tests.console.storefront import write_model_runs
from tests.console.test_console_experiments import FORM
from tests.console.test_console_http import _sign_in, _token

API = {"Authorization": f"Bearer {ADMIN_KEY}"}


@pytest.fixture
def artifacts(tmp_path: Path) -> Path:
    folder = tmp_path / "artifacts"
    folder.mkdir()
    return folder


@pytest.fixture
async def console(graph: AsyncDriver, settings: Settings, tmp_path: Path, artifacts: Path
                  ) -> AsyncIterator[httpx.AsyncClient]:
    app: FastAPI = create_app(settings.model_copy(update={
        "artifacts_dir": artifacts, "exposure_journal_dir": tmp_path / "journal"}))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
            await _sign_in(client, ADMIN_KEY)
            yield client


async def _post(client: httpx.AsyncClient, page: str, action: str,
                data: dict[str, str] | None = None) -> httpx.Response:
    token = _token((await client.get(page)).text, "csrf_token")
    return await client.post(action, data={**(data or {}), "csrf_token": token})


def _redirected_to(r: httpx.Response, location: str) -> None:
    assert (r.status_code, r.headers.get("location")) == (303, location), r.text[:500]
    assert "frame-ancestors 'none'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"


async def _started_at(client: httpx.AsyncClient) -> str:
    return (await client.get("/v1/experiments/recs-ab", headers=API)).json()["started_at"]


@pytest.mark.neo4j
async def test_experiment_actions_redirect_and_a_refresh_repeats_nothing(
        console: httpx.AsyncClient) -> None:
    r = await _post(console, "/console/experiments", "/console/experiments", FORM)
    _redirected_to(r, "/console/experiments")
    notice = 'id="experiments-notice">Saved experiment recs-ab (version 1, draft).'
    assert notice in (await console.get("/console/experiments")).text
    assert 'id="experiments-notice"' not in (await console.get("/console/experiments")).text

    detail = "/console/experiments/recs-ab"
    r = await _post(console, detail, detail + "/start")
    _redirected_to(r, detail)
    started_at = await _started_at(console)
    # the notice waits for the page it belongs to, not whichever page is read next
    assert "Started." not in (await console.get("/console/experiments")).text
    first, again = (await console.get(detail)).text, (await console.get(detail)).text
    assert 'id="experiment-notice">Started.' in first and 'id="experiment-status">' in first
    assert 'id="experiment-notice"' not in again and "Started." not in again
    assert await _started_at(console) == started_at  # re-reading the page started nothing

    r = await _post(console, detail, detail + "/stop")
    _redirected_to(r, detail)
    assert 'id="experiment-notice">Stopped.' in (await console.get(detail)).text
    # a refused action is shown in place with the service's status: nothing was done
    r = await _post(console, detail, detail + "/start")
    assert r.status_code == 409 and "location" not in r.headers
    assert 'id="experiment-error">a stopped experiment cannot restart' in r.text
    assert r.headers["cache-control"] == "no-store"


@pytest.mark.neo4j
async def test_form_errors_stay_in_place_with_422(console: httpx.AsyncClient) -> None:
    r = await _post(console, "/console/experiments", "/console/experiments",
                    {**FORM, "id": "Bad Id"})
    assert r.status_code == 422 and 'value="Bad Id"' in r.text and "location" not in r.headers


def _log(artifacts: Path) -> list[tuple[str, str]]:
    lines = (artifacts / LOG).read_text().splitlines() if (artifacts / LOG).exists() else []
    return [(e["action"], e["version"]) for e in map(json.loads, lines)]


@pytest.mark.neo4j
async def test_promote_and_roll_back_redirect_to_the_models_page(
        console: httpx.AsyncClient, artifacts: Path) -> None:
    old, new = write_model_runs(artifacts)
    page = "/console/models"
    r = await _post(console, page, page + "/rollback")
    _redirected_to(r, page)
    first, again = (await console.get(page)).text, (await console.get(page)).text
    assert f'id="models-notice">Rolled back to {old}.' in first
    assert 'id="models-notice"' not in again
    assert current_version(artifacts) == old and _log(artifacts) == [("rollback", old)]

    r = await _post(console, page, page + "/promote", {"version": new})
    _redirected_to(r, page)
    assert f'id="models-notice">Promoted {new}.' in (await console.get(page)).text
    assert _log(artifacts) == [("rollback", old), ("promote", new)]

    # refused: in place with its status; what was typed comes back escaped, never as markup
    r = await _post(console, page, page + "/promote", {"version": "<b>nope</b>"})
    assert r.status_code == 404 and "location" not in r.headers
    assert "&lt;b&gt;nope&lt;/b&gt;" in r.text and "<b>nope</b>" not in r.text
    assert current_version(artifacts) == new and len(_log(artifacts)) == 2


def _request(path: str) -> Request:
    return Request({"type": "http", "method": "GET", "path": path, "headers": [],
                    "query_string": b"", "server": ("test", 80), "scheme": "http"})


def test_notices_are_taken_once_lapse_and_stay_few(monkeypatch: pytest.MonkeyPatch) -> None:
    session = ConsoleSession("hash", "k", frozenset({"read"}), "csrf", 1000.0, 1000.0)
    now = [1000.0]
    monkeypatch.setattr(flash, "time", lambda: now[0])
    r = flash.redirect_with_notice(session, "/console/models", "Promoted v1.")
    assert (r.status_code, r.headers["location"]) == (303, "/console/models")
    assert flash.take_notice(session, _request("/console/experiments")) is None
    assert flash.take_notice(session, _request("/console/models")) == "Promoted v1."
    assert flash.take_notice(session, _request("/console/models")) is None
    flash.redirect_with_notice(session, "/console/models", "Rolled back to v0.")
    now[0] += flash.NOTICE_TTL_S + 1  # never read: it does not surface much later
    assert flash.take_notice(session, _request("/console/models")) is None
    for n in range(flash.MAX_NOTICES + 5):
        flash.redirect_with_notice(session, f"/console/experiments/e{n}", "Started.")
    assert len(session.notices) == flash.MAX_NOTICES
    assert "/console/experiments/e0" not in session.notices
