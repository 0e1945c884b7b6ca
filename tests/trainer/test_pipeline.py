from recmodel import artifact_format as fmt
from tests.trainer.helpers import load_current
from trainer.build_model import POLYNOMIAL
from trainer.lightgcn.train import TrainConfig
from trainer.publish_lightgcn import train_and_publish


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
    res = train_and_publish(tiny, tmp_path, _cfg(), families=("lightgcn",))
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
    good = train_and_publish(tiny, tmp_path, _cfg(), families=("lightgcn",))
    untrained = train_and_publish(tiny, tmp_path, _cfg(max_epochs=0), families=("lightgcn",))
    assert untrained.val.recall < good.val.recall
    assert not untrained.promoted
    assert fmt.current_version(tmp_path) == good.version
    assert set(fmt.list_versions(tmp_path)) == {good.version, untrained.version}


def test_promotion_serves_the_validation_winner_and_records_the_comparison(tiny, tmp_path):
    """An untrained LightGCN next to the training-free graph filter: on the same validation
    split the filter wins, and the artifact holds it (vectors, projection, family)."""
    res = train_and_publish(tiny, tmp_path, _cfg(max_epochs=0))
    art = load_current(tmp_path)
    table = art.manifest["candidates"]["val"]
    assert set(table) >= {"lightgcn", "graph_filter", POLYNOMIAL, "blend", "popularity"}
    best = max(("lightgcn", "graph_filter", POLYNOMIAL, "blend"),
               key=lambda n: table[n]["recall@20"])
    assert table["graph_filter"]["recall@20"] > table["lightgcn"]["recall@20"]
    assert res.winner == best == art.family == art.manifest["candidates"]["winner"]
    assert art.manifest["metrics"]["val"]["recall@20"] == table[best]["recall@20"]
    assert art.item_proj is not None and art.item_proj.shape == art.item_emb.shape
    assert res.promoted and art.recommend("u0", k=3)
