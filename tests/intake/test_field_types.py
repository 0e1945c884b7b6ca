"""Every top-level field of every Segment message type, sent with a value of each wrong JSON
type (list, object, number, boolean, null): a 4xx naming the field, never a 500 nor a value
silently ignored. null stands for an absent optional field, and ids may be numbers, stored as
their string form (both documented in app/intake/field_types.py); those variants must be
accepted."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
import pytest

from app.core.config import Settings

# Segment Tracking spec: the common fields, and each type's own (written out here, not
# imported, so the test checks the service against the spec rather than against itself).
COMMON = {"type": "type", "messageId": "id", "userId": "id", "anonymousId": "id",
          "timestamp": "time", "sentAt": "time", "receivedAt": "time",
          "originalTimestamp": "time", "context": "object", "integrations": "object"}
OWN = {
    "track": {"event": "string", "properties": "object"},
    "page": {"name": "string", "category": "string", "properties": "object"},
    "screen": {"name": "string", "properties": "object"},
    "identify": {"traits": "object"},
    "alias": {"previousId": "id"},
    "group": {"groupId": "id", "traits": "object"},
}
# beyond "userId or anonymousId"
REQUIRED = {"type", "event", "previousId"}
REQUIRED_FOR = {"alias": {"userId"}}
WRONG: list[Any] = [["x"], {"a": 1}, 7, 7.5, True, None]


def _base(mtype: str) -> dict[str, Any]:
    msg: dict[str, Any] = {
        "type": mtype, "messageId": str(uuid.uuid4()), "userId": "u-1",
        "anonymousId": "device-1", "timestamp": "2026-11-01T10:00:00Z",
        "sentAt": "2026-11-01T10:00:00Z", "receivedAt": "2026-11-01T10:00:01Z",
        "originalTimestamp": "2026-11-01T10:00:00Z", "context": {"ip": "1.2.3.4"},
        "integrations": {"All": True}}
    msg.update({"track": {"event": "Product Viewed", "properties": {"product_id": "p1"}},
                "page": {"name": "Home", "category": "Docs", "properties": {"path": "/"}},
                "screen": {"name": "Home", "properties": {}},
                "identify": {"traits": {"plan": "pro"}},
                "alias": {"previousId": "old-1"},
                "group": {"groupId": "acme", "traits": {"size": 3}}}[mtype])
    return msg


def _accepted(mtype: str, field: str, kind: str, value: Any) -> bool:
    if value is None:
        return field not in REQUIRED | REQUIRED_FOR.get(mtype, set())
    return kind == "id" and isinstance(value, int | float) and not isinstance(value, bool)


CASES = [(mtype, field, kind, value) for mtype, own in OWN.items()
         for field, kind in {**COMMON, **own}.items() for value in WRONG
         if not (kind == "object" and isinstance(value, dict))]  # that one is the right type


@pytest.mark.parametrize("mtype", list(OWN))
async def test_each_field_of_the_wrong_json_type_is_a_4xx_naming_it(
        client: httpx.AsyncClient, admin_headers: dict, opt_out: Settings, mtype: str) -> None:
    problems = []
    for _, field, kind, value in [c for c in CASES if c[0] == mtype]:
        msg = _base(mtype)
        msg[field] = value
        r = await client.post("/v1/batch", json={"batch": [msg]}, headers=admin_headers)
        if _accepted(mtype, field, kind, value):
            if r.status_code != 200:
                problems.append((field, value, r.status_code, r.text[:200]))
            continue
        named = [f["field"] for f in r.json().get("error", {}).get("fields", [])] \
            if r.headers.get("content-type", "").startswith("application/json") else []
        if not (400 <= r.status_code < 500 and f"batch.0.{field}" in named):
            problems.append((field, value, r.status_code, r.text[:200]))
    assert problems == []


@pytest.mark.parametrize("route", ["track", "page", "screen", "identify", "alias"])
async def test_single_routes_name_a_type_of_the_wrong_json_type(
        client: httpx.AsyncClient, admin_headers: dict, route: str) -> None:
    for value in [["x"], {"a": 1}, 7, True]:
        msg = {**_base(route), "type": value}
        r = await client.post(f"/v1/{route}", json=msg, headers=admin_headers)
        assert r.status_code == 422, (value, r.text)
        assert [f["field"] for f in r.json()["error"]["fields"]] == ["type"]


async def test_batch_level_fields_of_the_wrong_json_type(
        client: httpx.AsyncClient, admin_headers: dict) -> None:
    for field in ("context", "sentAt", "integrations"):
        for value in [["x"], 7, True] + ([{"a": 1}] if field == "sentAt" else []):
            body = {"batch": [_base("track")], field: value}
            r = await client.post("/v1/batch", json=body, headers=admin_headers)
            assert r.status_code == 422, (field, value, r.text)
            assert [f["field"] for f in r.json()["error"]["fields"]] == [field]
    for field in ("consent", "traits"):  # the context objects intake reads
        msg = {**_base("track"), "context": {field: ["x"]}}
        r = await client.post("/v1/batch", json={"batch": [msg]}, headers=admin_headers)
        assert r.status_code == 422, r.text
        assert [f["field"] for f in r.json()["error"]["fields"]] == [f"batch.0.context.{field}"]


async def test_numeric_ids_are_stored_as_their_string_form(
        client: httpx.AsyncClient, admin_headers: dict, opt_out: Settings) -> None:
    """123 and 123.0 are the same shopper "123" (JavaScript's String() of either), 12.5 is
    "12.5"; a boolean or an object is a 422 saying what an id may be."""
    batch = [{**_base("identify"), "userId": uid, "anonymousId": None, "traits": {"n": n}}
             for n, uid in enumerate((123, 123.0, 12.5))]
    r = await client.post("/v1/batch", json={"batch": batch}, headers=admin_headers)
    assert r.status_code == 200, r.text
    profile = (await client.get("/v1/users/123/profile", headers=admin_headers)).json()
    assert (profile["user_id"], profile["traits"]) == ("123", {"n": 1})
    profile = (await client.get("/v1/users/12.5/profile", headers=admin_headers)).json()
    assert (profile["user_id"], profile["traits"]) == ("12.5", {"n": 2})
    assert (await client.get("/v1/users/123.0/profile", headers=admin_headers)
            ).status_code == 404
    for wrong in (True, {"id": 123}):
        r = await client.post("/v1/batch", json={"batch": [{**_base("track"), "userId": wrong}]},
                              headers=admin_headers)
        assert r.status_code == 422, r.text
        assert r.json()["error"]["fields"] == [
            {"field": "batch.0.userId", "reason": "must be a string or a number"}]
