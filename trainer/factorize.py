"""Any fitted graph filter (`recmodel.operator.FilterOperator`) in factor form, so the
serving artifact holds it as item projection P and item vectors Q (numpy/scipy only).

A filter scores a history row r as  sum_t  r D^-pre_t  X_t  h_t(L~_t)  D^post_t  (see the
operator's docstring; X_t is the ideal projection V_m V_m^T D^mid_t or the identity). The
matrices h_t(L~) are symmetric polynomials in P = R~^T R~, so:

- ideal terms are exactly rank m:  P_t = D^-pre V_m,  Q_t = D^post h(L~) D^mid V_m;
- plain terms keep the top `rank` eigenvectors W of their graph's P:
  h(P) = W (h(Lambda) - h(0)) W^T + h(0) I + (the tail, where h is close to h(0)), so
  P_t = D^-pre W and Q_t = D^post (h - h(0))(L~) W.  The dropped h(0) D^(post-pre) is
  diagonal: it only moves the shopper's own items, which serving and evaluation exclude.

With every eigenvector kept the factor form equals the filter on every unseen item; below
that its validation figures are measured next to the exact filter's (`trainer.filters.serving`).
Q is computed by applying the real polynomial to W, so unconverged eigenvectors cost only
the part of the input outside span(W).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from recmodel.factors import FilterFactors
from recmodel.operator import FilterOperator, FilterTerm, power_or_zero

DENSE_ITEMS = 3000  # below this, eigenvectors come from a dense eigendecomposition


class _Graph:
    """The operator's training matrix, normalized per exponent pair (scipy CSR)."""

    def __init__(self, op: FilterOperator) -> None:
        data = (np.ones(len(op.indices), dtype=np.float32) if op.weights is None
                else np.asarray(op.weights, dtype=np.float32))
        self.train = sp.csr_matrix((data, op.indices, op.indptr), shape=(op.n_users, op.n_items))
        self.user_degree, self.item_degree = op.user_degree, op.item_degree
        self._norm: dict[tuple[float, float], tuple[sp.csr_matrix, sp.csr_matrix]] = {}

    def normalized(self, graph: tuple[float, float]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        if graph not in self._norm:
            a, b = graph
            rows = power_or_zero(self.user_degree, -a).astype(np.float32)
            cols = power_or_zero(self.item_degree, -b).astype(np.float32)
            norm = sp.csr_matrix(sp.diags(rows) @ self.train @ sp.diags(cols))
            self._norm[graph] = (norm, sp.csr_matrix(norm.T))
        return self._norm[graph]

    def step(self, z: np.ndarray, graph: tuple[float, float]) -> np.ndarray:
        """P z for item-major signals z (n_items, n)."""
        norm, norm_t = self.normalized(graph)
        return np.asarray(norm_t @ (norm @ z), dtype=np.float32)

    def chebyshev(self, z: np.ndarray, terms: list[FilterTerm],
                  graph: tuple[float, float]) -> list[np.ndarray]:
        """sum_k c_tk T_k(L~) z for each term (one recurrence shared by all of them)."""
        order = max(t.order for t in terms)
        outs = [t.cheb[0] * z for t in terms]
        prev, cur = z, z - 2.0 * self.step(z, graph) if order >= 1 else z
        for k in range(1, order + 1):
            if k >= 2:
                prev, cur = cur, 2.0 * (cur - 2.0 * self.step(cur, graph)) - prev
            for i, t in enumerate(terms):
                if k <= t.order:
                    outs[i] = outs[i] + t.cheb[k] * cur
        return outs

    def eigvecs(self, k: int, graph: tuple[float, float], seed: int = 0,
                iters: int = 4, oversample: int = 64) -> np.ndarray:
        """Top-k eigenvectors of P(graph) (n_items, k): dense for small catalogues,
        randomized subspace iteration with a Rayleigh-Ritz step otherwise."""
        n = self.train.shape[1]
        k = min(k, n)
        norm, _ = self.normalized(graph)
        if n <= DENSE_ITEMS:
            gram = (norm.T @ norm).toarray().astype(np.float64)
            _, vecs = np.linalg.eigh(gram)
            return vecs[:, ::-1][:, :k].astype(np.float32)
        m = min(k + oversample, n)
        q = np.linalg.qr(np.random.default_rng(seed).standard_normal((n, m)).astype(np.float32))[0]
        for _ in range(iters):
            q = np.linalg.qr(self.step(q, graph))[0]
        y = np.asarray(norm @ q)
        evals, evecs = np.linalg.eigh((y.T @ y).astype(np.float64))
        return (q @ evecs[:, np.argsort(-evals)[:k]].astype(np.float32)).astype(np.float32)


def _without_constant(t: FilterTerm) -> FilterTerm:
    """h - h(0): T_k(1) = 1 for every k, so h(0) is the sum of the coefficients."""
    cheb = (t.cheb[0] - float(sum(t.cheb)), *t.cheb[1:])
    return FilterTerm(cheb, t.pre, t.post, t.graph, t.ideal_dim, t.mid)


def factorize(op: FilterOperator, rank: int, seed: int = 0) -> FilterFactors:
    """P, Q with s(r) ~= (r P) Q^T on unseen items; `rank` eigenvectors per graph of the
    plain terms (every eigenvector when `rank` >= the number of items: exact)."""
    return factorize_ranks(op, (rank,), seed)[min(rank, op.n_items)]


def factorize_ranks(op: FilterOperator, ranks: tuple[int, ...],
                    seed: int = 0) -> dict[int, FilterFactors]:
    """The factor form at several ranks for the price of the largest: each column of Q
    depends only on its own eigenvector, so smaller ranks are column prefixes."""
    g = _Graph(op)
    deg = g.item_degree
    top = min(max(ranks), op.n_items)
    blocks: list[tuple[np.ndarray, np.ndarray, bool]] = []  # (P part, Q part, truncatable)
    plain: dict[tuple, list[FilterTerm]] = {}
    ideal: dict[tuple, list[FilterTerm]] = {}
    for t in op.terms:
        if t.ideal_dim:
            ideal.setdefault((t.pre, t.ideal_dim, t.mid, t.graph), []).append(t)
        else:
            plain.setdefault((t.pre, t.graph), []).append(_without_constant(t))
    eig: dict[tuple[float, float], np.ndarray] = {}
    for (pre, graph), terms in plain.items():
        if graph not in eig:
            eig[graph] = g.eigvecs(top, graph, seed)
        w = eig[graph]
        q = sum(power_or_zero(deg, t.post)[:, None] * o for t, o in
                zip(terms, g.chebyshev(w, terms, graph), strict=True))
        blocks.append((power_or_zero(deg, -pre)[:, None] * w, q, True))
    for (pre, dim, mid, graph), terms in ideal.items():
        v = op.eigvecs[:, :dim].astype(np.float32)
        q = sum(power_or_zero(deg, t.post)[:, None] * o for t, o in
                zip(terms, g.chebyshev(power_or_zero(deg, mid)[:, None] * v, terms, graph),
                    strict=True))
        blocks.append((power_or_zero(deg, -pre)[:, None] * v, q, False))
    out = {}
    for r in sorted({min(r, op.n_items) for r in ranks}):
        cut = [(p[:, :r], q[:, :r]) if trunc else (p, q) for p, q, trunc in blocks]
        proj = np.hstack([p for p, _ in cut]).astype(np.float32)
        out[r] = FilterFactors(proj, np.hstack([q for _, q in cut]).astype(np.float32),
                               {"rank": r, "dim": int(proj.shape[1]), **op.meta})
    return out
