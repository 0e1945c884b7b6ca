import json

import numpy as np
import pytest

from recmodel import artifact_format as fmt
from recmodel.artifact import promote_if_better, set_current, write_artifact
from tests.trainer.helpers import load_current


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


def test_promote_only_if_better(tmp_path):
    assert load_current(tmp_path) is None
    a = _write(tmp_path, 0.10)
    assert promote_if_better(tmp_path, a.name)[0]
    worse = _write(tmp_path, 0.08)
    promoted, reason = promote_if_better(tmp_path, worse.name)
    assert not promoted and "does not beat" in reason
    same = _write(tmp_path, 0.10)
    assert not promote_if_better(tmp_path, same.name)[0]
    assert fmt.current_version(tmp_path) == a.name
    better = _write(tmp_path, 0.12)
    assert promote_if_better(tmp_path, better.name)[0]
    assert load_current(tmp_path).version == better.name
    assert fmt.list_versions(tmp_path) == sorted([a.name, worse.name, same.name, better.name])
    assert not any(p.name.startswith(fmt.TMP_PREFIX) for p in tmp_path.iterdir())


def test_figures_of_different_validation_splits_are_not_compared(tmp_path):
    # A random carve scores the same period (high figures), a time carve the next one.
    random_carve = _write(tmp_path, 0.30)
    assert promote_if_better(tmp_path, random_carve.name)[0]
    timed = _write(tmp_path, 0.14, params={"validation": "time carve"})
    promoted, reason = promote_if_better(tmp_path, timed.name)
    assert promoted and "not comparable" in reason
    worse = _write(tmp_path, 0.12, params={"validation": "time carve"})
    assert not promote_if_better(tmp_path, worse.name)[0]  # same split kind: compared
    assert load_current(tmp_path).version == timed.name


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
