"""One id rule on every route that takes a user id, a change feed that follows a profile
across rename and merge, and a replay report that counts applied messages as duplicates."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import httpx

from app.core.config import Settings

BUYERS = {"id": "buyers", "name": "Buyers", "condition": {
    "type": "event", "event_type": "order_completed", "within_days": 30}}


def _msg(kind: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "messageId": str(uuid.uuid4()),
            "timestamp": datetime.now(UTC).isoformat(), **fields}


def _order(**who: str) -> dict[str, Any]:
    return _msg("track", event="Order Completed", **who, properties={
        "order_id": str(uuid.uuid4()), "revenue": 20.0,
        "products": [{"product_id": "sku-1", "price": 20.0, "quantity": 1}]})


async def _send(c: httpx.AsyncClient, headers: dict, *messages: dict[str, Any]
                ) -> dict[str, Any]:
    r = await c.post("/v1/batch", json={"batch": list(messages)}, headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def _feed(c: httpx.AsyncClient, headers: dict) -> list[tuple[str, str]]:
    r = await c.get("/v1/segments/buyers/changes", headers=headers)
    assert r.status_code == 200, r.text
    return sorted((x["user_id"], x["change"]) for x in r.json()["changes"])


async def _who(c: httpx.AsyncClient, headers: dict, id_: str) -> dict[str, Any]:
    """What each route taking a user id answers for `id_`."""
    profile = await c.get(f"/v1/users/{id_}/profile", headers=headers)
    segments = await c.get(f"/v1/users/{id_}/segments", headers=headers)
    member = await c.get(f"/v1/segments/buyers/members/{id_}", headers=headers)
    assert (profile.status_code, segments.status_code, member.status_code) == (200, 200, 200)
    return {"profile": profile.json()["user_id"], "segments_of": segments.json()["user_id"],
            "segments": [s["segment_id"] for s in segments.json()["segments"]],
            "member_of": member.json()["user_id"], "member": member.json()["member"]}


async def test_every_route_resolves_aliases_and_anonymous_ids(
        client: httpx.AsyncClient, admin_headers: dict, opt_out: Settings) -> None:
    assert (await client.post("/v1/segments", json=BUYERS, headers=admin_headers)
            ).status_code == 201
    await _send(client, admin_headers, _order(anonymousId="device-1"),
                _msg("identify", userId="bob", anonymousId="device-1"))
    await _send(client, admin_headers, _order(userId="legacy-7"))
    await _send(client, admin_headers, _msg("alias", previousId="legacy-7", userId="bob"))
    expected = {"profile": "bob", "segments_of": "bob", "segments": ["buyers"],
                "member_of": "bob", "member": True}
    for id_ in ("bob", "device-1", "legacy-7"):
        assert await _who(client, admin_headers, id_) == expected, id_
    for route in ("/v1/users/nobody/segments", "/v1/segments/buyers/members/nobody"):
        assert (await client.get(route, headers=admin_headers)).status_code == 404


async def test_change_feed_continues_across_rename_and_merge(
        client: httpx.AsyncClient, admin_headers: dict, opt_out: Settings) -> None:
    assert (await client.post("/v1/segments", json=BUYERS, headers=admin_headers)
            ).status_code == 201
    # an anonymous buyer is identified: the profile is renamed to the known id
    await _send(client, admin_headers, _order(anonymousId="device-1"))
    assert await _feed(client, admin_headers) == [("anon:device-1", "entered")]
    await _send(client, admin_headers, _msg("identify", userId="bob", anonymousId="device-1"))
    assert await _feed(client, admin_headers) == [
        ("anon:device-1", "entered"), ("anon:device-1", "exited"), ("bob", "entered")]

    # a legacy buyer is aliased into a known shopper who never bought: merged
    await _send(client, admin_headers, _msg("identify", userId="carol", traits={"a": 1}),
                _order(userId="legacy-7"))
    await _send(client, admin_headers, _msg("alias", previousId="legacy-7", userId="carol"))
    assert await _feed(client, admin_headers) == [
        ("anon:device-1", "entered"), ("anon:device-1", "exited"), ("bob", "entered"),
        ("carol", "entered"), ("legacy-7", "entered"), ("legacy-7", "exited")]
    members = (await client.get("/v1/segments/buyers/members", headers=admin_headers)).json()
    assert [m["user_id"] for m in members["members"]] == ["bob", "carol"]


async def test_replayed_identify_alias_and_group_count_as_duplicates(
        client: httpx.AsyncClient, admin_headers: dict, opt_out: Settings) -> None:
    batch = [
        _msg("identify", userId="dave", traits={"plan": "pro"}),
        _msg("alias", previousId="old-dave", userId="dave"),
        _msg("group", userId="dave", groupId="acme"),
        _msg("track", userId="dave", event="Product Viewed", properties={"product_id": "p1"}),
    ]
    first = await _send(client, admin_headers, *batch)
    assert (first["stored"], first["duplicates"], first["dropped"]) == (3, 0, 1)
    assert first["dropped_reasons"] == {"unsupported_type": 1}
    again = await _send(client, admin_headers, *batch)
    assert (again["stored"], again["duplicates"], again["dropped"]) == (0, 4, 0)
    # one message repeated inside a batch is applied once
    twice = _msg("identify", userId="dave", traits={"plan": "free"})
    inside = await _send(client, admin_headers, twice, twice)
    assert (inside["stored"], inside["duplicates"]) == (1, 1)
