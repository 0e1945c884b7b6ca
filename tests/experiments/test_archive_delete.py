"""Archiving and deleting experiments: over the API (with what a delete removes from the
graph) and from the command line."""

from __future__ import annotations

from pathlib import Path

import httpx
import yaml
from fastapi import FastAPI
from neo4j import AsyncDriver
from typer.testing import CliRunner

from app.cli.main import app as cli
from tests.experiments.conftest import ITEMS, definition, flush, recommend, send, start, track


async def _left(graph: AsyncDriver) -> dict[str, int]:
    records, _, _ = await graph.execute_query(
        "RETURN count { (:Exposure {experiment_id: 'recs-ab'}) } AS exposures, "
        "count { ()-[:ASSIGNED]->(:Experiment {experiment_id: 'recs-ab'}) } AS assigned, "
        "count { (:ExperimentVersion {experiment_id: 'recs-ab'}) } AS versions, "
        "count { (:Experiment {experiment_id: 'recs-ab'}) } AS experiments, "
        "count { ()-[:ATTRIBUTED_TO]->(:Exposure) } AS links")
    return dict(records[0])


async def _ids(api: httpx.AsyncClient, headers: dict, **params: str) -> list[str]:
    r = await api.get("/v1/experiments", params=params, headers=headers)
    return [e["experiment_id"] for e in r.json()["experiments"]]


async def test_archive_then_delete_over_the_api(api: httpx.AsyncClient, exp_app: FastAPI,
                                                graph: AsyncDriver,
                                                admin_headers: dict) -> None:
    await send(api, admin_headers, *(track(f"buyer{n}", "Order Completed", item)
                                     for n, item in enumerate(ITEMS)))
    await start(api, admin_headers, definition())
    shown = [await recommend(api, admin_headers, f"buyer{n}") for n in range(3)]
    await send(api, admin_headers, track("buyer0", "Product Clicked", ITEMS[0],
                                         recommendation_id=shown[0]["recommendation_id"]))
    await flush(exp_app)
    assert (await _left(graph))["exposures"] == 3
    for call in (api.post("/v1/experiments/recs-ab/archive", headers=admin_headers),
                 api.delete("/v1/experiments/recs-ab", headers=admin_headers)):
        r = await call
        assert r.status_code == 409 and r.json()["error"]["code"] == "experiment_running"
    assert (await api.post("/v1/experiments/recs-ab/stop", headers=admin_headers)).is_success
    r = await api.post("/v1/experiments/recs-ab/archive", headers=admin_headers)
    assert r.status_code == 200 and r.json()["status"] == "archived"
    assert await _ids(api, admin_headers) == []
    assert await _ids(api, admin_headers, include_archived="true") == ["recs-ab"]
    results = await api.get("/v1/experiments/recs-ab/results", headers=admin_headers)
    assert results.status_code == 200
    assert sum(v["exposures"] for v in results.json()["variants"]) == 3
    r = await api.post("/v1/experiments/recs-ab/start", headers=admin_headers)
    assert r.status_code == 409  # an archived experiment does not run again
    r = await api.delete("/v1/experiments/recs-ab", headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json() == {"experiment_id": "recs-ab", "deleted": True, "exposures_deleted": 3,
                        "assignments_deleted": 3, "versions_deleted": 1}
    assert await _left(graph) == {"exposures": 0, "assigned": 0, "versions": 0,
                                  "experiments": 0, "links": 0}
    for path in ("/v1/experiments/recs-ab", "/v1/experiments/recs-ab/results"):
        assert (await api.get(path, headers=admin_headers)).status_code == 404
    assert (await api.delete("/v1/experiments/recs-ab", headers=admin_headers)).status_code \
        == 404
    # the shoppers and their events stay: only the experiment went
    records, _, _ = await graph.execute_query(
        "RETURN count { (:User) } AS users, count { (:Event {type: 'product_clicked'}) } AS e")
    assert records[0]["users"] >= 3 and records[0]["e"] == 1
    # a draft is deleted as is; the id can be used again
    await api.post("/v1/experiments", json=definition(), headers=admin_headers)
    r = await api.delete("/v1/experiments/recs-ab", headers=admin_headers)
    assert r.status_code == 200 and r.json()["versions_deleted"] == 1


def test_archive_and_delete_from_the_command_line(graph: AsyncDriver, tmp_path: Path) -> None:
    runner = CliRunner()
    path = tmp_path / "ab.yaml"
    path.write_text(yaml.safe_dump(definition()))
    assert runner.invoke(cli, ["experiments", "upload", str(path)]).exit_code == 0
    result = runner.invoke(cli, ["experiments", "archive", "recs-ab"])
    assert result.exit_code == 0 and result.output.strip() == "archived"
    assert "recs-ab" not in runner.invoke(cli, ["experiments", "list"]).output
    assert "recs-ab\tarchived" in runner.invoke(cli, ["experiments", "list", "--all"]).output
    refused = runner.invoke(cli, ["experiments", "delete", "recs-ab"], input="n\n")
    assert refused.exit_code == 1 and "Aborted" in refused.output
    result = runner.invoke(cli, ["experiments", "delete", "recs-ab", "--yes"])
    assert result.exit_code == 0, result.output
    assert "deleted recs-ab: 0 exposures, 0 assignments, 1 versions" in result.output
    assert "recs-ab" not in runner.invoke(cli, ["experiments", "list", "--all"]).output
    missing = runner.invoke(cli, ["experiments", "delete", "recs-ab", "--yes"])
    assert missing.exit_code == 1 and "No experiment" in missing.output
