import numpy as np

from trainer.baselines import gfcf_scorer, itemknn_scorer, popularity_scorer
from trainer.metrics import evaluate


def test_popularity_ranks_the_most_interacted_item_first(tiny):
    scores = np.asarray(popularity_scorer(tiny.train)(np.arange(3)))
    counts = np.asarray(tiny.train.sum(0)).ravel()
    assert scores.shape == (3, tiny.n_items)
    assert np.all(scores.argmax(1) == counts.argmax())


def test_itemknn_and_gfcf_recover_the_planted_blocks(tiny):
    pop = evaluate(popularity_scorer(tiny.train), tiny.test, tiny.train, k=5)
    for scorer in (itemknn_scorer(tiny.train), gfcf_scorer(tiny.train, k=8)):
        m = evaluate(scorer, tiny.test, tiny.train, k=5)
        assert m.recall > 0.9 > pop.recall


def test_gfcf_matches_its_dense_formula(tiny):
    from scipy.sparse.linalg import svds

    r = tiny.train.toarray().astype(np.float64)
    du, di = r.sum(1) ** -0.5, r.sum(0) ** -0.5
    norm = du[:, None] * r * di[None, :]
    _, _, vt = svds(norm, k=8, random_state=0)
    expected = r @ norm.T @ norm + 0.3 * (r * di) @ vt.T @ vt * (1 / di)[None, :]
    got = gfcf_scorer(tiny.train, k=8, alpha=0.3, seed=0)(np.arange(tiny.n_users))
    np.testing.assert_allclose(got, expected, rtol=1e-3, atol=1e-4)
