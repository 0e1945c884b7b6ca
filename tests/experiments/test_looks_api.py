"""Looks through the API over the real graph: before the first look, the plan frozen in the
graph at the first look with an earlier verdict kept, and the final reading of a stop."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI
from neo4j import AsyncDriver

from tests.experiments.conftest import ITEMS, definition, flush, recommend, send, start, track
from tests.experiments.history import click, expose, shoppers, today


def _primary(results: dict) -> dict:
    return next(c for c in results["comparisons"] if c["role"] == "decision")


async def _results(api: httpx.AsyncClient, headers: dict) -> dict:
    r = await api.get("/v1/experiments/recs-ab/results", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def test_before_the_first_look_the_results_say_why_and_when(
        api: httpx.AsyncClient, exp_app: FastAPI, admin_headers: dict) -> None:
    await send(api, admin_headers, *(track(f"buyer{n}", "Order Completed", item)
                                     for n, item in enumerate(ITEMS)))
    await start(api, admin_headers, definition())
    for n in range(4):
        await recommend(api, admin_headers, f"buyer{n}")
    await flush(exp_app)
    results = await _results(api, admin_headers)
    midnight = (datetime.now(UTC) + timedelta(days=1)).replace(hour=0, minute=0, second=0,
                                                                microsecond=0)
    assert results["looks"]["first_look_at"] == midnight.isoformat()
    assert results["looks"]["next_look_at"] == midnight.isoformat()
    primary = _primary(results)
    assert primary["verdict"] == "waiting_for_first_look"
    assert f"first look at {midnight:%Y-%m-%d} 00:00 UTC" in primary["verdict_reason"]
    assert "at least 100 shoppers" in primary["verdict_reason"]  # and what else it needs


async def test_the_plan_is_frozen_in_the_graph_and_a_verdict_does_not_flip(
        api: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict) -> None:
    await start(api, admin_headers, definition(minimum_detectable_effect=1.0))
    control = await shoppers(api, admin_headers, "c", 150)
    treated = await shoppers(api, admin_headers, "t", 150)
    day = today() - 3
    seen_c = await expose(graph, "recs-ab", "control", control, day)
    seen_t = await expose(graph, "recs-ab", "gnn", treated, day)
    await click(api, admin_headers, seen_c, 0.10, seed=1)
    await click(api, admin_headers, seen_t, 0.40, seed=2)
    first = await _results(api, admin_headers)
    primary = _primary(first)
    assert primary["verdict"] == "treatment_better" and primary["final"]
    records, _, _ = await graph.execute_query(
        "MATCH (x:Experiment {experiment_id: 'recs-ab'}) RETURN x.plan AS plan, "
        "x.plan_revision AS revision")
    stored = json.loads(records[0]["plan"])
    assert stored["required_per_variant"] == first["sample_size"]["required_per_variant"]
    assert stored["frozen_day"] == day and records[0]["revision"] == 1
    assert first["sample_size"]["frozen"]
    # Late clicks of day 3's control shoppers and a second day against the treatment: read
    # afresh, the data would plan another size and call the treatment worse.
    await click(api, admin_headers, seen_c, 0.9, seed=3)
    more_c = await expose(graph, "recs-ab", "control", await shoppers(
        api, admin_headers, "c2-", 150), day + 1)
    more_t = await expose(graph, "recs-ab", "gnn", await shoppers(
        api, admin_headers, "t2-", 150), day + 1)
    await click(api, admin_headers, more_c, 0.9, seed=4)
    await click(api, admin_headers, more_t, 0.05, seed=5)
    again = await _results(api, admin_headers)
    assert _primary(again)["difference"] < 0  # the estimates follow the data...
    assert _primary(again)["verdict"] == "treatment_better"  # ...the recorded look stands
    assert _primary(again)["sequential"]["looks"] == primary["sequential"]["looks"]
    assert again["sample_size"]["required_per_variant"] == \
        first["sample_size"]["required_per_variant"]
    records, _, _ = await graph.execute_query(
        "MATCH (x:Experiment {experiment_id: 'recs-ab'}) RETURN x.plan_revision AS revision")
    assert records[0]["revision"] == 1  # nothing new to record: concluded


async def test_a_stopped_experiment_below_its_planned_sample_gives_a_final_reading(
        api: httpx.AsyncClient, graph: AsyncDriver, admin_headers: dict) -> None:
    await start(api, admin_headers, definition())
    control = await shoppers(api, admin_headers, "c", 300)
    treated = await shoppers(api, admin_headers, "t", 300)
    seen_c = await expose(graph, "recs-ab", "control", control, today())
    seen_t = await expose(graph, "recs-ab", "gnn", treated, today())
    await click(api, admin_headers, seen_c, 0.10, seed=1)
    await click(api, admin_headers, seen_t, 0.20, seed=2)
    running = _primary(await _results(api, admin_headers))
    assert running["verdict"] == "waiting_for_first_look"
    r = await api.post("/v1/experiments/recs-ab/stop", headers=admin_headers)
    assert r.status_code == 200
    results = await _results(api, admin_headers)
    primary = _primary(results)
    assert not results["sample_size"]["reached"]  # far below the planned sample
    assert primary["verdict"] == "treatment_better" and primary["final"]
    last = primary["sequential"]["looks"][-1]
    assert last["final"] and last["boundary"] < 2.0
    assert results["looks"]["next_look_at"] is None
