import subprocess
import sys
from pathlib import Path

from typer.testing import CliRunner

from app.cli.main import app as profilegraph
from app.cli.main import trainer_target
from recmodel.artifact_format import list_versions, read_manifest
from trainer.cli import train as cli
from trainer.connection import Neo4jConnection


def _lastfm_folder(tmp_path: Path, tiny) -> Path:
    """Write the tiny planted dataset in the LastFM file format (ids from 1)."""
    folder = tmp_path / "lastfm"
    folder.mkdir()
    for name, m in (("data1.txt", tiny.train), ("test1.txt", tiny.test)):
        coo = m.tocoo()
        (folder / name).write_text(
            "".join(f"{u + 1}\t{i + 1}\t1\n" for u, i in zip(coo.row, coo.col, strict=True))
        )
    return folder


def test_evaluate_command_reports_model_and_baselines(tmp_path, tiny):
    folder = _lastfm_folder(tmp_path, tiny)
    out = tmp_path / "art"
    args = [
        "evaluate",
        "--dataset",
        "lastfm",
        str(folder),
        "--epochs",
        "10",
        "--lr",
        "0.02",
        "--batch-size",
        "64",
        "--dim",
        "16",
    ]
    result = CliRunner().invoke(cli.app, [*args, "--artifacts-dir", str(out)])
    assert result.exit_code == 0, result.output
    for name in ("lightgcn", "popularity", "itemknn"):
        assert name in result.output
    assert len(list_versions(out)) == 1


def test_evaluate_passes_negative_candidates_to_training(tmp_path, tiny):
    folder = _lastfm_folder(tmp_path, tiny)
    out = tmp_path / "art"
    args = ["evaluate", "--dataset", "lastfm", str(folder), "--epochs", "5", "--lr", "0.02",
            "--batch-size", "64", "--dim", "16", "--negatives", "4", "--no-baselines"]
    result = CliRunner().invoke(cli.app, [*args, "--artifacts-dir", str(out)])
    assert result.exit_code == 0, result.output
    [version] = list_versions(out)
    assert read_manifest(out / version)["params"]["negative_candidates"] == 4


def test_loop_runs_rounds_and_survives_a_failed_round(monkeypatch, tmp_path):
    calls: list[int] = []

    def fake_train(*args, **kwargs) -> bool:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionError("neo4j down")
        return True

    sleeps: list[float] = []
    monkeypatch.setattr(cli, "run_train", fake_train)
    done = cli.run_loop(
        Neo4jConnection("bolt://x", "neo4j", "pw"),
        tmp_path,
        interval_minutes=0.5,
        rounds=3,
        sleep=sleeps.append,
    )
    assert done == 3 and len(calls) == 3
    assert sleeps == [30.0, 30.0]


def test_trainer_commands_are_mounted_in_profilegraph_without_loading_torch():
    for command in ("train", "evaluate", "train-loop"):
        result = CliRunner().invoke(profilegraph, [command, "--help"])
        assert result.exit_code == 0, result.output
    assert "--uri" not in CliRunner().invoke(profilegraph, ["train", "--help"]).output
    # `profilegraph serve` runs in the CLI's process: the mounted trainer must not bring torch.
    code = "import sys, app.cli.main; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)


def test_train_reads_connection_and_artifacts_from_the_service_settings(monkeypatch, tmp_path):
    from app.core.config import get_settings

    seen: list[tuple] = []
    monkeypatch.setattr(cli, "run_train", lambda *args: seen.append(args) or True)
    settings = get_settings()
    result = CliRunner().invoke(profilegraph, ["train", "--epochs", "1"])
    assert result.exit_code == 0, result.output
    [(connection, artifacts_dir, *_)] = seen
    assert connection == trainer_target(settings).connection
    assert artifacts_dir == settings.artifacts_dir
