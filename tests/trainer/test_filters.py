"""Graph filters on a tiny planted-block graph: shapes, closed forms, masking,
the torch-free operator, and the blend."""

import numpy as np
import pytest
import torch

from recmodel.operator import FilterOperator, FilterTerm
from trainer.filters import polynomials
from trainer.filters.blend import Blend
from trainer.filters.bspm import BSPM
from trainer.filters.chebycf import ChebyCF, plateau
from trainer.filters.gfcf import GFCF
from trainer.filters.propagation import FilterGraph, apply_terms
from trainer.filters.search import topk_item_major
from trainer.filters.turbocf import TurboCF
from trainer.metrics import evaluate

ALL = [
    GFCF(alpha=0.3, ideal_dim=8),
    TurboCF(alpha=0.6, order=2),
    BSPM(t_sharp=1.0, ideal_weight=0.2, ideal_dim=8),
    ChebyCF(order=6, flatness=1.5, ideal_dim=8, ideal_weight=0.2, beta=0.4),
]


def dense_parts(train, a=0.5, b=0.5):
    r = train.toarray().astype(np.float64)
    du, di = r.sum(1), r.sum(0)
    norm = du[:, None] ** -a * r * di[None, :] ** -b
    return r, di, norm.T @ norm


def top_eigvecs(p, k):
    w, v = np.linalg.eigh(p)
    return v[:, np.argsort(-w)[:k]]


def scores(f, data):
    return f.fit(data.train).score_users(np.arange(data.n_users)).numpy().astype(np.float64)


@pytest.mark.parametrize("f", ALL, ids=lambda f: f.family)
def test_every_filter_scores_all_items_and_recovers_the_planted_blocks(f, tiny):
    fitted = f.fit(tiny.train)
    s = fitted.score_users(np.arange(5))
    assert s.shape == (5, tiny.n_items) and torch.isfinite(s).all()
    m = evaluate(fitted, tiny.test, tiny.train, k=5)
    assert m.recall > 0.9


def test_gfcf_matches_its_closed_form(tiny):
    r, di, p = dense_parts(tiny.train)
    v = top_eigvecs(p, 8)
    expected = r @ p + 0.3 * (r * di**-0.5) @ v @ v.T * di**0.5
    np.testing.assert_allclose(scores(GFCF(0.3, 8), tiny), expected, rtol=1e-3, atol=1e-4)


def test_turbocf_order_two_is_two_p_minus_p_squared_on_the_asymmetric_graph(tiny):
    r, _, p = dense_parts(tiny.train, a=0.7, b=0.3)
    expected = r @ (2 * p - p @ p)
    np.testing.assert_allclose(scores(TurboCF(0.7, 2), tiny), expected, rtol=1e-3, atol=1e-4)


def test_bspm_euler_is_blur_then_sharpen(tiny):
    r, di, p = dense_parts(tiny.train)
    v = top_eigvecs(p, 8)
    ideal = (r * di**-0.5) @ v @ v.T * di**0.5
    expected = (0.2 * ideal + r @ p) @ (np.eye(len(p)) - 1.5 * p)
    f = BSPM(t_sharp=1.5, solver="euler", ideal_weight=0.2, ideal_dim=8)
    np.testing.assert_allclose(scores(f, tiny), expected, rtol=1e-3, atol=1e-4)


def test_bspm_rk4_step_is_the_taylor_polynomial_of_exp():
    from math import exp

    from trainer.filters.bspm import euler_or_rk4_step

    step = euler_or_rk4_step(0.5, "rk4")
    assert step(0.4) == pytest.approx(exp(-0.2), abs=1e-5)


def test_chebycf_applies_its_response_to_each_eigenvector(tiny):
    _, _, p = dense_parts(tiny.train)
    w, v = np.linalg.eigh(p)
    f = ChebyCF(order=8, flatness=2.0, ideal_weight=0.0, beta=0.0)
    graph = FilterGraph(tiny.train)
    x = torch.from_numpy(v.astype(np.float32))  # item-major: one eigenvector per column
    out = apply_terms(graph, f.terms(), x).numpy()
    expected = v * polynomials.response(f.terms()[0].cheb, w)[None, :]
    np.testing.assert_allclose(out, expected, atol=1e-4)


def test_chebyshev_interpolation_follows_the_plateau():
    cheb = polynomials.interpolate(plateau(1.5), 12)
    lam = np.linspace(0, 1, 11)
    np.testing.assert_allclose(polynomials.response(cheb, lam), plateau(1.5)(lam), atol=0.05)
    assert polynomials.response(cheb, [1.0])[0] == pytest.approx(1.0, abs=0.02)
    mono = polynomials.from_monomials([0.5, -2.0, 3.0])
    assert polynomials.response(mono, [0.3])[0] == pytest.approx(0.5 - 0.6 + 0.27)


@pytest.mark.parametrize(
    "f", [*ALL, Blend(((ALL[0], 0.5), (ALL[3], 2.0)), 0.1)], ids=lambda f: f.family
)
def test_the_torch_free_operator_scores_like_the_fitted_filter(f, tiny):
    fitted = f.fit(tiny.train)
    arrays, spec = fitted.operator().to_arrays()
    op = FilterOperator.from_arrays(arrays, spec)
    row = tiny.train[3].indices
    expected = fitted.score_rows(tiny.train[3]).numpy()[0]
    np.testing.assert_allclose(op.score(row), expected, rtol=1e-3, atol=1e-5)


def test_a_live_row_with_a_new_item_changes_the_scores(tiny):
    fitted = GFCF(0.3, 8).fit(tiny.train)
    row = tiny.train[0].toarray()
    before = fitted.score_rows(row)
    row[0, np.flatnonzero(row[0] == 0)[0]] = 1.0
    assert not torch.allclose(before, fitted.score_rows(row))


def test_blend_is_the_weighted_sum_times_item_degree_to_the_popularity(tiny):
    a, b = ALL[0], ALL[2]
    users = np.arange(tiny.n_users)
    sa, sb = scores(a, tiny), scores(b, tiny)
    deg = np.asarray(tiny.train.sum(0)).ravel()
    blend = Blend(((a, 0.25), (b, 0.75)), popularity=0.2)
    got = blend.fit(tiny.train).score_users(users).numpy()
    np.testing.assert_allclose(got, (0.25 * sa + 0.75 * sb) * deg**0.2, rtol=1e-3, atol=1e-4)


def test_masked_topk_never_returns_a_training_item(tiny):
    graph = FilterGraph(tiny.train)
    users = np.arange(tiny.n_users)
    s = apply_terms(graph, GFCF(0.3, 0).terms(), graph.rows(users))
    s += 100.0 * graph.rows(users)  # training items would win every list if not masked
    top = topk_item_major(s, tiny.train[users], 5)
    assert top.shape == (tiny.n_users, 5)
    for u in users:
        assert not set(top[u]) & set(tiny.train[u].indices)


def test_terms_can_be_rebuilt_from_their_export(tiny):
    t = FilterTerm((0.1, 0.2), pre=0.4, post=0.4, ideal_dim=3, mid=0.1)
    arrays, spec = FilterOperator([t], 2, 3, np.array([0, 1, 2]), np.array([0, 2])).to_arrays()
    assert FilterOperator.from_arrays(arrays, spec).terms == [t]


def test_the_operator_module_loads_without_torch_or_scipy():
    import subprocess
    import sys

    code = (
        "import sys, recmodel.operator; "
        "assert 'torch' not in sys.modules and 'scipy' not in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
