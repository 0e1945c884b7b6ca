"""/v1/destinations over a real Neo4j: create (secret once), read, change, delete, and the
4xx answers naming the field."""

from __future__ import annotations

import httpx
import pytest

from tests.helpers import create_key

pytestmark = pytest.mark.neo4j

SEGMENT = {"id": "vip", "name": "VIP",
           "condition": {"type": "trait", "property": "trait_plan", "op": "eq", "value": "vip"}}


def _hook(**over) -> dict:
    return {"id": "crm", "name": "CRM", "kind": "webhook", "target": "http://127.0.0.1:9/hook",
            "subscriptions": {"segments": {"ids": ["vip"]}, "traits": ["plan"],
                              "events": ["Product Added"]}, **over}


async def test_crud(dclient: httpx.AsyncClient, admin_headers: dict) -> None:
    assert (await dclient.post("/v1/segments", json=SEGMENT, headers=admin_headers)
            ).status_code == 201
    r = await dclient.post("/v1/destinations", json=_hook(), headers=admin_headers)
    assert r.status_code == 201, r.text
    created = r.json()
    assert created["secret"].startswith("whsec_")
    assert created["subscriptions"] == {"segments": {"ids": ["vip"],
                                                     "changes": ["entered", "exited"]},
                                        "traits": ["plan"], "events": ["Product Added"]}
    assert created["deliveries"] == {"pending": 0, "retrying": 0, "dead": 0, "delivered": 0}
    assert created["breaker"]["open"] is False

    again = await dclient.post("/v1/destinations", json=_hook(), headers=admin_headers)
    assert again.status_code == 409

    one = (await dclient.get("/v1/destinations/crm", headers=admin_headers)).json()
    assert "secret" not in one and one["target"] == "http://127.0.0.1:9/hook"
    listed = (await dclient.get("/v1/destinations", headers=admin_headers)).json()
    assert [d["id"] for d in listed["destinations"]] == ["crm"]
    assert "secret" not in str(listed)

    r = await dclient.patch("/v1/destinations/crm", headers=admin_headers, json={
        "active": False, "subscriptions": {"segments": {"ids": ["*"], "changes": ["exited"]}},
        "rotate_secret": True})
    assert r.status_code == 200, r.text
    patched = r.json()
    assert patched["active"] is False and patched["secret"] not in (None, created["secret"])
    assert patched["subscriptions"]["segments"] == {"ids": ["*"], "changes": ["exited"]}
    r = await dclient.patch("/v1/destinations/crm", headers=admin_headers,
                            json={"name": "CRM 2"})
    assert r.json()["name"] == "CRM 2" and "secret" not in r.json()

    generated = await dclient.post("/v1/destinations", headers=admin_headers,
                                   json={k: v for k, v in _hook().items() if k != "id"})
    assert generated.status_code == 201 and generated.json()["id"].startswith("dst_")

    assert (await dclient.delete("/v1/destinations/crm", headers=admin_headers)
            ).status_code == 204
    assert (await dclient.get("/v1/destinations/crm", headers=admin_headers)).status_code == 404
    assert (await dclient.delete("/v1/destinations/crm", headers=admin_headers)
            ).status_code == 404


def _field(r: httpx.Response) -> str:
    return r.json()["error"]["fields"][0]["field"]


async def test_bad_input_names_the_field(dclient: httpx.AsyncClient, admin_headers: dict
                                         ) -> None:
    await dclient.post("/v1/segments", json=SEGMENT, headers=admin_headers)
    post = lambda body: dclient.post("/v1/destinations", json=body,  # noqa: E731
                                     headers=admin_headers)
    r = await post(_hook(target="http://10.0.0.7/hook"))
    assert (r.status_code, _field(r)) == (422, "/target") and "private" in r.text
    r = await post(_hook(target="http://169.254.169.254/latest/meta-data"))
    assert (r.status_code, _field(r)) == (422, "/target")
    r = await post(_hook(target="ftp://127.0.0.1/x"))
    assert (r.status_code, _field(r)) == (422, "/target")
    r = await post(_hook(subscriptions={"segments": {"ids": ["vip", "nope"]}}))
    assert (r.status_code, _field(r)) == (422, "/subscriptions/segments/ids/1")
    r = await post(_hook(subscriptions={"segments": {"ids": ["*", "nope"]}}))
    assert (r.status_code, _field(r)) == (422, "/subscriptions/segments/ids/1")
    r = await post(_hook(subscriptions={"segments": {"ids": [7]}}))
    assert (r.status_code, _field(r)) == (422, "/subscriptions/segments/ids/0")
    r = await post(_hook(subscriptions={}))
    assert r.status_code == 422 and "at least one" in r.text
    r = await post(_hook(kind="kafka", target="profile-changes"))
    assert (r.status_code, _field(r)) == (422, "/kind") and "not configured" in r.text
    r = await post(_hook(id="Bad Id"))
    assert (r.status_code, _field(r)) == (422, "/id")
    r = await post(_hook(kind="smtp"))
    assert (r.status_code, _field(r)) == (422, "/kind")
    r = await dclient.patch("/v1/destinations/nope", json={"name": "x"}, headers=admin_headers)
    assert r.status_code == 404


async def test_admin_scope_is_required(dclient: httpx.AsyncClient, admin_headers: dict
                                       ) -> None:
    key = await create_key(dclient, admin_headers, "segments", "read", "ingest")
    r = await dclient.get("/v1/destinations", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 403
