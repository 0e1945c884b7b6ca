"""Turbo-CF (Park et al., SIGIR 2024) in numpy/scipy, for the quick build: a polynomial
low-pass filter of the item graph, no decomposition, no torch.

    R~ = D_u^-a W D_i^-(1-a)     (W: the interactions, recency-weighted; degrees from W)
    P  = R~^T R~                 M = 1 - (1 - P)^order     score(r) = r M

Chosen on the time carve with its recency decay (the pipeline that met 2.6x popularity on
Online Retail II, docs/benchmarks-gnn.md: Turbo-CF(0.5, 3), hyperbolic decay, 60 days):
every configuration is scored through sparse products on the validation rows only; the
served artifact holds M itself (item projection M, item vectors the identity, which serving
skips: recmodel/artifact_format.py), so it needs no eigendecomposition, is the exact filter,
and a list costs one weighted sum of the history's rows of M. M is dense (n_items squared),
so the family is offered up to `MAX_ITEMS` items; larger catalogs keep GF-CF in the quick
build.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from math import comb

import numpy as np
import scipy.sparse as sp

from recmodel.factors import FilterFactors
from recmodel.numpy_eval import evaluate_dense
from trainer.data import TimedEvents
from trainer.recency_weights import recency_weights

MAX_ITEMS = 4096  # M and the identity: 2 x 64 MB of float32 at this size
ALPHAS = (0.5, 0.6, 0.7)
ORDERS = (1, 2, 3)
DECAYS: tuple[tuple[str, float | None], ...] = (
    ("none", None), ("hyperbolic", 60.0), ("exp", 120.0))


def low_pass(order: int) -> list[float]:
    """Monomial coefficients of 1 - (1 - x)^order (index k: the coefficient of x^k)."""
    coeffs = [0.0] * (order + 1)
    for k in range(1, order + 1):
        coeffs[k] = -comb(order, k) * (-1.0) ** k
    return coeffs


def normalized(train: sp.csr_matrix, weights: sp.csr_matrix | None, alpha: float
               ) -> sp.csr_matrix:
    w = sp.csr_matrix(train if weights is None else weights, dtype=np.float64)
    du, di = np.asarray(w.sum(1)).ravel(), np.asarray(w.sum(0)).ravel()
    pu = np.zeros_like(du)
    pu[du > 0] = du[du > 0] ** -alpha
    pi = np.zeros_like(di)
    pi[di > 0] = di[di > 0] ** -(1.0 - alpha)
    return sp.csr_matrix(sp.diags(pu) @ w @ sp.diags(pi), dtype=np.float32)


def apply(rows: sp.csr_matrix | np.ndarray, norm: sp.csr_matrix, order: int) -> np.ndarray:
    """rows M, through order P-steps of two sparse products each."""
    z = rows.toarray() if sp.issparse(rows) else np.asarray(rows)
    z = z.astype(np.float32)
    norm_t = sp.csr_matrix(norm.T)
    out = np.zeros_like(z)
    for c in low_pass(order)[1:]:
        z = np.asarray((norm_t @ (norm @ z.T)).T)  # z P
        out += c * z
    return out


@dataclass
class TurboChoice:
    alpha: float
    order: int
    decay: dict | None  # {"kind", "tau"}; None: the binary graph
    val: dict
    table: list[dict] = field(default_factory=list)

    def manifest(self) -> dict:
        return {"filter": f"turbocf(alpha={self.alpha}, order={self.order})",
                "family": "turbocf", "alpha": self.alpha, "order": self.order,
                "decay": self.decay, "form": "explicit item-item operator"}


def _weights(events: TimedEvents | None, shape: tuple[int, int], decay: dict | None,
             until: float | None) -> sp.csr_matrix | None:
    if decay is None or decay["tau"] is None or events is None:
        return None
    return recency_weights(events, shape, decay["kind"], decay["tau"], until)


def choose_turbo(fit: sp.csr_matrix, valid: sp.csr_matrix, events: TimedEvents | None,
                 until: float | None, k: int = 20) -> TurboChoice:
    """Every (alpha, order, decay) on (fit, valid); decays only with event times (`until`:
    the carve's cut, ages count to it). Recall@k wins, NDCG@k breaks ties."""
    decays = DECAYS if events is not None else DECAYS[:1]
    best: TurboChoice | None = None
    table = []
    for kind, tau in decays:
        decay = None if tau is None else {"kind": kind, "tau": tau}
        w = _weights(events, fit.shape, decay, until)
        for alpha in ALPHAS:
            norm = normalized(fit, w, alpha)
            for order in ORDERS:
                m = evaluate_dense(lambda u, n=norm, o=order: apply(fit[u], n, o), valid, fit, k)
                table.append({"alpha": alpha, "order": order, "decay": decay, **m})
                key = (round(m[f"recall@{k}"], 6), m[f"ndcg@{k}"])
                if best is None or key > (round(best.val[f"recall@{k}"], 6),
                                          best.val[f"ndcg@{k}"]):
                    best = TurboChoice(alpha, order, decay, m)
    assert best is not None
    best.table = table
    return best


def scorer(entry: dict, fit: sp.csr_matrix, events: TimedEvents | None,
           until: float | None) -> Callable[[np.ndarray], np.ndarray]:
    """A recipe (a manifest entry) refitted on `fit`: how promotion scores it."""
    norm = normalized(fit, _weights(events, fit.shape, entry.get("decay"), until),
                      float(entry["alpha"]))
    return lambda u: apply(fit[u], norm, int(entry["order"]))


def build_turbo(train: sp.csr_matrix, choice: TurboChoice, events: TimedEvents | None
                ) -> FilterFactors:
    """The chosen filter on every interaction (ages from the end of `events`), as the
    artifact's factor form: item projection M, item vectors the identity."""
    norm = normalized(train, _weights(events, train.shape, choice.decay, None), choice.alpha)
    n = train.shape[1]
    operator = apply(sp.identity(n, dtype=np.float32, format="csr"), norm, choice.order)
    return FilterFactors(operator.astype(np.float32), np.eye(n, dtype=np.float32),
                         {**choice.manifest(), "dim": n, "item_vectors": "identity"})
