"""Console experiments pages over HTTP (in-process app, real Neo4j): list, create from the
form with field errors, start, results with exposures served through the API; and the
results page's intervals and sample-ratio-mismatch warning from real results (pure)."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from neo4j import AsyncDriver

from app.console.experiments_view import results_view
from app.console.rendering import TEMPLATES
from app.core.config import Settings
from app.experiments.definition import ExperimentDefinition
from app.experiments.results import build_results
from app.main import create_app
from tests.conftest import ADMIN_KEY
from tests.console.test_console_http import _key, _sign_in, _token
from tests.experiments.conftest import ITEMS, flush, recommend, send, track

FORM = {"id": "recs-ab", "name": "GNN vs popularity", "traffic": "1",
        "primary_metric": "ctr",
        "v0_name": "control", "v0_weight": "0.5", "v0_kind": "popular",
        "v1_name": "gnn", "v1_weight": "0.5", "v1_kind": "model", "v1_live": "on",
        "v2_name": "", "v2_weight": "", "v2_kind": "popular"}


@pytest.fixture
async def exp_app(graph: AsyncDriver, settings: Settings, tmp_path: Path
                  ) -> AsyncIterator[FastAPI]:
    app = create_app(settings.model_copy(update={
        "consent_default": "opt_out", "exposure_journal_dir": tmp_path / "journal"}))
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def console(exp_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=exp_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


async def _post(client: httpx.AsyncClient, path: str, data: dict[str, str]
                ) -> httpx.Response:
    token = _token((await client.get("/console/experiments")).text, "csrf_token")
    return await client.post(path, data={**data, "csrf_token": token})


def _row(page: str, experiment_id: str) -> str:
    match = re.search(rf'<tr[^>]*>\s*<td><a href="/console/experiments/{experiment_id}">'
                      r".*?</tr>", page, re.S)
    assert match, f"{experiment_id} is not in the list"
    return match.group(0)


@pytest.mark.neo4j
async def test_list_and_create_from_the_form(console: httpx.AsyncClient) -> None:
    await _sign_in(console, ADMIN_KEY)
    page = await console.get("/console/experiments")
    assert page.status_code == 200 and "No experiments yet" in page.text
    r = await _post(console, "/console/experiments", FORM)
    assert (r.status_code, r.headers["location"]) == (303, "/console/experiments")
    r = await console.get(r.headers["location"])
    assert "Saved experiment recs-ab (version 1, draft)" in r.text
    row = _row(r.text, "recs-ab")
    assert "GNN vs popularity" in row and "draft" in row and "control 0.5, gnn 0.5" in row
    stored = (await console.get("/v1/experiments/recs-ab",
                                headers={"Authorization": f"Bearer {ADMIN_KEY}"})).json()
    assert stored["definition"]["variants"][1]["strategy"] == {"kind": "model", "live": True}
    r = await _post(console, "/console/experiments/recs-ab/start", {})
    assert r.status_code == 303
    assert 'id="stop-experiment"' in (await console.get(r.headers["location"])).text
    assert "running" in _row((await console.get("/console/experiments")).text, "recs-ab")
    overview = await console.get("/console/overview/live")
    assert 'href="/console/experiments/recs-ab"' in overview.text


@pytest.mark.neo4j
async def test_form_errors_are_shown_by_field_with_422(console: httpx.AsyncClient) -> None:
    await _sign_in(console, ADMIN_KEY)
    bad = {**FORM, "id": "Bad Id", "v1_weight": "lots", "traffic": "2"}
    r = await _post(console, "/console/experiments", bad)
    assert r.status_code == 422
    for input_id in ("exp-id", "v1_weight", "exp-traffic"):
        assert f'id="{input_id}-error"' in r.text, input_id
        assert f'id="{input_id}" name=' in r.text
    assert 'value="Bad Id"' in r.text  # what was typed stays in the form
    r = await _post(console, "/console/experiments", {**FORM, "v1_weight": "0.6"})
    assert r.status_code == 422 and "must add up to 1" in r.text and "/variants" in r.text
    listed = await console.get("/v1/experiments",
                               headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert listed.json()["experiments"] == []


@pytest.mark.neo4j
async def test_segments_scope_is_required(console: httpx.AsyncClient) -> None:
    reader = await _key(console, "read")
    await _sign_in(console, reader)
    assert (await console.get("/console/experiments")).status_code == 403
    page = await console.get("/console")
    assert 'href="/console/experiments"' not in page.text
    token = _token(page.text, "csrf_token")
    r = await console.post("/console/experiments", data={**FORM, "csrf_token": token})
    assert r.status_code == 403 and "segments" in r.text
    await _sign_in(console, ADMIN_KEY)
    r = await console.post("/console/experiments", data=FORM)  # no CSRF token
    assert r.status_code == 403 and "security token" in r.text


@pytest.mark.neo4j
async def test_results_page_shows_served_exposures(console: httpx.AsyncClient,
                                                   exp_app: FastAPI) -> None:
    admin = {"Authorization": f"Bearer {ADMIN_KEY}"}
    await send(console, admin, *(track(f"buyer{n}", "Order Completed", item)
                                 for n, item in enumerate(ITEMS)))
    await _sign_in(console, ADMIN_KEY)
    assert (await _post(console, "/console/experiments", FORM)).status_code == 303
    assert (await _post(console, "/console/experiments/recs-ab/start", {})).status_code == 303
    served = [await recommend(console, admin, f"buyer{n}") for n in range(4)]
    await flush(exp_app)
    page = await console.get("/console/experiments/recs-ab")
    assert page.status_code == 200
    exposures = re.findall(r'<td class="num exposures">(\d+)</td>', page.text)
    assert sum(map(int, exposures)) == len(served) == 4
    assert page.text.count("<circle") >= 2  # estimates drawn on the interval plots
    assert "Waiting for the first look" in page.text and "No verdict before the first look" \
        in page.text
    assert 'id="srm-warning"' not in page.text
    r = await _post(console, "/console/experiments/recs-ab/stop", {})
    r = await console.get(r.headers["location"])
    assert 'id="experiment-status"><span class="status status-stopped">' in r.text
    r = await _post(console, "/console/experiments/recs-ab/start", {})
    assert r.status_code == 409 and "cannot restart" in r.text  # refused: shown in place
    assert (await console.get("/console/experiments/nope")).status_code == 404


def _shoppers(variant: str, count: int, clicks_every: int) -> list[dict]:
    return [{"variant": variant, "shopper": f"{variant}-{i}", "day": 0, "exposures": 2,
             "clicks": int(i % clicks_every == 0), "adds": 0, "conversions": 0,
             "revenue": 0.0} for i in range(count)]


def _render(control: int, treatment: int) -> str:
    body = {"id": "srm", "name": "Split check",
            "variants": [{"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
                         {"name": "gnn", "weight": 0.5,
                          "strategy": {"kind": "model", "live": False}}]}
    definition = ExperimentDefinition.model_validate(body)
    results = build_results(definition, _shoppers("control", control, 5)
                            + _shoppers("gnn", treatment, 3), [0])
    detail = {"experiment_id": "srm", "name": "Split check", "status": "running",
              "version": 1, "definition": definition.model_dump(exclude_none=True)}
    results = {**results, "experiment_id": "srm", "mode": "fixed",
               "computed_at": "2026-01-01T00:00:00+00:00"}
    context = results_view(detail, results)
    return TEMPLATES.get_template("experiment_detail.html").render(
        session=None, nav=[], path="/console/experiments/srm", csrf_token="t", notice=None,
        error=None, **context)


def test_results_page_draws_intervals_and_warns_of_a_sample_ratio_mismatch() -> None:
    page = _render(control=600, treatment=400)  # a 50/50 split that came out 60/40
    assert 'id="srm-warning"' in page and "Sample ratio mismatch" in page
    assert "600 / 400" in page and "500.0 / 500.0" in page
    # one interval plot per metric plus the difference from control
    assert page.count('class="intervals"') == 4
    # the dots' titles: 134 clicks in 800 exposures against 120 in 1,200
    assert "gnn: 0.1675 (" in page and "control: 0.1 (" in page and "gnn: 0.0675 (" in page
    assert re.search(r'class="num probability">\d+\.\d%', page)
    assert "model (static)" in page
    balanced = _render(control=500, treatment=500)
    assert 'id="srm-warning"' not in balanced
