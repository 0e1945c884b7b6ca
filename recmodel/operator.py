"""The item-item operator every graph filter in this package reduces to.

numpy only (no torch, no scipy): the serving process can score a shopper's live
interaction row with it, and the artifact writer can store it as plain arrays.

For a binary interaction row r over the items, with R the training matrix,
d the item degrees, R~(a, b) = D_u^-a R D_i^-b, P(a, b) = R~^T R~ (eigenvalues in
[0, 1] for a = b = 1/2) and L~ = I - 2P (eigenvalues in [-1, 1]):

    score(r) = sum over terms t of
        d^post_t * ( x_t  sum_k c_tk T_k(L~(a_t, b_t)) )
    x_t = r * d^-pre_t                                     (plain term)
    x_t = ((r * d^-pre_t) V_m) V_m^T * d^mid_t             (ideal term, m = ideal_dim)

T_k are Chebyshev polynomials, V holds the top eigenvectors of P(1/2, 1/2).
Coefficients are kept in the Chebyshev basis because high-order monomial
coefficients cancel badly in float32 (T_8 alone has a 128 x^8 term).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np

SYMMETRIC = (0.5, 0.5)


@dataclass(frozen=True)
class FilterTerm:
    """One summand of an operator; see the module docstring for the formula."""

    cheb: tuple[float, ...]  # Chebyshev coefficients c_0..c_K in L~ = I - 2P
    pre: float = 0.0
    post: float = 0.0
    graph: tuple[float, float] = SYMMETRIC  # (a, b): R~ = D_u^-a R D_i^-b
    ideal_dim: int = 0  # > 0: project onto the top-`ideal_dim` eigenvectors first
    mid: float = 0.0

    @property
    def order(self) -> int:
        return len(self.cheb) - 1

    def scaled(self, w: float) -> FilterTerm:
        return FilterTerm(
            tuple(float(c) * w for c in self.cheb),
            self.pre,
            self.post,
            self.graph,
            self.ideal_dim,
            self.mid,
        )

    def with_post(self, delta: float) -> FilterTerm:
        return FilterTerm(
            self.cheb, self.pre, self.post + delta, self.graph, self.ideal_dim, self.mid
        )


@dataclass
class FilterOperator:
    """A fitted filter: the terms plus what they need from training (R, V)."""

    terms: list[FilterTerm]
    n_users: int
    n_items: int
    indptr: np.ndarray  # training matrix R (users x items), CSR, binary
    indices: np.ndarray
    eigvecs: np.ndarray | None = None  # (n_items, m) top eigenvectors of P(1/2, 1/2)
    meta: dict = field(default_factory=dict)
    weights: np.ndarray | None = None  # the graph's edge weights on R's pattern; None: binary

    @property
    def item_degree(self) -> np.ndarray:
        return np.bincount(self.indices, weights=self.weights,
                           minlength=self.n_items).astype(np.float64)

    @property
    def user_degree(self) -> np.ndarray:
        if self.weights is None:
            return np.diff(self.indptr).astype(np.float64)
        rows = np.repeat(np.arange(self.n_users), np.diff(self.indptr))
        return np.bincount(rows, weights=self.weights, minlength=self.n_users).astype(np.float64)

    def to_arrays(self) -> tuple[dict[str, np.ndarray], dict]:
        """Plain arrays plus a JSON-able description, for an artifact writer."""
        arrays = {"indptr": self.indptr, "indices": self.indices}
        if self.eigvecs is not None:
            arrays["eigvecs"] = self.eigvecs
        if self.weights is not None:
            arrays["weights"] = self.weights
        spec = {
            "n_users": self.n_users,
            "n_items": self.n_items,
            "terms": [asdict(t) for t in self.terms],
            "meta": self.meta,
        }
        return arrays, spec

    @classmethod
    def from_arrays(cls, arrays: dict[str, np.ndarray], spec: dict) -> FilterOperator:
        terms = [
            FilterTerm(
                tuple(t["cheb"]), t["pre"], t["post"], tuple(t["graph"]), t["ideal_dim"], t["mid"]
            )
            for t in spec["terms"]
        ]
        return cls(
            terms,
            spec["n_users"],
            spec["n_items"],
            arrays["indptr"],
            arrays["indices"],
            arrays.get("eigvecs"),
            spec.get("meta", {}),
            arrays.get("weights"),
        )

    def score(self, row_items: np.ndarray) -> np.ndarray:
        """Scores over all items for one interaction row given as item indices
        (training items of a known user, or a shopper's live items)."""
        r = np.zeros(self.n_items)
        r[np.asarray(row_items, dtype=np.int64)] = 1.0
        deg = self.item_degree
        out = np.zeros(self.n_items)
        for t in self.terms:
            x = r * power_or_zero(deg, -t.pre)
            if t.ideal_dim:
                v = self.eigvecs[:, : t.ideal_dim].astype(np.float64)
                x = (x @ v) @ v.T * power_or_zero(deg, t.mid)
            out += power_or_zero(deg, t.post) * self._chebyshev(x, t)
        return out

    def _chebyshev(self, x: np.ndarray, t: FilterTerm) -> np.ndarray:
        a, b = t.graph
        row_w = power_or_zero(self.user_degree, -a)
        col_w = power_or_zero(self.item_degree, -b)
        counts = np.diff(self.indptr)
        rows = np.repeat(np.arange(self.n_users), counts)
        val = row_w[rows] * col_w[self.indices]
        if self.weights is not None:
            val = val * self.weights

        def lap(z: np.ndarray) -> np.ndarray:  # z L~ = z - 2 z R~^T R~
            u = np.bincount(rows, weights=val * z[self.indices], minlength=self.n_users)
            p = np.bincount(self.indices, weights=val * u[rows], minlength=self.n_items)
            return z - 2.0 * p

        prev, cur = x, lap(x) if t.order >= 1 else x
        out = t.cheb[0] * prev
        if t.order >= 1:
            out = out + t.cheb[1] * cur
        for c in t.cheb[2:]:
            prev, cur = cur, 2.0 * lap(cur) - prev
            out = out + c * cur
        return out


def power_or_zero(v: np.ndarray, p: float) -> np.ndarray:
    """v ** p in float64 with zero degrees mapped to zero (unseen items and users stay
    silent): the one degree normalization of every filter and of item-kNN."""
    v = np.asarray(v, dtype=np.float64)
    out = np.zeros_like(v)
    nz = v > 0
    out[nz] = np.power(v[nz], p)
    return out
