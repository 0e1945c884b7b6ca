"""Two simultaneous starts of different experiments: exactly one runs (decided in the graph
in one statement, not checked and then set)."""

from __future__ import annotations

import asyncio

import httpx
from neo4j import AsyncDriver

from tests.experiments.conftest import definition

ROUNDS = 4


async def test_two_simultaneous_starts_exactly_one_succeeds(api: httpx.AsyncClient,
                                                            graph: AsyncDriver,
                                                            admin_headers: dict) -> None:
    for n in range(ROUNDS):
        ids = [f"race-{n}-a", f"race-{n}-b"]
        for experiment_id in ids:
            r = await api.post("/v1/experiments", json=definition(experiment_id),
                               headers=admin_headers)
            assert r.status_code == 201
        answers = await asyncio.gather(*(api.post(f"/v1/experiments/{i}/start",
                                                  headers=admin_headers) for i in ids))
        assert sorted(r.status_code for r in answers) == [200, 409], [r.text for r in answers]
        refused = next(r for r in answers if r.status_code == 409)
        assert refused.json()["error"]["code"] == "another_experiment_running"
        records, _, _ = await graph.execute_query(
            "MATCH (x:Experiment {status: 'running'}) RETURN collect(x.experiment_id) AS ids")
        running = records[0]["ids"]
        assert len(running) == 1 and running[0] in ids
        r = await api.post(f"/v1/experiments/{running[0]}/stop", headers=admin_headers)
        assert r.status_code == 200
    # starting a running experiment again is not a second experiment: it still answers 200
    await api.post("/v1/experiments", json=definition("again"), headers=admin_headers)
    for _ in range(2):
        r = await api.post("/v1/experiments/again/start", headers=admin_headers)
        assert r.status_code == 200 and r.json()["status"] == "running"
