from pathlib import Path

from typer.testing import CliRunner

from gnn import cli
from gnn.artifact_format import list_versions, read_manifest


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
        "bolt://x",
        "neo4j",
        "pw",
        None,
        tmp_path,
        interval_minutes=0.5,
        rounds=3,
        sleep=sleeps.append,
    )
    assert done == 3 and len(calls) == 3
    assert sleeps == [30.0, 30.0]
