"""The builder's preview and save panels follow the definition (HTTP, real Neo4j): a shown
preview is run again when the form or the editor changes it, an old "Not saved" is taken
away, and a preview sent together with a form change counts the changed definition."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import pytest

from tests.conftest import ADMIN_KEY
from tests.console.test_console_http import _sign_in, _token

pytestmark = pytest.mark.neo4j


def _viewed(user: str, days_ago: float) -> dict:
    at = (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user,
            "event": "Product Viewed", "timestamp": at,
            "properties": {"product_id": "p1", "category": "kitchen"}}


def _fields(within_days: str, segment_id: str = "recent-viewers") -> dict[str, str]:
    return {"id": segment_id, "name": "Recent viewers", "description": "", "combine": "and",
            "row_count": "1", "c0_type": "event", "c0_negate": "false",
            "c0_event_type": "product_viewed", "c0_occurred": "true",
            "c0_within_days": within_days, "format": "json", "editor_format": "json"}


def _value(page: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', page)
    assert match, f"no {name}"
    return match.group(1)


def _editor(page: str) -> str:
    match = re.search(r'<textarea id="editor"[^>]*>(.*?)</textarea>', page, re.S)
    assert match
    return match.group(1).replace("&#34;", '"').replace("&quot;", '"')


def _count(page: str) -> int:
    match = re.search(r'<strong id="preview-count">(\d+)</strong>', page)
    assert match, page
    return int(match.group(1))


async def _builder(client: httpx.AsyncClient, headers: dict, fields: dict) -> str:
    r = await client.post("/console/segments/builder/form", data=fields, headers=headers)
    assert r.status_code == 200, r.text
    return r.text


async def test_the_panels_follow_the_definition(client: httpx.AsyncClient, graph, opt_out,
                                                admin_headers: dict) -> None:
    batch = [_viewed(f"near-{n}", 2) for n in range(3)] + [
        _viewed(f"far-{n}", 20) for n in range(2)]
    r = await client.post("/v1/batch", json={"batch": batch}, headers=admin_headers)
    assert r.status_code == 200, r.text
    await _sign_in(client, ADMIN_KEY)
    headers = {"X-CSRF-Token": _token((await client.get("/console/segments")).text,
                                      "csrf_token")}
    # within 30 days, previewed: 5
    wide = _fields("30")
    page = await _builder(client, headers, wide)
    synced = {**wide, "editor": _editor(page), "form_fp": _value(page, "form_fp")}
    assert json.loads(synced["editor"])["condition"]["within_days"] == 30
    shown = await client.post("/console/segments/preview", data=synced, headers=headers)
    assert _count(shown.text) == 5
    preview_fp = _value(shown.text, "preview_fp")

    # "within days" changed to 7 and the field left: the form's answer runs the preview shown
    # again, for the new definition, in place of the old outcome
    narrow = {**synced, "c0_within_days": "7", "preview_fp": preview_fp}
    page = await _builder(client, headers, narrow)
    assert json.loads(_editor(page))["condition"]["within_days"] == 7
    assert f'hx-swap-oob="outerHTML:#preview-outcome-{preview_fp}"' in page
    assert _count(page) == 3

    # Preview clicked as the field is left: the click carries the new field and the editor
    # not yet rewritten; the count is the new definition's
    raced = {**synced, "c0_within_days": "7"}
    again = await client.post("/console/segments/preview", data=raced, headers=headers)
    assert _count(again.text) == 3

    # a "Not saved" (no id) is taken away once the definition changes
    unnamed = {**synced, "id": ""}
    page = await _builder(client, headers, unnamed)
    refused = await client.post("/console/segments/save", headers=headers, data={
        **unnamed, "editor": _editor(page), "form_fp": _value(page, "form_fp")})
    assert "Not saved" in refused.text
    unsaved_fp = _value(refused.text, "unsaved_fp")
    page = await _builder(client, headers, {**synced, "unsaved_fp": unsaved_fp})
    assert f'<div id="save-outcome-{unsaved_fp}" hx-swap-oob="delete"></div>' in page
    # nothing shown, nothing follows: no preview is run unasked
    page = await _builder(client, headers, narrow | {"preview_fp": ""})
    assert "preview-outcome" not in page and "save-outcome" not in page


async def test_an_editor_change_runs_the_shown_preview_again(client: httpx.AsyncClient, graph,
                                                             opt_out, admin_headers: dict
                                                             ) -> None:
    r = await client.post("/v1/batch", json={"batch": [_viewed("near", 2), _viewed("far", 20)]},
                          headers=admin_headers)
    assert r.status_code == 200, r.text
    await _sign_in(client, ADMIN_KEY)
    headers = {"X-CSRF-Token": _token((await client.get("/console/segments")).text,
                                      "csrf_token")}
    page = await _builder(client, headers, _fields("30"))
    synced = {**_fields("30"), "editor": _editor(page), "form_fp": _value(page, "form_fp")}
    shown = await client.post("/console/segments/preview", data=synced, headers=headers)
    assert _count(shown.text) == 2
    doc = json.loads(synced["editor"])
    doc["condition"]["within_days"] = 7
    r = await client.post("/console/segments/builder/editor", headers=headers, data={
        **synced, "editor": json.dumps(doc), "preview_fp": _value(shown.text, "preview_fp")})
    assert r.status_code == 200 and _count(r.text) == 1
    # an editor mid-edit (not JSON) leaves the shown preview alone
    r = await client.post("/console/segments/builder/editor", headers=headers, data={
        **synced, "editor": '{"id": ', "preview_fp": _value(shown.text, "preview_fp")})
    assert "preview-outcome" not in r.text
