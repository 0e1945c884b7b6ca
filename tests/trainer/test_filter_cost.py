"""What the filters cost to score: the ideal terms are propagated once at fit time, not
once per scored user, and the shortcut gives the same scores as propagating them."""

import numpy as np
import pytest
import torch

from trainer.filters.base import FittedFilter
from trainer.filters.blend import Blend
from trainer.filters.bspm import BSPM
from trainer.filters.chebycf import ChebyCF
from trainer.filters.gfcf import GFCF
from trainer.filters.propagation import FilterGraph, apply_terms

IDEAL = [
    BSPM(t_sharp=1.0, ideal_weight=0.2, ideal_dim=8),
    BSPM(t_sharp=2.0, ideal_weight=0.3, ideal_dim=6, sharpen_ideal=False),
    ChebyCF(order=6, flatness=1.5, ideal_dim=8, ideal_weight=0.2, beta=0.4),
    GFCF(alpha=0.3, ideal_dim=8),
    Blend(((BSPM(t_sharp=2.0, ideal_dim=8), 0.7), (ChebyCF(ideal_dim=6), 0.3)), 0.1),
]


@pytest.mark.parametrize("f", IDEAL, ids=lambda f: f.family)
def test_precomputed_ideal_terms_score_like_propagating_every_user(f, tiny):
    fitted = f.fit(tiny.train)
    assert fitted.ideal  # every ideal term has its item factor
    users = np.arange(tiny.n_users)
    x = fitted.graph.rows(users)
    recomputed = apply_terms(fitted.graph, fitted.terms, x, fitted.eigvecs).T
    torch.testing.assert_close(fitted.score_users(users), recomputed, rtol=1e-4, atol=1e-5)


class CountingGraph(FilterGraph):
    signals = 0

    def step(self, z, graph=(0.5, 0.5)):
        self.signals += z.shape[1]
        return super().step(z, graph)


def test_scoring_users_propagates_only_the_plain_terms(tiny):
    f = BSPM(t_sharp=2.0, ideal_weight=0.2, ideal_dim=8)  # linear order 5, ideal order 4
    graph = CountingGraph(tiny.train)
    fitted = FittedFilter.build(graph, f.terms(), f.label())
    graph.signals = 0
    fitted.score_users(np.arange(50))
    linear_order = f.terms()[0].order
    assert graph.signals == 50 * linear_order  # not 50 * (5 + 4)


def test_cholesky_qr_spans_what_householder_qr_spans():
    from trainer.filters.propagation import orthonormal

    q = torch.randn(500, 40) @ torch.diag(torch.logspace(0, -1, 40))
    ortho = orthonormal(q)
    torch.testing.assert_close(ortho.T @ ortho, torch.eye(40), atol=1e-5, rtol=0)
    ref = torch.linalg.qr(q)[0]
    torch.testing.assert_close(ref @ (ref.T @ ortho), ortho, atol=1e-4, rtol=0)
    rank_deficient = torch.cat([q[:, :5], q[:, :5]], dim=1)
    assert orthonormal(rank_deficient).shape == (500, 10)


def test_search_scores_match_the_fitted_filter_user_by_user(tiny):
    from trainer.filters.search import ChunkBases, scores_of

    graph = FilterGraph(tiny.train)
    eig = graph.eigvecs(8)
    users = np.arange(tiny.n_users)
    bases = ChunkBases(graph, graph.rows(users), eig)
    for f in IDEAL:
        expected = apply_terms(graph, f.terms(), graph.rows(users), eig).T
        torch.testing.assert_close(scores_of(bases, f.terms()), expected, rtol=1e-4, atol=1e-5)
