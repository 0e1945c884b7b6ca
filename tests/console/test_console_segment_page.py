"""The segment page and the builder's preview say who is in the audience in plain words
(HTTP, real Neo4j)."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from tests.conftest import ADMIN_KEY
from tests.console.test_console_http import _sign_in, _token

pytestmark = pytest.mark.neo4j

KITCHEN_THEN_BUY = {"type": "sequence", "within": {"days": 7},
                    "first": {"event_type": "product_viewed", "filters": [
                        {"field": "category", "op": "eq", "value": "Kitchen"}]},
                    "then": {"event_type": "order_completed"}}
WORDS = ("Shoppers who viewed a product whose category is Kitchen, then completed an order "
         "within 7 days")


def _audience(page: str, element_id: str) -> str:
    match = re.search(rf'<ul class="audience" id="{element_id}">(.*?)</ul>', page, re.S)
    assert match, page
    return html.unescape(re.sub(r"<[^>]+>", "", match.group(1))).strip()


async def test_the_segment_page_and_the_preview_say_who_is_in(client: httpx.AsyncClient,
                                                              graph, admin_headers) -> None:
    r = await client.post("/v1/segments", headers=admin_headers, json={
        "id": "kitchen-buyers", "name": "Kitchen then buy", "condition": KITCHEN_THEN_BUY})
    assert r.status_code in (200, 201), r.text
    await _sign_in(client, ADMIN_KEY)
    page = await client.get("/console/segments/kitchen-buyers")
    assert _audience(page.text, "segment-audience") == WORDS
    token = _token(page.text, "csrf_token")
    doc = '{"id": "k", "name": "K", "condition": ' + str(KITCHEN_THEN_BUY).replace(
        "'", '"') + "}"
    preview = await client.post("/console/segments/preview", headers={"X-CSRF-Token": token},
                                data={"editor": doc, "editor_format": "json"})
    assert _audience(preview.text, "preview-audience") == WORDS
