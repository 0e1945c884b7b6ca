"""A training-free graph-filter recommender in factor form (numpy/scipy only).

GF-CF (Shen et al., CIKM 2021) scores a user's history row r as

    s(r) = r R~^T R~  +  alpha * r D^-1/2 V V^T D^1/2,     R~ = D_u^-1/2 R D_i^-1/2

(a linear item-item filter plus an ideal low-pass filter on the top singular vectors V of
R~). With R~ = U S V^T the linear part is r V S^2 V^T; keeping its top `k_linear`
components turns the whole filter into two item matrices:

    P = [V S^2 | alpha D^-1/2 V]   (history -> user vector, "item projection")
    Q = [V     | D^1/2 V]          (item vectors)          s(r) = (r P) Q^T

So a shopper's vector is r P for ANY history r, including one that grew after the model was
built or belongs to a shopper the model never saw: the filter is inductive by construction,
and serving it is the same dot product as for LightGCN vectors.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from recmodel.operator import power_or_zero


@dataclass
class FilterFactors:
    item_proj: np.ndarray  # P, (n_items, d)
    item_emb: np.ndarray  # Q, (n_items, d)
    params: dict

    def user_vectors(self, history: sp.csr_matrix) -> np.ndarray:
        return np.asarray(history @ self.item_proj, dtype=np.float32)

    def scores(self, history: sp.csr_matrix) -> np.ndarray:
        return self.user_vectors(history) @ self.item_emb.T


def top_singular(norm: sp.csr_matrix, k: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Singular values (descending) and right singular vectors (k, n_items) of `norm`:
    exact (dense) for small graphs, a randomized range finder (Halko, Martinsson and Tropp
    2011: 20 extra columns, 4 power iterations) above that, whose cost grows with the
    edges, not the square of the items."""
    if min(norm.shape) <= 1200 or k >= min(norm.shape) // 2:
        _, s, vt = np.linalg.svd(norm.toarray(), full_matrices=False)
        return s[:k], vt[:k]
    rng = np.random.default_rng(seed)
    a = sp.csr_matrix(norm, dtype=np.float64)
    at = sp.csr_matrix(a.T)
    q = np.linalg.qr(a @ rng.standard_normal((a.shape[1], k + 20)))[0]
    for _ in range(4):
        q = np.linalg.qr(a @ np.linalg.qr(at @ q)[0])[0]
    _, s, vt = np.linalg.svd(np.asarray(at @ q).T, full_matrices=False)
    return s[:k], vt[:k]


@dataclass
class Spectrum:
    """What every variant of the filter is built from: one SVD of the normalized matrix."""

    singular: np.ndarray  # descending
    vt: np.ndarray  # (k, n_items)
    item_degree: np.ndarray

    @classmethod
    def of(cls, train: sp.csr_matrix, k: int, seed: int = 0) -> Spectrum:
        r = sp.csr_matrix(train, dtype=np.float64)
        du = power_or_zero(np.asarray(r.sum(1)).ravel(), -0.5)
        di_deg = np.asarray(r.sum(0)).ravel()
        norm = sp.csr_matrix(sp.diags(du) @ r @ sp.diags(power_or_zero(di_deg, -0.5)))
        s, vt = top_singular(norm, k, seed)
        return cls(s, vt, di_deg)

    def factors(self, k_linear: int, k_ideal: int, alpha: float) -> FilterFactors:
        v_lin, s_lin = self.vt[:k_linear].T, self.singular[:k_linear]
        v_id = self.vt[:k_ideal].T
        deg = self.item_degree
        proj = np.hstack([v_lin * (s_lin ** 2)[None, :],
                          alpha * v_id * power_or_zero(deg, -0.5)[:, None]])
        emb = np.hstack([v_lin, v_id * np.sqrt(deg)[:, None]])
        return FilterFactors(proj.astype(np.float32), emb.astype(np.float32),
                             {"k_linear": int(v_lin.shape[1]), "k_ideal": int(v_id.shape[1]),
                              "alpha": alpha})


def fit_graph_filter(train: sp.csr_matrix, k_linear: int = 256, k_ideal: int = 256,
                     alpha: float = 0.3, seed: int = 0) -> FilterFactors:
    """Factors of the GF-CF filter for a user x item matrix (binary or weighted)."""
    return Spectrum.of(train, max(k_linear, k_ideal), seed).factors(k_linear, k_ideal, alpha)
