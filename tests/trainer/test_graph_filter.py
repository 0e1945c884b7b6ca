"""The training-free graph filter in factor form, its publication, and what the artifact
computes at serving time (live vectors, similarity)."""

from __future__ import annotations

import subprocess
import sys

import numpy as np

from recmodel.factors import fit_graph_filter
from recmodel.live_history import ServingParams, weigh_history
from tests.trainer.helpers import load_current
from trainer.baselines import gfcf_scorer
from trainer.build_model import publish_graph_filter
from trainer.data import synthetic


def test_factor_form_reproduces_gfcf_when_every_component_is_kept() -> None:
    data = synthetic(n_users=40, n_items=24, n_groups=3, per_user=5)
    rank = min(data.train.shape)  # every component: the linear part is then exact
    factors = fit_graph_filter(data.train, k_linear=rank, k_ideal=rank - 1, alpha=0.3)
    exact = np.asarray(gfcf_scorer(data.train, k=rank - 1, alpha=0.3)(np.arange(40)))
    np.testing.assert_allclose(factors.scores(data.train), exact, rtol=1e-3, atol=1e-3)


def test_published_filter_ranks_the_group_and_places_unseen_shoppers(tmp_path) -> None:
    data = synthetic(n_users=120, n_items=40, n_groups=4, per_user=6)
    result = publish_graph_filter(data, tmp_path, val_fraction=0.2)
    assert result.promoted and result.val["recall@20"] > 0.8
    art = load_current(tmp_path)
    assert art.family == "graph_filter" and art.manifest["grid"]["val"]
    group = data.meta["item_group"]
    # A shopper the model never saw, with two group-1 items in their history.
    rows = [art.item_row["i1"], art.item_row["i5"]]
    vector, path = art.user_vector("someone-new", rows, [1.0, 1.0], static_weight=0.25)
    assert path == "inductive"
    top = [int(i[1:]) for i, _ in art.rank(vector, k=5, exclude={"i1", "i5"})]
    assert all(group[i] == 1 for i in top)


def test_similar_items_come_from_the_artifact(tmp_path) -> None:
    data = synthetic(n_users=120, n_items=40, n_groups=4, per_user=6)
    publish_graph_filter(data, tmp_path, val_fraction=0.2)
    art = load_current(tmp_path)
    similar = art.similar("i2", k=5)
    assert len(similar) == 5 and "i2" not in [i for i, _ in similar]
    assert all(data.meta["item_group"][int(i[1:])] == 2 for i, _ in similar)
    assert art.similar("no-such-item") == []


def test_history_weights_follow_event_type_and_recency() -> None:
    params = ServingParams(half_life_hours=24.0)
    now = 10 * 86_400_000
    rows, weights = weigh_history(
        [("a", "product_viewed", now), ("b", "order_completed", now - 86_400_000),
         ("a", "product_viewed", now - 2 * 86_400_000), ("c", "page", now),
         ("zzz", "product_viewed", now)],
        now, {"a": 0, "b": 1, "c": 2}, params)
    assert dict(zip(rows, weights, strict=True)) == {0: 1.25, 1: 1.5}


def test_history_ages_count_back_from_the_shoppers_latest_event() -> None:
    """A history that ended in 2010, scored today: the same relative weights as when it was
    fresh (nothing underflows to zero), and an event stamped in the future does not age the
    rest beyond the request time."""
    params = ServingParams(half_life_hours=24.0 * 30)
    day = 86_400_000
    end_2010 = 1_291_852_800_000  # 2010-12-09
    history = [("a", "order_completed", end_2010), ("b", "order_completed", end_2010 - 30 * day)]
    rows, weights = weigh_history(history, end_2010 + 15 * 365 * day, {"a": 0, "b": 1}, params)
    assert dict(zip(rows, weights, strict=True)) == {0: 3.0, 1: 1.5}
    _, fresh = weigh_history(history, end_2010, {"a": 0, "b": 1}, params)
    assert fresh == weights
    future = [("a", "order_completed", end_2010 + 60 * day), *history]
    _, w = weigh_history(future, end_2010, {"a": 0, "b": 1}, params)
    assert w == [3.0 + 3.0, 1.5]


def test_building_a_filter_model_does_not_import_torch() -> None:
    code = ("import sys, trainer.build_model, trainer.candidates, app.cli.main; "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)
