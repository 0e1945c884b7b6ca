"""A placement's rule sets tested against each other end to end through the API: definition,
start beside a recommendation experiment, sticky assignment, decisions served from the
variant's version, exposures with the decision id, clicks attributed, results, stop."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from neo4j import AsyncDriver

from tests.experiments.conftest import definition, flush, recommend, send, start, track

SHOPPERS = [f"p{n}" for n in range(40)]
V1 = {"name": "Banner", "default": "generic",
      "variants": [{"id": "generic", "title": "Bestsellers"}, {"id": "offer", "title": "10%"}]}
V2 = {**V1, "rules": [{"name": "Viewers", "variant": "offer", "when": {
    "type": "trait", "property": "count_product_viewed", "op": "gte", "value": 1}}]}


def _test(versions: tuple[int, int]) -> dict:
    return {"id": "banner-ab", "name": "Viewer offer against the plain banner",
            "primary_metric": "ctr",
            "variants": [
                {"name": "control", "weight": 0.5, "strategy": {
                    "kind": "placement", "placement_id": "home_banner",
                    "placement_version": versions[0]}},
                {"name": "viewer-offer", "weight": 0.5, "strategy": {
                    "kind": "placement", "placement_id": "home_banner",
                    "placement_version": versions[1]}}]}


async def _decide(api: httpx.AsyncClient, headers: dict, user: str) -> dict:
    r = await api.get(f"/v1/users/{user}/decisions", params={"placement": "home_banner"},
                      headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_placement_experiment_end_to_end(api: httpx.AsyncClient, exp_app: FastAPI,
                                                 graph: AsyncDriver,
                                                 admin_headers: dict) -> None:
    await send(api, admin_headers, *(track(u, "Product Viewed", "i1") for u in SHOPPERS))
    for body in (V1, V2):
        r = await api.put("/v1/placements/home_banner", json=body, headers=admin_headers)
        assert r.status_code == 200, r.text

    # a pinned version that does not exist is refused at start, naming the field
    bad = {**_test((1, 9)), "id": "banner-bad"}
    assert (await api.post("/v1/experiments", json=bad, headers=admin_headers)
            ).status_code == 201
    r = await api.post("/v1/experiments/banner-bad/start", headers=admin_headers)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["fields"][0]["field"] == "/variants/1/strategy/placement_version"
    # placement variants cannot mix with recommendation strategies
    mixed = _test((1, 2))
    mixed["variants"][0]["strategy"] = {"kind": "popular"}
    assert (await api.post("/v1/experiments", json=mixed, headers=admin_headers)
            ).status_code == 422

    # a placement experiment runs beside the recommendation experiment
    await start(api, admin_headers, definition())
    await start(api, admin_headers, _test((1, 2)))
    assert (await recommend(api, admin_headers, "p0"))["experiment"]["experiment_id"] == \
        "recs-ab"

    served: dict[str, dict] = {}
    for user in SHOPPERS:
        served[user] = await _decide(api, admin_headers, user)
    arms: dict[str, list[str]] = {"control": [], "viewer-offer": []}
    for user, body in served.items():
        assert body["experiment"]["experiment_id"] == "banner-ab"
        arms[body["experiment"]["variant"]].append(user)
        # each arm decides with its own version's rules
        if body["experiment"]["variant"] == "control":
            assert (body["version"], body["variant"]["id"], body["rule"]) == (1, "generic", None)
        else:
            assert (body["version"], body["variant"]["id"]) == (2, "offer")
            assert body["reason"] == "rule 1 'Viewers' matched: product_viewed events ≥ 1 (1)"
    assert arms["control"] and arms["viewer-offer"]
    again = await _decide(api, admin_headers, "p0")  # sticky, a new exposure id
    assert again["experiment"] == served["p0"]["experiment"]
    assert again["decision_id"] != served["p0"]["decision_id"]

    # the offer's shoppers click it, sending the decision id back
    await send(api, admin_headers, *(
        track(u, "Product Clicked", "i2", recommendation_id=served[u]["decision_id"])
        for u in arms["viewer-offer"]))
    await flush(exp_app)
    await flush(exp_app)  # the second pass links a click that raced its exposure's write
    records, _, _ = await graph.execute_query(
        "MATCH (:User)-[:SAW]->(x:Exposure {experiment_id: 'banner-ab'}) "
        "RETURN x.surface AS surface, x.variant AS variant, x.items AS items, "
        "COUNT { (x)<-[:ATTRIBUTED_TO]-() } AS clicks")
    assert len(records) == len(SHOPPERS) + 1
    assert {r["surface"] for r in records} == {"placement:home_banner"}
    assert {(r["variant"], tuple(r["items"])) for r in records} == {
        ("control", ("generic",)), ("viewer-offer", ("offer",))}
    assert sum(r["clicks"] for r in records) == len(arms["viewer-offer"])

    results = (await api.get("/v1/experiments/banner-ab/results", headers=admin_headers)
               ).json()
    by_name = {v["name"]: v for v in results["variants"]}
    repeat = served["p0"]["experiment"]["variant"]
    for name, users in arms.items():
        assert by_name[name]["shoppers"] == len(users)
        assert by_name[name]["exposures"] == len(users) + (name == repeat)
    assert by_name["viewer-offer"]["clicks"] == len(arms["viewer-offer"])
    assert by_name["control"]["clicks"] == 0

    # stopped: every shopper gets the current version, untagged
    assert (await api.post("/v1/experiments/banner-ab/stop", headers=admin_headers)
            ).status_code == 200
    after = await _decide(api, admin_headers, arms["control"][0])
    assert (after["experiment"], after["version"], after["variant"]["id"]) == (None, 2, "offer")
