"""Promote and roll back through the admin REST routes and `profilegraph model`, each change
with its reason in the promotion log (the console's buttons share the logic)."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from app.cli.main import app as cli
from recmodel.artifact import read_promotions
from recmodel.artifact_format import current_version
from tests.console.storefront import write_model_runs
from tests.helpers import create_key

pytestmark = pytest.mark.neo4j


async def test_admin_routes_list_promote_and_roll_back_with_a_reason(
        artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    old, new = write_model_runs(artifacts)
    read = {"Authorization": f"Bearer {await create_key(client, admin_headers, 'read')}"}
    assert (await client.get("/v1/admin/models", headers=read)).status_code == 403
    listed = (await client.get("/v1/admin/models", headers=admin_headers)).json()
    assert listed["promoted"] == new and listed["rollback_target"] == old
    assert [r["version"] for r in listed["runs"]] == [new, old]
    assert listed["runs"][0]["metrics"]["val"]["recall@20"] == 0.27

    missing = await client.post("/v1/admin/models/rollback", json={}, headers=admin_headers)
    assert missing.status_code == 422 and "reason" in missing.text
    back = await client.post("/v1/admin/models/rollback", headers=admin_headers,
                             json={"reason": "conversion fell after the new model"})
    assert back.status_code == 200, back.text
    assert back.json() == {"version": old, "previous": new,
                           "reason": "conversion fell after the new model"}
    assert current_version(artifacts) == old
    served = (await client.get("/v1/admin/models", headers=admin_headers)).json()
    assert served["served"] == old  # the answering process loaded it at once

    unknown = await client.post("/v1/admin/models/nope/promote", json={"reason": "x"},
                                headers=admin_headers)
    assert unknown.status_code == 404
    again = await client.post(f"/v1/admin/models/{new}/promote", headers=admin_headers,
                              json={"reason": "fixed the catalog feed"})
    assert again.status_code == 200 and again.json()["previous"] == old
    history = (await client.get("/v1/admin/models", headers=admin_headers)).json()["history"]
    assert [(h["action"], h["version"], h["reason"]) for h in history] == [
        ("promote", new, "fixed the catalog feed"),
        ("rollback", old, "conversion fell after the new model")]
    assert history[0]["by"].startswith("api:")


def test_model_commands_list_promote_and_roll_back(artifacts: Path) -> None:
    old, new = write_model_runs(artifacts)
    runner = CliRunner()
    listed = runner.invoke(cli, ["model", "list"])
    assert listed.exit_code == 0 and old in listed.output and "promoted" in listed.output
    assert runner.invoke(cli, ["model", "rollback"]).exit_code != 0  # a reason is required
    back = runner.invoke(cli, ["model", "rollback", "--reason", "bad week"])
    assert back.exit_code == 0 and f"rolled back to {old}" in back.output
    assert runner.invoke(cli, ["model", "promote", "nope", "--reason", "x"]).exit_code == 1
    assert runner.invoke(cli, ["model", "promote", new, "--reason", "good again"]).exit_code == 0
    assert current_version(artifacts) == new
    log = read_promotions(artifacts)
    assert [(e["action"], e["reason"]) for e in log] == [("rollback", "bad week"),
                                                         ("promote", "good again")]
    assert all(e["by"].startswith("cli") for e in log)
    assert "good again" in runner.invoke(cli, ["model", "list"]).output
