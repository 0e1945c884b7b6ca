"""The `profilegraph keys|import|demo-data` commands against the test database."""

from __future__ import annotations

import asyncio
import re

import orjson
from typer.testing import CliRunner

from app.cli.main import app
from tests.conftest import drop_everything

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



async def test_an_import_into_a_store_never_migrated_migrates_it_first(graph, settings,
                                                                       tmp_path, opt_out):
    """Without the schema (consent purposes, constraints) every event would be dropped."""
    await drop_everything(graph, settings.neo4j_database)
    path = tmp_path / "events.ndjson"
    path.write_bytes(orjson.dumps({"type": "track", "messageId": "m1", "userId": "u1",
                                   "event": "Signed Up"}) + b"\n")
    result = await asyncio.to_thread(runner.invoke, app, ["import", "segment-ndjson", str(path)])
    assert result.exit_code == 0, result.output
    assert "schema is up to date" in result.output
    records, _, _ = await graph.execute_query(
        "MATCH (:User {user_id: 'u1'})-[:PERFORMED]->(e) RETURN count(e) AS n")
    assert records[0]["n"] == 1
    records, _, _ = await graph.execute_query("MATCH (p:Purpose) RETURN count(p) AS n")
    assert records[0]["n"] > 0


def test_online_retail_finds_its_file_from_the_checkout_and_prints_progress_in_a_log(
        graph, tmp_path, monkeypatch):
    """Run from any directory: without PATH the file is looked for relative to the checkout,
    and a missing file says where it is expected. Output that is not a terminal (CliRunner,
    a log) gets plain progress lines instead of a bar that prints only at the end."""
    from app.cli import import_commands
    from tests.importers.test_import import retail_sample

    monkeypatch.chdir(tmp_path)
    missing = (tmp_path / "a" / "f.parquet", tmp_path / "b" / "f.parquet")
    monkeypatch.setattr(import_commands, "RETAIL_PLACES", missing)
    absent = runner.invoke(app, ["import", "online-retail"])
    assert absent.exit_code != 0
    flat = "".join(absent.output.replace("│", "").split())  # the error box wraps lines
    assert str(tmp_path / "a") in flat and "passthefile'spath" in flat
    found = retail_sample(tmp_path / "b.parquet")
    monkeypatch.setattr(import_commands, "RETAIL_PLACES", (missing[0], found))
    done = runner.invoke(app, ["import", "online-retail", "--progress-every", "2"])
    assert done.exit_code == 0, done.output
    assert f"importing {found}" in " ".join(done.output.split())
    lines = [line for line in done.output.splitlines() if line.startswith("invoice lines: ")]
    assert lines and " of 7 (" in lines[-1], done.output
    assert "customers" in done.output  # the summary still ends it


def test_online_retail_accepts_a_folder(graph, tmp_path):
    """`import online-retail <folder>` reads every .parquet/.xlsx/.csv file in it in name
    order (as `make run`'s newcomer points it at online_retail_ii/); a folder without data
    files is a clear PATH error."""
    from tests.importers.test_import import retail_folder

    folder = retail_folder(tmp_path / "online_retail_ii")
    done = runner.invoke(app, ["import", "online-retail", str(folder)])
    assert done.exit_code == 0, done.output
    flat = " ".join(done.output.split())
    assert "orders (invoices) │ 3" in flat and "earlier file │ 2" in flat, done.output
    (tmp_path / "empty").mkdir()
    empty = runner.invoke(app, ["import", "online-retail", str(tmp_path / "empty")])
    assert empty.exit_code != 0, empty.output
    assert "holdsno.parquet" in "".join(empty.output.replace("│", "").split()), empty.output
