import json

import numpy as np
import pytest

from recmodel import artifact_format as fmt
from recmodel.artifact import set_current, write_artifact


def _write(root, recall: float, n_users: int = 3, n_items: int = 4, params=None, **kw):
    rng = np.random.default_rng(int(recall * 1000))
    return write_artifact(
        root,
        rng.random((n_users, 8)).astype(np.float32),
        rng.random((n_items, 8)).astype(np.float32),
        [f"u{i}" for i in range(n_users)],
        [f"i{i}" for i in range(n_items)],
        {"metrics": {"val": {"recall@20": recall}}, "params": params or {"dim": 8}},
        **kw,
    )


def test_roundtrip_with_numpy_only_reader(tmp_path):
    path = _write(tmp_path, 0.1)
    art = fmt.load_artifact(path, verify=True)
    assert art.user_emb.dtype == np.float32 and art.user_emb.shape == (3, 8)
    assert art.item_ids == ["i0", "i1", "i2", "i3"]
    assert art.user_row["u2"] == 2
    assert art.manifest["metrics"]["val"]["recall@20"] == 0.1
    assert art.manifest["format_version"] == fmt.FORMAT_VERSION
    assert "created_at" in art.manifest and art.manifest["version"] == path.name
    # no temp directory left behind
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_recommend_orders_by_score_and_excludes(tmp_path):
    path = _write(tmp_path, 0.1)
    art = fmt.load_artifact(path)
    expected = np.argsort(-(art.item_emb @ art.user_emb[0]))
    recs = art.recommend("u0", k=2)
    assert [i for i, _ in recs] == [f"i{j}" for j in expected[:2]]
    assert f"i{expected[0]}" not in [
        i for i, _ in art.recommend("u0", k=2, exclude={f"i{expected[0]}"})
    ]
    assert art.recommend("stranger") == []


def test_failed_write_leaves_nothing(tmp_path):
    with pytest.raises(ValueError):
        write_artifact(tmp_path, np.zeros((2, 4)), np.zeros((2, 4)), ["a"], ["x", "y"], {})
    _write(tmp_path, 0.1, version="v1")
    with pytest.raises(OSError):
        _write(tmp_path, 0.2, version="v1")  # a version is never overwritten
    assert sorted(p.name for p in tmp_path.iterdir()) == ["v1"]


def test_reader_rejects_tampered_or_foreign_artifacts(tmp_path):
    path = _write(tmp_path, 0.1)
    np.save(path / fmt.USER_EMB, np.ones((3, 8), dtype=np.float32))
    with pytest.raises(fmt.ArtifactError):
        fmt.load_artifact(path, verify=True)
    manifest = json.loads((path / fmt.MANIFEST).read_text())
    manifest["format"] = "something-else"
    (path / fmt.MANIFEST).write_text(json.dumps(manifest))
    with pytest.raises(fmt.ArtifactError):
        fmt.load_artifact(path)
    with pytest.raises(FileNotFoundError):
        set_current(tmp_path, "missing")


def test_artifact_format_does_not_import_torch():
    import subprocess
    import sys

    code = ("import sys, recmodel.artifact_format; "
            "assert 'torch' not in sys.modules, 'torch imported'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_cli_module_does_not_import_torch_until_a_command_runs():
    import subprocess
    import sys

    code = "import sys, trainer.cli.train; assert 'torch' not in sys.modules, 'torch imported'"
    subprocess.run([sys.executable, "-c", code], check=True)
