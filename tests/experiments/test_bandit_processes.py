"""Bandits served by two app instances over one Neo4j (two workers or replicas): both use
the same arm counts, read from the graph; `bandit.refresh_s` decides when they move; and
/results reports the allocation new shoppers get now."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from neo4j import AsyncDriver

from app.core.config import Settings
from app.experiments.bandit import thompson_variant
from app.experiments.bandit_snapshots import BanditSnapshots, Snapshot
from app.experiments.definition import ExperimentDefinition
from app.main import create_app
from tests.experiments.conftest import definition, flush, recommend, send, track

ARMS = [{"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
        {"name": "gnn", "weight": 0.5, "strategy": {"kind": "model"}}]


class Instance:
    def __init__(self, app: FastAPI, client: httpx.AsyncClient) -> None:
        self.app, self.client = app, client

    @property
    def snapshots(self) -> BanditSnapshots:
        return self.app.state.services.experiments.serving.bandit


@pytest.fixture
async def two(graph: AsyncDriver, exp_settings: Settings,
              tmp_path: Path) -> AsyncIterator[list[Instance]]:
    """Two app instances, each with its own process state and exposure journal."""
    async with AsyncExitStack() as stack:
        out = []
        for name in ("a", "b"):
            app = create_app(exp_settings.model_copy(update={
                "exposure_journal_dir": tmp_path / name}))
            await stack.enter_async_context(app.router.lifespan_context(app))
            client = await stack.enter_async_context(httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://test"))
            out.append(Instance(app, client))
        yield out


async def _start(api: httpx.AsyncClient, headers: dict, experiment_id: str,
                 refresh_s: float) -> ExperimentDefinition:
    body = definition(experiment_id, variants=ARMS, mode="bandit", guardrail_metrics=[],
                      bandit={"exploration_floor": 0.05, "refresh_s": refresh_s})
    assert (await api.post("/v1/experiments", json=body, headers=headers)).status_code == 201
    r = await api.post(f"/v1/experiments/{experiment_id}/start", headers=headers)
    assert r.status_code == 200, r.text
    return ExperimentDefinition.model_validate(body)


async def _salt(graph: AsyncDriver, experiment_id: str) -> str:
    records, _, _ = await graph.execute_query(
        "MATCH (x:Experiment {experiment_id: $id}) RETURN x.salt AS salt", id=experiment_id)
    return records[0]["salt"]


async def _wave(two: list[Instance], headers: dict, prefix: str,
                count: int) -> list[dict[str, Any]]:
    """New shoppers, served alternately by the two instances; their clicks on the gnn arm's
    lists (none on control's) sent back; everything written."""
    api = two[0].client
    await send(api, headers, *(track(f"{prefix}{n}", "Product Viewed", "i1")
                               for n in range(count)))
    served = [await recommend(two[n % len(two)].client, headers, f"{prefix}{n}")
              for n in range(count)]
    for instance in two:
        await flush(instance.app)
    clicks = [track(s["user_id"], "Product Clicked", "i1",
                    recommendation_id=s["recommendation_id"])
              for s in served if s["experiment"]["variant"] == "gnn"]
    if clicks:
        await send(api, headers, *clicks)
    return served


def _same(a: Snapshot, b: Snapshot) -> bool:
    return (a.bucket, a.refresh_s, dict(a.counts)) == (b.bucket, b.refresh_s, dict(b.counts))


async def test_two_instances_draw_from_the_same_counts(two: list[Instance], graph: AsyncDriver,
                                                       admin_headers: dict) -> None:
    d = await _start(two[0].client, admin_headers, "bandit-shared", refresh_s=3600)
    salt = await _salt(graph, "bandit-shared")
    for attempt in range(2):  # a second try only if the hour turned during the first
        await _wave(two[:1], admin_headers, f"early{attempt}-", 1)  # a counts this period
        first = await two[0].snapshots.current("bandit-shared", d)
        # a wave through instance a only, whose clicks all favour gnn
        await _wave(two[:1], admin_headers, f"w1-{attempt}-", 16)
        # then new shoppers through b (its first bandit draw) and a
        later = await _wave(two[1:], admin_headers, f"w2-{attempt}-", 12)
        later += await _wave(two[:1], admin_headers, f"w3-{attempt}-", 6)
        other = await two[1].snapshots.current("bandit-shared", d)
        if (await two[0].snapshots.current("bandit-shared", d)).bucket == first.bucket:
            break
    # b did not count for itself: it read the period's counts a stored, clicks or not
    assert _same(first, other)
    assert sum(c.trials for c in first.counts.values()) == 0  # counted before any list
    for s in later:
        expected = thompson_variant(d, salt, s["user_id"], first.counts, first.bucket)
        assert s["experiment"]["variant"] == expected, s["user_id"]


async def test_refresh_s_moves_the_counts_and_results_report_the_allocation(
        two: list[Instance], admin_headers: dict) -> None:
    d = await _start(two[0].client, admin_headers, "bandit-refresh", refresh_s=1)
    served = await _wave(two, admin_headers, "r1-", 30)
    before = await two[0].snapshots.current("bandit-refresh", d)
    gnn_lists = sum(s["experiment"]["variant"] == "gnn" for s in served)
    assert 0 < gnn_lists < 30
    # within one refresh period (1 s) of the clicks: the next period counts them
    deadline = time.monotonic() + 10
    while True:
        await asyncio.sleep(max(0.0, (before.bucket + 1) * 1.0 - time.time()) + 0.05)
        a = await two[0].snapshots.current("bandit-refresh", d)
        b = await two[1].snapshots.current("bandit-refresh", d)
        if a.counts["gnn"].successes == gnn_lists or time.monotonic() > deadline:
            break
    assert a.bucket > before.bucket
    assert a.counts["gnn"].trials == gnn_lists and a.counts["gnn"].successes == gnn_lists
    assert a.counts["control"].trials == 30 - gnn_lists and a.counts["control"].successes == 0
    assert _same(a, b) or b.bucket != a.bucket  # one period, one set of counts
    results = (await two[1].client.get("/v1/experiments/bandit-refresh/results",
                                       headers=admin_headers)).json()
    shares = {v["name"]: v["allocation"] for v in results["variants"]}
    weights = {v["name"]: v["weight"] for v in results["variants"]}
    assert weights == {"control": 0.5, "gnn": 0.5}  # declared
    assert shares["gnn"] > 0.9 and shares["control"] >= 0.05  # now: the floor kept
    assert abs(sum(shares.values()) - 1) < 1e-3
    arms = results["bandit"]["arms"]
    assert arms["gnn"] == {"exposures": gnn_lists, "successes": gnn_lists}
    assert results["bandit"]["refresh_s"] == 1 and results["bandit"]["counts_as_of"]
