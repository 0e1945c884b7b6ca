"""The `profilegraph keys|import|demo-data` commands against the test database."""

from __future__ import annotations

import re

import orjson
from typer.testing import CliRunner

from app.cli.main import app

runner = CliRunner()


def test_keys_commands(graph):
    created = runner.invoke(app, ["keys", "create", "--name", "shop", "--scope", "ingest",
                                  "--scope", "read"])
    assert created.exit_code == 0, created.output
    key = re.search(r"pg_[0-9a-f]{12}_\S+", created.output).group(0)
    key_id = key.split("_")[1]
    listed = runner.invoke(app, ["keys", "list"])
    assert key_id in listed.output and "ingest,read" in listed.output
    assert key not in listed.output
    revoked = runner.invoke(app, ["keys", "revoke", key_id])
    assert revoked.exit_code == 0 and "revoked" in revoked.output
    assert runner.invoke(app, ["keys", "revoke", "nope"]).exit_code == 1
    bad = runner.invoke(app, ["keys", "create", "--name", "x", "--scope", "root"])
    assert bad.exit_code != 0


def test_import_and_demo_commands(graph, tmp_path, opt_out):
    path = tmp_path / "events.ndjson"
    path.write_bytes(orjson.dumps({"type": "track", "messageId": "m1", "userId": "u1",
                                   "event": "Signed Up"}) + b"\nnot json\n")
    result = runner.invoke(app, ["import", "segment-ndjson", str(path)])
    assert result.exit_code == 0, result.output
    assert "events stored" in result.output and "line 2" in result.output
    demo = runner.invoke(app, ["demo-data", "--users", "5"])
    assert demo.exit_code == 0, demo.output
    assert "messages applied" in demo.output

