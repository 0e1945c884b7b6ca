"""The placements, predictions and clusters console pages over HTTP (in-process app, real
Neo4j): scope, the rules listed, a preview for a shopper, charts and tables of a refresh."""

from __future__ import annotations

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings
from tests.conftest import ADMIN_KEY
from tests.console.test_console_http import _key, _sign_in, _token
from tests.decisions.fixtures import storefront
from tests.predictions.history import shop
from tests.segments.dataset import write_dataset


async def test_placements_page_lists_rules_and_previews_a_shopper(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
        opt_in: Settings) -> None:
    await storefront(graph, client, admin_headers)
    await _sign_in(client, ADMIN_KEY)
    page = await client.get("/console/placements")
    assert page.status_code == 200
    assert "Gold members" in page.text and "Likely buyers" in page.text
    assert 'href="/console/predictions"' in page.text and 'href="/console/clusters"' in page.text
    headers = {"X-CSRF-Token": _token(page.text, "csrf_token")}
    r = await client.post("/console/placements/preview", headers=headers, data={
        "placement_id": "home_banner", "user_id": "cold", "device": "mobile",
        "context_item": "sku-1"})
    assert r.status_code == 200, r.text
    assert "<code>shoes</code>" in r.text
    assert "rule 3 &#39;Shoes on mobile&#39; matched" in r.text
    assert r.text.count("no match") == 3 and r.text.count(">matches<") == 1
    refused = await client.post("/console/placements/preview", headers=headers, data={
        "placement_id": "home_banner", "user_id": "refused"})
    assert "no personalization consent" in refused.text and "preview-trace" not in refused.text
    missing = await client.post("/console/placements/preview", headers=headers, data={
        "placement_id": "nope", "user_id": "cold"})
    assert "no placement" in missing.text
    # without the session's token the write-shaped preview is refused
    assert (await client.post("/console/placements/preview", data={
        "placement_id": "home_banner", "user_id": "cold"})).status_code == 403


async def test_predictions_and_clusters_pages(client: httpx.AsyncClient, graph: AsyncDriver,
                                              admin_headers: dict, opt_in: Settings) -> None:
    await _sign_in(client, ADMIN_KEY)
    empty = await client.get("/console/predictions")
    assert empty.status_code == 200 and "No refresh recorded yet" in empty.text
    await write_dataset(graph, shop(n_users=160, denied=0))
    assert (await client.post("/v1/predictions/refresh", headers=admin_headers)
            ).status_code == 200
    page = await client.get("/console/predictions")
    assert "2010-12-09" in page.text  # the anchor: the data's clock
    assert page.text.count("<rect") >= 20  # distribution and calibration bars
    assert page.text.count("<tr><td class=\"num\">") >= 10  # calibration deciles
    clusters = await client.get("/console/clusters")
    assert "chosen by the highest silhouette" in clusters.text
    assert "last order" in clusters.text or "never ordered" in clusters.text


async def test_pages_need_the_segments_scope(client: httpx.AsyncClient, graph: AsyncDriver
                                             ) -> None:
    await _sign_in(client, await _key(client, "read"))
    for path in ("/console/placements", "/console/predictions", "/console/clusters"):
        assert (await client.get(path)).status_code == 403
