"""Turbo-CF in numpy (trainer/turbo.py): the same filter as the torch family, served as its
explicit item-item operator."""

from __future__ import annotations

import sys

import numpy as np
import scipy.sparse as sp

from trainer import turbo
from trainer.data import Interactions, TimedEvents, time_carve


def _events(data: Interactions, seed: int = 0) -> TimedEvents:
    coo = data.train.tocoo()
    days = np.random.default_rng(seed).uniform(0, 100, size=coo.nnz)
    return TimedEvents(coo.row, coo.col, days, 100.0)


def test_the_numpy_filter_scores_like_the_torch_one(tiny: Interactions) -> None:
    from trainer.filters.turbocf import TurboCF
    from trainer.recency_weights import recency_weights

    events = _events(tiny)
    weights = recency_weights(events, tiny.train.shape, "hyperbolic", 30.0)
    users = np.arange(10)
    for alpha, order in ((0.5, 1), (0.6, 3)):
        ours = turbo.apply(tiny.train[users], turbo.normalized(tiny.train, weights, alpha),
                           order)
        theirs = TurboCF(alpha, order).fit(tiny.train, weights=weights).score_users(users)
        np.testing.assert_allclose(ours, theirs.cpu().numpy(), rtol=1e-4, atol=1e-6)


def test_the_chosen_filter_is_served_exactly_by_its_operator(tiny: Interactions) -> None:
    events = _events(tiny)
    fit, valid, start = time_carve(events, tiny.train.shape)
    choice = turbo.choose_turbo(fit, valid, events, start)
    assert len(choice.table) == len(turbo.ALPHAS) * len(turbo.ORDERS) * len(turbo.DECAYS)
    assert choice.val["recall@20"] == max(row["recall@20"] for row in choice.table)
    fac = turbo.build_turbo(tiny.train, choice, events)
    rows = sp.csr_matrix(tiny.train[:5])
    norm = turbo.normalized(tiny.train, turbo._weights(events, tiny.train.shape,
                                                       choice.decay, None), choice.alpha)
    np.testing.assert_allclose(fac.scores(rows), turbo.apply(rows, norm, choice.order),
                               rtol=1e-4, atol=1e-6)
    assert fac.item_emb.shape == (tiny.n_items, tiny.n_items)


def test_the_quick_families_import_no_torch() -> None:
    import subprocess

    code = ("import sys, trainer.turbo, trainer.build_model, trainer.recency_weights; "
            "assert 'torch' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_serving_skips_the_identity_and_scores_the_same() -> None:
    from recmodel.artifact_format import EmbeddingArtifact

    rng = np.random.default_rng(1)
    n = 6
    op = rng.random((n, n)).astype(np.float32)
    ids = [f"i{j}" for j in range(n)]
    fast = EmbeddingArtifact("v", {"item_vectors": "identity"}, np.zeros((1, n), np.float32),
                             np.eye(n, dtype=np.float32), ["u"], ids, op)
    plain = EmbeddingArtifact("v", {}, np.zeros((1, n), np.float32),
                              np.eye(n, dtype=np.float32), ["u"], ids, op)
    assert fast.identity_rows == n and plain.identity_rows == 0
    fresh = rng.random((2, n)).astype(np.float32)
    fast, plain = (a.with_items(["f0", "f1"], fresh, fresh) for a in (fast, plain))
    assert fast.identity_rows == n  # the fresh rows are scored by their vectors
    u = fast.history_vector([0, 2], [1.0, 0.5])
    assert fast.rank(u, k=8) == plain.rank(u, k=8)
    history = op[[0, 2]]
    np.testing.assert_allclose(fast.target_scores(history, [1, 3, 7]),
                               plain.target_scores(history, [1, 3, 7]), rtol=1e-6)
    # explanations read the operator's entries alone, with the same values as the product
    weighted = history * np.float32([[1.0], [0.5]])
    for targets in ([1, 3, 5], [1, 3, 7]):  # 7: a fresh item, scored by its vector
        np.testing.assert_allclose(fast.contributions([0, 2], [1.0, 0.5], targets),
                                   plain.target_scores(weighted, targets), rtol=1e-6)
        np.testing.assert_allclose(plain.contributions([0, 2], [1.0, 0.5], targets),
                                   plain.target_scores(weighted, targets), rtol=1e-6)
    # a manifest that claims an identity it does not hold is not trusted
    liar = EmbeddingArtifact("v", {"item_vectors": "identity"}, np.zeros((1, n), np.float32),
                             op, ["u"], ids, op)
    assert liar.identity_rows == 0


def test_the_history_rows_read_once_give_the_same_vector_and_reasons() -> None:
    from recmodel.artifact_format import EmbeddingArtifact

    rng = np.random.default_rng(2)
    n = 7
    op = rng.random((n, n)).astype(np.float32)
    ids = [f"i{j}" for j in range(n)]
    for item_emb, manifest in ((np.eye(n, dtype=np.float32), {"item_vectors": "identity"}),
                               (rng.random((n, 3)).astype(np.float32), {})):
        proj = op if manifest else rng.random((n, 3)).astype(np.float32)
        art = EmbeddingArtifact("v", manifest, rng.random((1, proj.shape[1])).astype(np.float32),
                                item_emb, ["u"], ids, proj)
        rows, weights, targets = [4, 0, 2], [0.3, 1.0, 0.5], [1, 3, 6]
        block = art.history_rows(rows)
        assert np.array_equal(art.history_vector(rows, weights, block),
                              art.history_vector(rows, weights))
        with_block = art.user_vector("u", rows, weights, 0.25, block)
        without = art.user_vector("u", rows, weights, 0.25)
        assert with_block[1] == without[1] == "live"
        assert np.array_equal(with_block[0], without[0])
        assert np.array_equal(art.contributions(rows, weights, targets, block),
                              art.contributions(rows, weights, targets))
