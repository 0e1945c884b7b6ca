"""Blending the chosen filter with a learned model: weight chosen on validation only."""

import numpy as np
import torch

from trainer.filters.gfcf import GFCF
from trainer.filters.learned import WEIGHTS, LearnedBlend, fine_weights, select_learned_weight


def svd_embeddings(fit, _val):
    """A stand-in learned model: rank-4 factors of the fitting matrix."""
    u, s, vt = np.linalg.svd(fit.toarray(), full_matrices=False)
    return (u[:, :4] * s[:4]).astype(np.float32), vt[:4].T.astype(np.float32)


def test_the_learned_side_is_trained_on_train_minus_validation_only(tiny):
    calls = []

    def trainer(fit, val):
        calls.append((fit.copy(), val))
        return svd_embeddings(fit, val)

    sel = select_learned_weight(tiny.train, GFCF(0.3, 8), trainer, val_fraction=0.2)
    ((fit, (fit2, val)),) = calls
    assert (fit != fit2).nnz == 0 and fit.multiply(val).nnz == 0
    assert ((fit + val).astype(bool) != tiny.train.astype(bool)).nnz == 0
    assert val.multiply(tiny.test).nnz == 0
    coarse = max(sel.table[: len(WEIGHTS)], key=lambda r: (round(r["recall@20"], 6),
                                                              r["ndcg@20"]))["filter_weight"]
    fine = [r["filter_weight"] for r in sel.table[len(WEIGHTS) :]]
    assert fine == fine_weights(coarse) and fine  # the finer grid next to the coarse winner
    assert sel.weight in WEIGHTS + tuple(fine)
    best = max(sel.table, key=lambda r: r["recall@20"])["recall@20"]
    assert sel.val.recall == best


def test_the_blend_ends_are_the_filter_and_the_embeddings(tiny):
    fitted = GFCF(0.3, 8).fit(tiny.train)
    u, i = (torch.from_numpy(a) for a in svd_embeddings(tiny.train, None))
    users = np.arange(5)
    only_filter = LearnedBlend(fitted, u, i, 1.0, 2.0, 1.0)(users)
    torch.testing.assert_close(only_filter, fitted.score_users(users) / 2.0)
    only_emb = LearnedBlend(fitted, u, i, 0.0, 2.0, 1.0)(users)
    torch.testing.assert_close(only_emb, u[:5] @ i.T)
    half = LearnedBlend(fitted, u, i, 0.5, 2.0, 4.0)(users)
    torch.testing.assert_close(half, 0.5 * only_filter + 0.5 * only_emb / 4.0)


def test_the_finer_blend_weights_lie_halfway_to_the_coarse_neighbours():
    assert fine_weights(0.8) == [0.725, 0.9]
    assert fine_weights(0.0) == [0.1]
    assert fine_weights(1.0) == [0.9]
