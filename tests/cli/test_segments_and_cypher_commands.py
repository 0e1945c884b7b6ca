"""`profilegraph segments ...` and `profilegraph cypher ...` against the test Neo4j."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from neo4j import AsyncDriver
from typer.testing import CliRunner

from app.cli.main import app

runner = CliRunner()


def test_segments_and_cypher_commands(graph: AsyncDriver, tmp_path: Path) -> None:
    definition = tmp_path / "buyers.yaml"
    definition.write_text(yaml.safe_dump({
        "id": "buyers", "name": "Buyers",
        "condition": {"type": "event", "event_type": "order_completed"}}))
    result = runner.invoke(app, ["segments", "upload", str(definition)])
    assert result.exit_code == 0, result.output
    assert "buyers version 1: 0 members" in result.output
    result = runner.invoke(app, ["segments", "list"])
    assert "buyers" in result.output and "v1" in result.output
    result = runner.invoke(app, ["segments", "refresh"])
    assert result.exit_code == 0 and "+0 -0" in result.output
    assert runner.invoke(app, ["segments", "sweep"]).exit_code == 0
    shown = json.loads(runner.invoke(app, ["segments", "show", "buyers"]).output)
    assert shown["compiled_cypher"].startswith("MATCH (ce:Event)")
    schema = json.loads(runner.invoke(app, ["segments", "schema"]).output)
    assert schema["title"] == "SegmentDefinition"

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"id": "bad", "name": "bad", "condition": {
        "type": "event", "event_type": "order_completed", "within_days": -1}}))
    result = runner.invoke(app, ["segments", "upload", str(bad)])
    assert result.exit_code == 1 and "/condition/within_days" in result.output

    result = runner.invoke(app, ["cypher", "run", "MATCH (s:Segment) RETURN s.segment_id AS id",
                                 "--csv"])
    assert result.exit_code == 0 and result.output.splitlines() == ["id", "buyers"]
    result = runner.invoke(app, ["cypher", "run-saved", "segment_overlap"])
    assert json.loads(result.output)["columns"][0] == "segment_a"
    result = runner.invoke(app, ["cypher", "run", "CREATE (:Pwned)"])
    assert result.exit_code == 1 and "read_only" in result.output
