"""`profilegraph experiments ...` against the test Neo4j."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from neo4j import AsyncDriver
from typer.testing import CliRunner

from app.cli.experiments_commands import fmt_lift
from app.cli.main import app
from tests.experiments.conftest import definition

runner = CliRunner()


def test_experiment_commands(graph: AsyncDriver, tmp_path: Path) -> None:
    path = tmp_path / "ab.yaml"
    path.write_text(yaml.safe_dump(definition()))
    result = runner.invoke(app, ["experiments", "upload", str(path)])
    assert result.exit_code == 0, result.output
    assert "recs-ab version 1 (draft)" in result.output
    assert "recs-ab\tdraft\tv1" in runner.invoke(app, ["experiments", "list"]).output
    assert runner.invoke(app, ["experiments", "start", "recs-ab"]).output.strip() == "running"
    shown = json.loads(runner.invoke(app, ["experiments", "show", "recs-ab"]).output)
    assert shown["status"] == "running" and shown["versions"] == [1]
    result = runner.invoke(app, ["experiments", "results", "recs-ab"])
    assert result.exit_code == 0, result.output
    assert "control" in result.output and "SRM" in result.output
    assert "decision metric: ctr" in result.output
    body = json.loads(runner.invoke(app, ["experiments", "results", "recs-ab", "--json"]).output)
    assert body["variants"][0]["exposures"] == 0
    assert runner.invoke(app, ["experiments", "stop", "recs-ab"]).output.strip() == "stopped"

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps(definition("bad", traffic=2)))
    result = runner.invoke(app, ["experiments", "upload", str(bad)])
    assert result.exit_code == 1 and "/traffic" in result.output


def test_the_lift_reads_as_a_percentage() -> None:
    assert fmt_lift(52.9) == "+52.9%" and fmt_lift(-3.04) == "-3.0%"
    assert fmt_lift(None) == "n/a"
