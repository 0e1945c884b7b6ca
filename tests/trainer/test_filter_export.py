"""The searched graph filters exported to the serving artifact in factor form: the served
vectors score a live history row like the fitted filter, and build-model promotes whichever
filter wins on the validation split every candidate shares."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.sparse as sp

from tests.trainer.helpers import load_current
from trainer.build_model import POLYNOMIAL, publish_graph_filter
from trainer.data import Interactions, synthetic
from trainer.factorize import factorize
from trainer.filters.blend import Blend
from trainer.filters.bspm import BSPM
from trainer.filters.chebycf import ChebyCF
from trainer.filters.serving import filter_from_params, validate_export
from trainer.filters.turbocf import TurboCF

FILTERS = [
    ChebyCF(order=8, flatness=2.0, ideal_dim=12, ideal_weight=0.3, beta=0.35),
    TurboCF(alpha=0.6, order=3),
    BSPM(t_sharp=2.0, ideal_dim=10),
    Blend(((ChebyCF(ideal_dim=12), 0.7), (BSPM(ideal_dim=10), 0.4)), popularity=0.1),
]


def noisy(n_users: int = 150, n_items: int = 48, noise: float = 0.3, seed: int = 1
          ) -> Interactions:
    """Planted groups plus random cross-group interactions, so filters differ on it."""
    base = synthetic(n_users=n_users, n_items=n_items, n_groups=4, per_user=8, seed=seed)
    rng = np.random.default_rng(seed)
    extra = sp.random(n_users, n_items, density=noise * 8 / n_items, random_state=rng,
                      format="csr")
    extra.data[:] = 1.0
    train = base.train + extra
    train.data[:] = 1.0
    train = sp.csr_matrix(train - train.multiply(base.test > 0))
    train.eliminate_zeros()
    return Interactions(base.name, train, base.test, base.user_ids, base.item_ids, base.meta)


@pytest.mark.parametrize("flt", FILTERS, ids=lambda f: f.family)
def test_factor_form_scores_a_live_row_like_the_fitted_filter(flt) -> None:
    data = noisy()
    fitted = flt.fit(data.train)
    factors = factorize(fitted.operator(), rank=data.n_items)  # every eigenvector kept
    row = np.zeros((1, data.n_items), dtype=np.float32)
    row[0, [1, 5, 9]] = [1.0, 0.5, 2.0]  # a weighted live history, no trained vector
    exact = fitted.score_rows(row).numpy()[0]
    served = (row @ factors.item_proj @ factors.item_emb.T)[0]
    unseen = row[0] == 0  # the shopper's own items are excluded from every list
    np.testing.assert_allclose(served[unseen], exact[unseen], rtol=1e-4, atol=1e-5)
    # the numpy operator the docs name as the export hook agrees too (binary rows)
    binary = fitted.operator().score(np.array([1, 5, 9]))
    row[0, [1, 5, 9]] = 1.0
    served = (row @ factors.item_proj @ factors.item_emb.T)[0]
    np.testing.assert_allclose(served[unseen], binary[unseen], rtol=1e-4, atol=1e-5)


def test_a_truncated_export_is_validated_next_to_the_exact_filter() -> None:
    data = noisy(n_users=200, n_items=60)
    rank, val, exact, table = validate_export(FILTERS[0], data.train, data.test, ranks=(8, 60))
    assert [r["rank"] for r in table] == [8, 60]
    full = next(r for r in table if r["rank"] == 60)
    assert full["recall@20"] == pytest.approx(exact["recall@20"], abs=1e-9)
    assert val["recall@20"] == max(r["recall@20"] for r in table)
    assert rank in (8, 60)


def test_build_model_serves_the_searched_filter_as_fitted(tmp_path) -> None:
    data = noisy()
    result = publish_graph_filter(data, tmp_path, val_fraction=0.2, families=(POLYNOMIAL,))
    art = load_current(tmp_path)
    assert result.promoted and art.family == POLYNOMIAL == result.winner
    entry = art.manifest["candidates"]["params"][POLYNOMIAL]
    assert entry["exact_val"]["recall@20"] > 0 and entry["ranks"]
    # A shopper the model never saw: their live history through the artifact's projection
    # scores every other item as the filter refitted from the manifest does.
    chosen = filter_from_params(entry["family"], entry["params"])
    fitted = chosen.fit(data.train, seed=2020)
    rows = [art.item_row["i1"], art.item_row["i6"], art.item_row["i13"]]
    live = art.history_vector(rows, [1.0, 1.5, 3.0]) @ art.item_emb.T
    history = np.zeros((1, data.n_items), dtype=np.float32)
    history[0, rows] = [1.0, 1.5, 3.0]
    exact = fitted.score_rows(history).numpy()[0]
    unseen = history[0] == 0
    np.testing.assert_allclose(live[unseen], exact[unseen], rtol=1e-3, atol=1e-5)
    vector, path = art.user_vector("someone-new", rows, [1.0, 1.5, 3.0], static_weight=0.25)
    assert path == "inductive" and art.rank(vector, k=5, exclude={"i1", "i6", "i13"})


def test_build_model_promotes_the_validation_winner_and_records_the_comparison(
        tmp_path) -> None:
    data = noisy()
    first = publish_graph_filter(data, tmp_path, val_fraction=0.2,
                                 families=("graph_filter", POLYNOMIAL))
    art = load_current(tmp_path)
    table = art.manifest["candidates"]["val"]
    assert set(table) >= {"graph_filter", POLYNOMIAL, "popularity"}
    best = max(("graph_filter", POLYNOMIAL), key=lambda n: table[n]["recall@20"])
    assert first.winner == best == art.family == art.manifest["candidates"]["winner"]
    assert art.manifest["metrics"]["val"] == table[best]
    assert first.promoted
    # The loser alone, on the same split: written, not promoted.
    loser = POLYNOMIAL if best == "graph_filter" else "graph_filter"
    second = publish_graph_filter(data, tmp_path, val_fraction=0.2, families=(loser,))
    assert second.val["recall@20"] <= first.val["recall@20"]
    assert not second.promoted and load_current(tmp_path).version == first.version
