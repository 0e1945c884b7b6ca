from gnn import artifact_format as fmt
from gnn.pipeline import train_and_publish
from gnn.train import TrainConfig
from tests.gnn.helpers import load_current


def _cfg(**kw) -> TrainConfig:
    base = dict(
        embedding_dim=16,
        num_layers=2,
        lr=0.02,
        batch_size=64,
        max_epochs=30,
        eval_every=5,
        val_fraction=0.2,
        seed=3,
    )
    base.update(kw)
    return TrainConfig(**base)


def test_train_and_publish_writes_a_promoted_artifact_with_its_metrics(tiny, tmp_path):
    res = train_and_publish(tiny, tmp_path, _cfg())
    assert res.promoted
    art = load_current(tmp_path)
    assert art is not None and art.version == res.version
    m = art.manifest
    assert m["metrics"]["val"]["recall@20"] == res.val.recall
    assert m["metrics"]["test"]["recall@20"] > 0.5  # tiny has a held-out test split
    assert "popularity" in m["baselines"]["val"]
    assert m["params"]["embedding_dim"] == 16 and m["dataset"] == "synthetic"
    assert art.user_emb.shape == (tiny.n_users, 16)
    assert art.recommend("u0", k=3)


def test_a_worse_model_is_written_but_not_promoted(tiny, tmp_path):
    good = train_and_publish(tiny, tmp_path, _cfg())
    untrained = train_and_publish(tiny, tmp_path, _cfg(max_epochs=0))
    assert untrained.val.recall < good.val.recall
    assert not untrained.promoted
    assert fmt.current_version(tmp_path) == good.version
    assert set(fmt.list_versions(tmp_path)) == {good.version, untrained.version}
