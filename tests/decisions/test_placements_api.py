"""PUT/GET/DELETE /v1/placements: versions kept, 422 pointers, unknown segments, scopes."""

from __future__ import annotations

import httpx
import yaml
from neo4j import AsyncDriver

from tests.decisions.fixtures import BANNER, GOLD


async def test_put_versions_and_history(client: httpx.AsyncClient, graph: AsyncDriver,
                                        admin_headers: dict) -> None:
    assert (await client.post("/v1/segments", json=GOLD, headers=admin_headers)).status_code \
        == 201
    r = await client.put("/v1/placements/home_banner", json=BANNER, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert (r.json()["version"], r.json()["versions"]) == (1, [1])
    assert r.json()["definition"]["id"] == "home_banner"
    changed = {**BANNER, "default": "offer"}
    r = await client.put("/v1/placements/home_banner", content=yaml.safe_dump(changed),
                         headers={**admin_headers, "content-type": "application/yaml"})
    assert (r.json()["version"], r.json()["versions"]) == (2, [1, 2])
    stale = await client.put("/v1/placements/home_banner", json={**changed, "version": 2},
                             headers=admin_headers)
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "version_conflict")
    r = await client.put("/v1/placements/home_banner", json={**changed, "version": 3},
                         headers=admin_headers)
    assert r.json()["version"] == 3
    old = await client.get("/v1/placements/home_banner/versions/1", headers=admin_headers)
    assert old.status_code == 200 and old.json()["definition"]["default"] == "generic"
    current = await client.get("/v1/placements/home_banner", headers=admin_headers)
    assert current.json()["definition"]["default"] == "offer"
    listed = await client.get("/v1/placements", headers=admin_headers)
    assert [(p["placement_id"], p["version"]) for p in listed.json()["placements"]] == [
        ("home_banner", 3)]
    assert (await client.delete("/v1/placements/home_banner", headers=admin_headers)
            ).status_code == 204
    assert (await client.get("/v1/placements/home_banner", headers=admin_headers)
            ).status_code == 404
    assert (await client.delete("/v1/placements/home_banner", headers=admin_headers)
            ).status_code == 404


async def test_invalid_definitions_name_the_field(client: httpx.AsyncClient, graph: AsyncDriver,
                                                  admin_headers: dict) -> None:
    async def put(body: dict) -> dict:
        r = await client.put("/v1/placements/home_banner", json=body, headers=admin_headers)
        assert r.status_code == 422, r.text
        return r.json()["error"]

    unknown = await put(BANNER)  # the gold segment does not exist yet
    assert unknown["fields"] == [{"field": "/rules/0/when/segment_id",
                                  "reason": "no segment 'gold' exists"}]
    no_variant = await put({**BANNER, "default": "missing"})
    assert no_variant["fields"][0]["field"] == "/default"
    bad_rule = {**BANNER, "rules": [{"name": "x", "variant": "nope", "when": {
        "type": "context", "field": "device", "op": "eq", "value": "mobile"}}]}
    unknown_variant = (await put(bad_rule))["fields"]
    assert unknown_variant[0]["field"] == "/rules/0/variant"
    assert "rule 1 names no variant" in unknown_variant[0]["reason"]
    word = {**BANNER, "rules": [{"name": "x", "variant": "offer", "when": {
        "type": "prediction", "prediction": "purchase_30d", "op": "gte", "value": "high"}}]}
    # one field, the value itself: not one per member of the int | float union
    assert [f["field"] for f in (await put(word))["fields"]] == ["/rules/0/when/value"]
    bad_name = {**BANNER, "rules": [{"name": "x", "variant": "offer", "when": {
        "type": "prediction", "prediction": "churn", "op": "gte", "value": 1}}]}
    assert [f["field"] for f in (await put(bad_name))["fields"]] == [
        "/rules/0/when/prediction"]
    bad_op = {**BANNER, "rules": [{"name": "x", "variant": "offer", "when": {
        "type": "prediction", "prediction": "purchase_30d", "op": "contains", "value": 1}}]}
    assert (await put(bad_op))["fields"][0]["field"].startswith("/rules/0/when")
    events = {**BANNER, "rules": [{"name": "x", "variant": "offer", "when": {
        "type": "event", "event_type": "order_completed"}}]}
    assert (await put(events))["fields"][0]["field"].startswith("/rules/0/when")
    empty = {**BANNER, "variants": [{"id": "generic"}], "rules": []}
    assert (await put(empty))["fields"][0]["field"] == "/variants/0"
    other_id = await put({**BANNER, "id": "other"})
    assert other_id["fields"][0]["field"] == "/id"


async def test_scopes(client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict,
                      read_headers: dict) -> None:
    r = await client.put("/v1/placements/x", json={**BANNER, "rules": []}, headers=read_headers)
    assert r.status_code == 403
    assert (await client.get("/v1/placements", headers=read_headers)).status_code == 403
    schema = await client.get("/v1/placements/schema", headers=admin_headers)
    kinds = set(schema.json()["$defs"]["AllOf"]["properties"]["conditions"]["items"]
                ["discriminator"]["mapping"])
    assert kinds == {"trait", "segment", "consent", "prediction", "context", "and", "or",
                     "not"}
