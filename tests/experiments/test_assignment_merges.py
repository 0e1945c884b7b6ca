"""Enrollment, sticky variants and what identify/alias merges do to them (real Neo4j)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from neo4j import AsyncDriver

from app.experiments.assignment import hashed_variant
from app.experiments.definition import ExperimentDefinition
from tests.experiments.conftest import ITEMS, definition, flush, recommend, send, start, track


async def _catalogue(api: httpx.AsyncClient, headers: dict) -> None:
    await send(api, headers, *(track(f"buyer{n}", "Order Completed", item)
                               for n, item in enumerate(ITEMS)))


async def _salt(graph: AsyncDriver,
                experiment_id: str = "recs-ab") -> tuple[str, ExperimentDefinition]:
    records, _, _ = await graph.execute_query(
        "MATCH (x:Experiment {experiment_id: $id}) RETURN x.salt AS salt, x.definition AS d",
        id=experiment_id)
    return records[0]["salt"], ExperimentDefinition.model_validate_json(records[0]["d"])


def _ids_with(salt: str, d: ExperimentDefinition, prefix: str, variant: str,
              count: int = 1) -> list[str]:
    out = [f"{prefix}{i}" for i in range(500)
           if hashed_variant(d, salt, f"{prefix}{i}") == variant]
    return out[:count]


async def _assigned(graph: AsyncDriver, user_id: str) -> list[str]:
    records, _, _ = await graph.execute_query(
        "MATCH (:User {user_id: $u})-[a:ASSIGNED]->(:Experiment) RETURN a.variant AS v",
        u=user_id)
    return [r["v"] for r in records]


async def _seen(graph: AsyncDriver, user_id: str) -> int:
    records, _, _ = await graph.execute_query(
        "MATCH (:User {user_id: $u})-[:SAW]->(x:Exposure) RETURN count(x) AS n", u=user_id)
    return records[0]["n"]


async def test_enrolled_shopper_keeps_the_hashed_variant(api: httpx.AsyncClient, exp_app: FastAPI,
                                                         graph: AsyncDriver,
                                                         admin_headers: dict) -> None:
    await _catalogue(api, admin_headers)
    await start(api, admin_headers, definition())
    salt, d = await _salt(graph)
    first = await recommend(api, admin_headers, "buyer1")
    assert first["experiment"]["variant"] == hashed_variant(d, salt, "buyer1")
    again = [await recommend(api, admin_headers, "buyer1") for _ in range(3)]
    assert {r["experiment"]["variant"] for r in again} == {first["experiment"]["variant"]}
    assert len({r["recommendation_id"] for r in [first, *again]}) == 4
    await flush(exp_app)
    assert await _assigned(graph, "buyer1") == [first["experiment"]["variant"]]
    assert await _seen(graph, "buyer1") == 4
    # the control serves the popularity list, the model variant the model (or its fallback)
    strategies = {r["experiment"]["variant"]: r["strategy"] for r in [first]}
    if "control" in strategies:
        assert strategies["control"] == "popular" and first["fallback_reason"] is None


async def test_no_consent_or_unknown_means_not_enrolled(api: httpx.AsyncClient, exp_app: FastAPI,
                                                        graph: AsyncDriver,
                                                        admin_headers: dict) -> None:
    await _catalogue(api, admin_headers)
    r = await api.put("/v1/users/buyer2/consent", headers=admin_headers,
                      json={"purposes": {"analytics": True, "personalization": False}})
    assert r.status_code == 200, r.text
    await start(api, admin_headers, definition())
    for user in ("buyer2", "stranger"):
        body = await recommend(api, admin_headers, user)
        assert body["experiment"] is None and body["recommendation_id"]
    await flush(exp_app)
    records, _, _ = await graph.execute_query("MATCH (x:Exposure) RETURN count(x) AS n")
    assert records[0]["n"] == 0


async def test_identified_shopper_keeps_the_anonymous_variant(api: httpx.AsyncClient,
                                                              exp_app: FastAPI,
                                                              graph: AsyncDriver,
                                                              admin_headers: dict) -> None:
    """Anonymous device -> identified as a new userId (the profile is renamed): the recorded
    variant wins over the hash of the new id."""
    await _catalogue(api, admin_headers)
    await start(api, admin_headers, definition())
    salt, d = await _salt(graph)
    device = _ids_with(salt, d, "anon:dev", "gnn")[0].removeprefix("anon:")
    user = _ids_with(salt, d, "shopper", "control")[0]
    await send(api, admin_headers, track(None, "Product Viewed", "i1", anonymous=device))
    assert (await recommend(api, admin_headers, device))["experiment"]["variant"] == "gnn"
    await flush(exp_app)
    await send(api, admin_headers, track(user, "Product Viewed", "i2", anonymous=device))
    after = await recommend(api, admin_headers, user)
    assert after["user_id"] == user
    assert after["experiment"]["variant"] == "gnn"  # not hash(user) == "control"
    await flush(exp_app)
    assert await _assigned(graph, user) == ["gnn"]
    assert await _seen(graph, user) == 2


async def test_merge_survivor_keeps_its_variant_or_inherits_one(api: httpx.AsyncClient,
                                                                exp_app: FastAPI,
                                                                graph: AsyncDriver,
                                                                admin_headers: dict) -> None:
    await _catalogue(api, admin_headers)
    await start(api, admin_headers, definition())
    salt, d = await _salt(graph)
    known = _ids_with(salt, d, "known", "control")[0]
    fresh = _ids_with(salt, d, "fresh", "control")[0]
    devices = [x.removeprefix("anon:") for x in _ids_with(salt, d, "anon:dev", "gnn", 2)]
    # `known` was exposed (control); `fresh` exists but never saw a list
    await send(api, admin_headers, track(known, "Product Viewed", "i1"),
               track(fresh, "Product Viewed", "i1"),
               *(track(None, "Product Viewed", "i3", anonymous=dv) for dv in devices))
    await recommend(api, admin_headers, known)
    for dv in devices:
        assert (await recommend(api, admin_headers, dv))["experiment"]["variant"] == "gnn"
    await flush(exp_app)
    # anonymous activity identified as each known user: the anonymous profile merges in
    await send(api, admin_headers, track(known, "Product Viewed", "i4", anonymous=devices[0]),
               track(fresh, "Product Viewed", "i4", anonymous=devices[1]))
    assert await _assigned(graph, known) == ["control"]  # the survivor's own variant
    assert await _assigned(graph, fresh) == ["gnn"]  # inherited: what the person saw
    assert await _seen(graph, known) == 2 and await _seen(graph, fresh) == 1
    assert (await recommend(api, admin_headers, devices[0]))["experiment"]["variant"] == "control"
    assert (await recommend(api, admin_headers, fresh))["experiment"]["variant"] == "gnn"
    await flush(exp_app)
    results = (await api.get("/v1/experiments/recs-ab/results", headers=admin_headers)).json()
    assert results["crossover_shoppers"] == 1  # `known` saw both variants, and it is reported
