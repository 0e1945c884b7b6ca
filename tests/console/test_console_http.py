"""Console sign-in, CSRF and scope rules over HTTP (in-process app, real Neo4j)."""

from __future__ import annotations

import html
import re

import httpx
import pytest

from tests.conftest import ADMIN_KEY

pytestmark = pytest.mark.neo4j


def _token(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]+)"', html)
    assert match, f"no {name} in the page"
    return match.group(1)


async def _sign_in(client: httpx.AsyncClient, key: str) -> httpx.Response:
    page = await client.get("/console/signin")
    return await client.post("/console/signin", data={
        "api_key": key, "signin_token": _token(page.text, "signin_token")})


async def _key(client: httpx.AsyncClient, *scopes: str) -> str:
    r = await client.post("/v1/admin/keys", json={"name": "t", "scopes": list(scopes)},
                          headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    return r.json()["key"]


async def test_pages_need_a_session(client: httpx.AsyncClient) -> None:
    r = await client.get("/console/segments")
    assert (r.status_code, r.headers["location"]) == (303, "/console/signin")
    r = await client.get("/console/overview/live", headers={"HX-Request": "true"})
    assert r.headers["HX-Redirect"] == "/console/signin"


async def test_sign_in_sets_a_strict_http_only_session(client: httpx.AsyncClient) -> None:
    r = await _sign_in(client, ADMIN_KEY)
    assert r.status_code == 303 and r.headers["location"] == "/console"
    cookie = r.headers["set-cookie"]
    assert "pg_console=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie
    assert ADMIN_KEY not in cookie
    page = await client.get("/console")
    assert page.status_code == 200 and ADMIN_KEY not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store"


async def test_bad_keys_and_forged_sign_in_forms_are_refused(client: httpx.AsyncClient
                                                             ) -> None:
    r = await _sign_in(client, "pg_nope_nope")
    assert r.status_code == 401 and "unknown or revoked" in r.text
    client.cookies.clear()
    r = await client.post("/console/signin", data={"api_key": ADMIN_KEY, "signin_token": "x"})
    assert r.status_code == 403 and "pg_console=" not in r.headers.get("set-cookie", "")


async def test_writes_need_the_session_csrf_token(client: httpx.AsyncClient) -> None:
    await _sign_in(client, ADMIN_KEY)
    doc = '{"id": "csrf", "name": "c", "condition": {"type": "consent", "purpose": "marketing"}}'
    form = {"editor": doc, "editor_format": "json"}
    r = await client.post("/console/segments/save", data=form)
    assert r.status_code == 403 and "security token" in r.text
    token = _token((await client.get("/console/segments")).text, "csrf_token")
    r = await client.post("/console/segments/save", data=form, headers={"X-CSRF-Token": token})
    assert r.status_code == 200 and "Saved" in r.text


async def test_scopes_decide_pages_and_a_segments_key_lands_on_segments(
        client: httpx.AsyncClient) -> None:
    r = await _sign_in(client, await _key(client, "segments"))
    assert r.headers["location"] == "/console/segments"
    assert (await client.get("/console/analyst")).status_code == 403
    assert (await client.get("/console/segments")).status_code == 200


async def test_revoked_key_ends_the_session(client: httpx.AsyncClient, monkeypatch) -> None:
    key = await _key(client, "read")
    await _sign_in(client, key)
    assert (await client.get("/console")).status_code == 200
    key_id = key.split("_")[1]
    r = await client.delete(f"/v1/admin/keys/{key_id}",
                            headers={"Authorization": f"Bearer {ADMIN_KEY}"})
    assert r.status_code == 200
    monkeypatch.setattr("app.auth.auth_service.CACHE_TTL_S", 0.0)
    assert (await client.get("/console")).status_code == 303


async def test_versions_and_their_differences(client: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    doc = {"id": "buyers", "name": "Buyers",
           "condition": {"type": "event", "event_type": "order_completed", "within_days": 30}}
    for days in (30, 7):
        r = await client.post("/v1/segments", headers=headers, json={
            **doc, "condition": {**doc["condition"], "within_days": days}})
        assert r.status_code == 201, r.text
    await _sign_in(client, ADMIN_KEY)
    page = await client.get("/console/segments/buyers")
    assert page.status_code == 200
    diff = re.search(r'<pre class="diff" id="version-diff">(.*?)</pre>', page.text, re.S)
    assert diff, "no diff shown"
    lines = html.unescape(diff.group(1))
    assert '<span class="del">-    "within_days": 30</span>' in lines
    assert '<span class="add">+    "within_days": 7</span>' in lines
    listing = await client.get("/console/segments")
    assert "buyers" in listing.text and "Buyers" in listing.text


async def test_a_shopper_is_found_by_e_mail_without_it_reaching_a_url(
        client: httpx.AsyncClient) -> None:
    headers = {"Authorization": f"Bearer {ADMIN_KEY}"}
    r = await client.post("/v1/identify", headers=headers, json={
        "messageId": "m-email", "userId": "mail-user", "traits": {"email": "Ada@Example.com"},
        "context": {"consent": {"categoryPreferences": {"Analytics": True}}}})
    assert r.status_code == 200, r.text
    await _sign_in(client, ADMIN_KEY)
    token = _token((await client.get("/console/profiles")).text, "csrf_token")
    r = await client.post("/console/profiles/find", data={"id": " ada@example.COM",
                                                          "csrf_token": token})
    assert r.status_code == 303 and "example" not in r.headers["location"]
    page = await client.get(r.headers["location"])
    prof = await client.get("/v1/users/mail-user/profile", headers=headers)
    assert page.status_code == 200, (r.headers["location"], prof.json()["identities"])
    assert 'id="profile-user-id">mail-user<' in page.text
