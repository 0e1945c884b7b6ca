"""The prediction refresh over a real Neo4j: anchored on the latest event, consented profiles
only, stored on the profile, shown by the profile API, used by segments and placements,
cleared when consent goes, one process at a time."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings
from tests.predictions.history import END, shop
from tests.segments.dataset import write_dataset

LIKELY = {"id": "likely-buyers", "name": "Likely to buy within 30 days", "condition": {
    "type": "trait", "property": "pred_purchase_30d", "op": "gte", "value": 0.5}}
TOP = {"id": "top-cluster", "name": "The highest-spending cluster", "condition": {
    "type": "trait", "property": "cluster", "op": "eq", "value": 0}}


async def _stored(graph: AsyncDriver) -> dict[str, dict]:
    records, _, _ = await graph.execute_query(
        "MATCH (u:User) RETURN u.user_id AS id, u.pred_purchase_30d AS p, "
        "u.pred_value_90d AS v, u.cluster AS c, u.cluster_label AS label")
    return {r["id"]: dict(r) for r in records}


async def _members(graph: AsyncDriver, segment_id: str) -> set[str]:
    records, _, _ = await graph.execute_query(
        "MATCH (:Segment {segment_id: $s})<-[:IN_SEGMENT]-(u) RETURN u.user_id AS id",
        s=segment_id)
    return {r["id"] for r in records}


async def test_refresh_end_to_end(client: httpx.AsyncClient, graph: AsyncDriver,
                                  admin_headers: dict, read_headers: dict,
                                  opt_in: Settings) -> None:
    data = shop(n_users=240, denied=10)
    await write_dataset(graph, data)
    for segment in (LIKELY, TOP):
        assert (await client.post("/v1/segments", json=segment, headers=admin_headers)
                ).status_code == 201
    assert not await _members(graph, "likely-buyers")
    assert (await client.get("/v1/predictions", headers=admin_headers)).status_code == 404
    assert (await client.post("/v1/predictions/refresh", headers=read_headers)
            ).status_code == 403

    r = await client.post("/v1/predictions/refresh", headers=admin_headers)
    assert r.status_code == 200, r.text
    run = r.json()
    assert run["status"] == "success" and run["scored"] == 230
    assert datetime.fromisoformat(run["anchor"]) == END  # the data's clock, not today's
    stored = await _stored(graph)
    denied = {u.user_id for u in data.users[:10]}
    for user_id, row in stored.items():
        if user_id in denied:
            assert (row["p"], row["v"], row["c"]) == (None, None, None)
        else:
            assert 0 <= row["p"] <= 1 and row["v"] >= 0 and row["c"] >= 0 and row["label"]
    regulars = [row["p"] for u, row in stored.items()
                if u.startswith("regular") and u not in denied]
    lapsed = [row["p"] for u, row in stored.items()
              if u.startswith("lapsed") and u not in denied]
    assert sum(regulars) / len(regulars) > sum(lapsed) / len(lapsed) + 0.3

    # segments testing a predicted trait or the cluster are refreshed by the run
    likely = {u for u, row in stored.items() if row["p"] is not None and row["p"] >= 0.5}
    assert likely and likely != set(stored)
    assert await _members(graph, "likely-buyers") == likely
    assert await _members(graph, "top-cluster") == {u for u, row in stored.items()
                                                     if row["c"] == 0}

    regular = next(u for u in sorted(likely) if u.startswith("regular"))
    profile = (await client.get(f"/v1/users/{regular}/profile", headers=read_headers)).json()
    assert profile["predictions"]["purchase_30d"] == stored[regular]["p"]
    assert profile["predictions"]["cluster"] == stored[regular]["c"]
    assert profile["predictions"]["cluster_label"] == stored[regular]["label"]
    quiet = (await client.get(f"/v1/users/{data.users[0].user_id}/profile",
                              headers=read_headers)).json()
    assert quiet["predictions"]["purchase_30d"] is None

    # placements decide on the stored predictions
    banner = {"name": "b", "default": "plain",
              "variants": [{"id": "plain", "title": "Hi"}, {"id": "offer", "title": "10%"}],
              "rules": [{"name": "likely", "variant": "offer", "when": {
                  "type": "prediction", "prediction": "purchase_30d", "op": "gte",
                  "value": 0.5}}]}
    assert (await client.put("/v1/placements/banner", json=banner, headers=admin_headers)
            ).status_code == 200
    decision = (await client.get(f"/v1/users/{regular}/decisions",
                                 params={"placement": "banner"}, headers=read_headers)).json()
    assert decision["variant"]["id"] == "offer"

    summary = (await client.get("/v1/predictions", headers=admin_headers)).json()["summary"]
    assert summary["purchase"]["status"] == "trained"
    assert len(summary["purchase"]["validation_calibration"]) == 10
    assert summary["clusters"]["k"] >= 2 and summary["clusters"]["criterion"] == "silhouette"
    assert sum(c["size"] for c in summary["clusters"]["clusters"]) == 230
    metrics = (await client.get("/metrics")).text
    assert 'profilegraph_prediction_refreshes_total{outcome="success"}' in metrics

    # consent withdrawn: the next run clears that profile and its memberships follow
    r = await client.put(f"/v1/users/{regular}/consent",
                         json={"purposes": {"personalization": False}}, headers=admin_headers)
    assert r.status_code == 200
    r = await client.post("/v1/predictions/refresh", headers=admin_headers)
    assert r.json()["scored"] == 229 and r.json()["summary"]["cleared"] == 1
    assert (await _stored(graph))[regular]["p"] is None
    assert regular not in await _members(graph, "likely-buyers")


async def test_one_process_at_a_time(client: httpx.AsyncClient, graph: AsyncDriver,
                                     admin_headers: dict) -> None:
    now = datetime.now(UTC)
    await graph.execute_query(
        "CREATE (:JobLease {name: 'predictions', holder: 'other', until: $until})",
        until=now + timedelta(minutes=5))
    r = await client.post("/v1/predictions/refresh", headers=admin_headers)
    assert (r.status_code, r.json()["error"]["code"]) == (409, "refresh_running")
    await graph.execute_query("MATCH (l:JobLease) SET l.until = $past",
                              past=now - timedelta(seconds=1))
    r = await client.post("/v1/predictions/refresh", headers=admin_headers)
    assert (r.status_code, r.json()["status"]) == (200, "no_data")
