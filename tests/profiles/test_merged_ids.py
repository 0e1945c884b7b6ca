"""An anonymous profile's own id (`anon:<anonymousId>`, shown as `from_user_id` in the merge
record of the profile it merged into) still names that person: the API and the console
resolve it to the surviving profile, as they do its anonymousId."""

from __future__ import annotations

import uuid

import httpx

from tests.conftest import ADMIN_KEY
from tests.console.test_console_http import _sign_in
from tests.helpers import track


async def _send(client: httpx.AsyncClient, headers: dict, *messages: dict) -> None:
    r = await client.post("/v1/batch", json={"batch": list(messages)}, headers=headers)
    assert r.status_code == 200, r.text


async def test_a_merged_away_anonymous_id_names_the_profile_it_merged_into(
        client: httpx.AsyncClient, graph, ingest_headers, read_headers, opt_out) -> None:
    # merged: a known shopper's later visit on a device that browsed anonymously
    await _send(client, ingest_headers, track("u1"))
    await _send(client, ingest_headers, track(anonymous_id="a2"), track(anonymous_id="a2"))
    await _send(client, ingest_headers, track("u1", anonymous_id="a2"))
    # identified: the anonymous profile itself takes the new user id
    await _send(client, ingest_headers, track(anonymous_id="a3"))
    await _send(client, ingest_headers, {"type": "identify", "messageId": str(uuid.uuid4()),
                                         "userId": "u3", "anonymousId": "a3"})
    for old_id, survivor in (("anon:a2", "u1"), ("anon:a3", "u3")):
        profile = await client.get(f"/v1/users/{old_id}/profile", headers=read_headers)
        assert profile.status_code == 200, (old_id, profile.text)
        body = profile.json()
        assert body["user_id"] == survivor
        assert old_id in {m["from_user_id"] for m in body["merges"]}
        events = await client.get(f"/v1/users/{old_id}/events", headers=read_headers)
        assert events.status_code == 200 and events.json()["user_id"] == survivor
    assert (await client.get("/v1/users/anon:nobody/profile", headers=read_headers)
            ).status_code == 404
    # 'anon:' is only ever a prefix: the rest of another id is not an anonymousId
    assert (await client.get("/v1/users/xxxxxa2/profile", headers=read_headers)
            ).status_code == 404


async def test_the_console_finds_the_id_its_merge_list_shows(client: httpx.AsyncClient, graph,
                                                             ingest_headers, opt_out) -> None:
    await _send(client, ingest_headers, track("u1"))
    await _send(client, ingest_headers, track(anonymous_id="a2"))
    await _send(client, ingest_headers, track("u1", anonymous_id="a2"))
    await _sign_in(client, ADMIN_KEY)
    page = await client.get("/console/profiles", params={"id": "u1"})
    assert "<code>anon:a2</code> merged in" in page.text
    page = await client.get("/console/profiles", params={"id": "anon:a2"})
    assert page.status_code == 200, page.text
    assert '<code id="profile-user-id">u1</code>' in page.text
    assert '<p class="note" id="resolved-from"><code>anon:a2</code> resolves' in page.text
