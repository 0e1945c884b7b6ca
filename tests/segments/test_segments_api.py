"""The /v1/segments endpoints over a real Neo4j: upload, versions, 422 pointers, cycles,
preview, members, count, "why", a user's segments, delete."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
import yaml
from neo4j import AsyncDriver

from tests.segments.dataset import Dataset, Event, Item, Line, User, write_dataset

NOW = datetime.now(UTC).replace(microsecond=0)
BUYERS = {"id": "recent-buyers", "name": "Bought in the last 30 days",
          "condition": {"type": "event", "event_type": "order_completed", "within_days": 30}}


async def _storefront(graph: AsyncDriver) -> None:
    items = [Item("sku-1", "shoes", 50.0), Item("sku-2", "hats", 5.0)]
    users = [User(f"u{n}", {"trait_plan": "pro" if n % 2 else "free"},
                  {"marketing": "granted"} if n < 3 else {}) for n in range(6)]
    events = [Event(f"o{n}", f"u{n}", "order_completed", NOW - timedelta(days=2 * n),
                    {"p_revenue": 40.0 * n}, [Line("sku-1")]) for n in range(5)]
    events.append(Event("v0", "u5", "product_viewed", NOW - timedelta(days=1), {},
                        [Line("sku-2")]))
    await write_dataset(graph, Dataset(users, items, events))


async def test_schema_is_published(client: httpx.AsyncClient, admin_headers: dict) -> None:
    r = await client.get("/v1/segments/schema", headers=admin_headers)
    assert r.status_code == 200
    schema = r.json()
    assert set(schema["required"]) >= {"id", "name", "condition"}
    kinds = set(schema["$defs"]["AndCondition"]["properties"]["conditions"]["items"]
                ["discriminator"]["mapping"])
    assert kinds == {"trait", "event", "sequence", "consent", "segment", "and", "or", "not"}


async def test_upload_versions_and_read(client: httpx.AsyncClient, graph: AsyncDriver,
                                        admin_headers: dict) -> None:
    await _storefront(graph)
    r = await client.post("/v1/segments", json=BUYERS, headers=admin_headers)
    assert r.status_code == 201, r.text
    body = r.json()
    # orders at 0, 2, ..., 8 days ago: all five within 30 days
    assert (body["version"], body["size"]) == (1, 5)
    assert "$now" in body["compiled_cypher"] and "order_completed" not in body[
        "compiled_cypher"]
    assert "order_completed" in body["parameters"].values()

    narrower = {**BUYERS, "condition": {**BUYERS["condition"], "within_days": 5}}
    r = await client.post("/v1/segments", json=narrower, headers=admin_headers)
    assert (r.json()["version"], r.json()["size"]) == (2, 3)
    assert r.json()["versions"] == [1, 2]

    stale = await client.post("/v1/segments", json={**narrower, "version": 2},
                              headers=admin_headers)
    assert (stale.status_code, stale.json()["error"]["code"]) == (409, "version_conflict")
    assert (await client.post("/v1/segments", json={**narrower, "version": 3},
                              headers=admin_headers)).json()["version"] == 3

    old = await client.get("/v1/segments/recent-buyers/versions/1", headers=admin_headers)
    assert old.status_code == 200
    assert old.json()["definition"]["condition"]["within_days"] == 30
    listed = await client.get("/v1/segments", headers=admin_headers)
    assert [(s["segment_id"], s["version"], s["size"]) for s in listed.json()["segments"]] == [
        ("recent-buyers", 3, 3)]
    missing = await client.get("/v1/segments/nope", headers=admin_headers)
    assert missing.status_code == 404


async def test_yaml_upload(client: httpx.AsyncClient, graph: AsyncDriver,
                           admin_headers: dict) -> None:
    await _storefront(graph)
    doc = {"id": "pro-plan", "name": "Pro plan",
           "condition": {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}}
    r = await client.post("/v1/segments", content=yaml.safe_dump(doc),
                          headers={**admin_headers, "content-type": "application/yaml"})
    assert r.status_code == 201, r.text
    assert r.json()["size"] == 3


async def test_invalid_definitions_point_at_the_field(client: httpx.AsyncClient,
                                                      admin_headers: dict) -> None:
    cases = [
        ({"type": "and", "conditions": [{"type": "event", "event_type": "order_completed",
                                         "within_days": 0}]},
         "/condition/conditions/0/within_days"),
        ({"type": "not", "condition": {"type": "trait", "property": "trait_plan", "op": "gt",
                                       "value": True}},
         "/condition/condition"),
        ({"type": "or", "conditions": [{"type": "trait", "property": "password", "op": "eq",
                                        "value": "x"}]},
         "/condition/conditions/0/property"),
        ({"type": "event", "event_type": "Order Completed"}, "/condition/event_type"),
        ({"type": "event", "event_type": "order_completed", "within_day": 3},
         "/condition/within_day"),
        ({"type": "teleport"}, "/condition"),
        ({"type": "sequence", "first": {"event_type": "product_added"},
          "then": {"event_type": "order_completed", "filters": [
              {"field": "p_revenue", "op": "in", "value": []}]},
          "within": {"hours": 1}},
         "/condition/then/filters/0"),
    ]
    for condition, pointer in cases:
        r = await client.post("/v1/segments", json={"id": "bad", "name": "bad",
                                                    "condition": condition},
                              headers=admin_headers)
        assert r.status_code == 422, condition
        fields = r.json()["error"]["fields"]
        assert pointer in [f["field"] for f in fields], (pointer, fields)
        assert all(f["reason"] for f in fields)


async def test_cycles_and_unknown_references_are_rejected(
        client: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict) -> None:
    def refers(seg_id: str, target: str) -> dict:
        return {"id": seg_id, "name": seg_id,
                "condition": {"type": "and", "conditions": [
                    {"type": "consent", "purpose": "marketing"},
                    {"type": "segment", "segment_id": target}]}}

    r = await client.post("/v1/segments", json=refers("a", "ghost"), headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "/condition/conditions/1/segment_id"

    r = await client.post("/v1/segments", json=refers("self", "self"), headers=admin_headers)
    assert (r.status_code, r.json()["error"]["code"]) == (422, "segment_cycle")

    assert (await client.post("/v1/segments", json=BUYERS, headers=admin_headers)
            ).status_code == 201
    assert (await client.post("/v1/segments", json=refers("a", "recent-buyers"),
                              headers=admin_headers)).status_code == 201
    assert (await client.post("/v1/segments", json=refers("b", "a"),
                              headers=admin_headers)).status_code == 201
    # recent-buyers -> b would close a -> recent-buyers -> b -> a
    r = await client.post("/v1/segments", json=refers("recent-buyers", "b"),
                          headers=admin_headers)
    assert r.status_code == 422
    error = r.json()["error"]
    assert error["code"] == "segment_cycle"
    assert "a" in error["message"] and "b" in error["message"]
    # the rejected upload stored nothing
    current = await client.get("/v1/segments/recent-buyers", headers=admin_headers)
    assert current.json()["version"] == 1


async def test_preview_members_count_and_why(client: httpx.AsyncClient, graph: AsyncDriver,
                                             admin_headers: dict) -> None:
    await _storefront(graph)
    condition = {"type": "and", "conditions": [
        {"type": "consent", "purpose": "marketing", "granted": True},
        {"type": "event", "event_type": "order_completed", "within_days": 30,
         "aggregate": {"fn": "sum", "property": "p_revenue", "op": "gte", "value": 40}}]}
    preview = await client.post("/v1/segments/preview",
                                json={"condition": condition, "sample_size": 1},
                                headers=admin_headers)
    assert preview.status_code == 200, preview.text
    # marketing consent: u0-u2; revenue >= 40: u1 (40), u2 (80)
    assert preview.json()["count"] == 2 and preview.json()["sample"] == ["u1"]
    assert (await client.get("/v1/segments/preview-x", headers=admin_headers)
            ).status_code == 404  # preview saved nothing

    await client.post("/v1/segments", json={"id": "vip", "name": "VIP", "condition": condition},
                      headers=admin_headers)
    count = await client.get("/v1/segments/vip/count", headers=admin_headers)
    assert count.json()["count"] == 2

    page1 = await client.get("/v1/segments/vip/members?limit=1", headers=admin_headers)
    assert [m["user_id"] for m in page1.json()["members"]] == ["u1"]
    cursor = page1.json()["next_cursor"]
    page2 = await client.get(f"/v1/segments/vip/members?limit=1&cursor={cursor}",
                             headers=admin_headers)
    assert [m["user_id"] for m in page2.json()["members"]] == ["u2"]
    assert page2.json()["next_cursor"] is None

    why = await client.get("/v1/segments/vip/members/u0", headers=admin_headers)
    body = why.json()
    assert (body["member"], body["matches"]) == (False, False)
    assert [(c["pointer"], c["matches"]) for c in body["conditions"]] == [
        ("/condition", False), ("/condition/conditions/0", True),
        ("/condition/conditions/1", False)]
    yes = (await client.get("/v1/segments/vip/members/u2", headers=admin_headers)).json()
    assert yes["member"] and yes["matches"]
    assert (await client.get("/v1/segments/vip/members/nobody", headers=admin_headers)
            ).status_code == 404

    mine = await client.get("/v1/users/u2/segments", headers=admin_headers)
    assert [s["segment_id"] for s in mine.json()["segments"]] == ["vip"]
    assert (await client.get("/v1/users/u0/segments", headers=admin_headers)
            ).json()["segments"] == []


async def test_delete_refuses_referenced_segments(client: httpx.AsyncClient, graph: AsyncDriver,
                                                  admin_headers: dict) -> None:
    await _storefront(graph)
    await client.post("/v1/segments", json=BUYERS, headers=admin_headers)
    ref = {"id": "buyers-pro", "name": "Pro buyers", "condition": {"type": "and", "conditions": [
        {"type": "segment", "segment_id": "recent-buyers"},
        {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}]}}
    r = await client.post("/v1/segments", json=ref, headers=admin_headers)
    assert r.json()["size"] == 2  # u1, u3
    r = await client.delete("/v1/segments/recent-buyers", headers=admin_headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "segment_in_use")
    r = await client.delete("/v1/segments/buyers-pro", headers=admin_headers)
    assert (r.status_code, r.json()["status"]) == (200, "deleted")
    r = await client.delete("/v1/segments/recent-buyers", headers=admin_headers)
    assert (r.status_code, r.json()["status"]) == (200, "deleted")
    assert (await client.get("/v1/segments/recent-buyers", headers=admin_headers)
            ).status_code == 404
    records, _, _ = await graph.execute_query(
        "MATCH (n) WHERE n:Segment OR n:SegmentVersion OR n:MembershipChange "
        "RETURN count(n) AS n")
    assert records[0]["n"] == 0


async def test_scopes_are_required(client: httpx.AsyncClient) -> None:
    assert (await client.get("/v1/segments")).status_code == 401
    assert (await client.post("/v1/segments", json=BUYERS)).status_code == 401


async def test_refresh_sweep_and_changes_endpoints(client: httpx.AsyncClient, graph: AsyncDriver,
                                                   admin_headers: dict) -> None:
    await _storefront(graph)
    await client.post("/v1/segments", json=BUYERS, headers=admin_headers)
    static = {"id": "pro", "name": "Pro", "condition": {
        "type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}}
    await client.post("/v1/segments", json=static, headers=admin_headers)
    await graph.execute_query("MATCH (u:User {user_id: 'u1'}) SET u.trait_plan = 'free'")

    swept = await client.post("/v1/segments/sweep", headers=admin_headers)
    # only the windowed segment is time-dependent; the trait change waits for a refresh
    assert [r["segment_id"] for r in swept.json()["refreshed"]] == ["recent-buyers"]
    r = await client.post("/v1/segments/pro/refresh", headers=admin_headers)
    assert r.json()["refreshed"] == [{"segment_id": "pro", "entered": 0, "exited": 1,
                                      "size": 2}]
    everything = await client.post("/v1/segments/refresh", headers=admin_headers)
    assert sorted(r["segment_id"] for r in everything.json()["refreshed"]) == [
        "pro", "recent-buyers"]
    changes = await client.get("/v1/segments/pro/changes?user_id=u1", headers=admin_headers)
    assert [c["change"] for c in changes.json()["changes"]] == ["exited", "entered"]
    assert (await client.post("/v1/segments/nope/refresh", headers=admin_headers)
            ).status_code == 404
