"""The searched graph filter as a serving candidate: chosen on a validation split, exported
in factor form (`trainer.factorize`) at the rank that scores best on the same split, and
rebuilt on every interaction for the artifact. The exported form is what is served, so its
validation figures (not the exact filter's) are what promotion compares; the exact filter's
are recorded next to them."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import scipy.sparse as sp

from recmodel.factors import FilterFactors
from recmodel.numpy_eval import evaluate_dense
from trainer.data import TimedEvents
from trainer.factorize import factorize, factorize_ranks
from trainer.filters.base import GraphFilter
from trainer.filters.blend import Blend
from trainer.filters.bspm import BSPM
from trainer.filters.chebycf import ChebyCF
from trainer.filters.gfcf import GFCF
from trainer.filters.recency import choose_recency, recency_weights, time_carve, variants
from trainer.filters.select import select_on_split
from trainer.filters.turbocf import TurboCF

RANKS = (128, 256, 512, 1024)  # eigenvectors kept per graph; capped by the item count
# Catalogues up to this size also try every eigenvector (the factor form is then the filter
# itself): on Online Retail II (3,832 items) rank 1,024 kept 98.8 % of the exact validation
# Recall, rank 256 only 90 %.
FULL_RANK_ITEMS = 4096
CLASSES: dict[str, type[GraphFilter]] = {
    "gfcf": GFCF, "turbocf": TurboCF, "bspm": BSPM, "chebycf": ChebyCF}


@dataclass
class ServedFilter:
    chosen: GraphFilter
    rank: int
    val: dict  # the factor form at `rank`, on the validation split
    exact_val: dict  # the filter itself, same split and users
    ranks: list[dict] = field(default_factory=list)
    cpu_seconds: float = 0.0
    decay: dict | None = None  # {"kind", "tau"}: recency weights of the graph (time carve)

    def weights(self, events: TimedEvents | None, shape: tuple[int, int],
                until: float | None = None) -> sp.csr_matrix | None:
        """The graph's edge weights, ages counted from `until` (default: the end)."""
        if self.decay is None or events is None:
            return None
        return recency_weights(events, shape, self.decay["kind"], self.decay["tau"], until)

    def manifest(self) -> dict:
        return {"filter": self.chosen.label(), "family": self.chosen.family,
                "params": self.chosen.params(), "decay": self.decay,
                "rank": self.rank, "exact_val": self.exact_val, "ranks": self.ranks,
                "search_cpu_seconds": round(self.cpu_seconds, 1)}


def filter_from_params(family: str, params: dict) -> GraphFilter:
    """Rebuild a filter from `GraphFilter.params()` (what manifests and searches record)."""
    if family == "blend":
        comps = tuple((filter_from_params(c["family"], c["params"]), float(c["weight"]))
                      for c in params["components"])
        return Blend(comps, popularity=float(params["popularity"]))
    return CLASSES[family](**params)


def restrict_rows(matrix: sp.csr_matrix, users: np.ndarray) -> sp.csr_matrix:
    """`matrix` with only the rows of `users` kept (the others emptied)."""
    keep = np.zeros(matrix.shape[0])
    keep[users] = 1.0
    out = sp.csr_matrix(sp.diags(keep) @ matrix)
    out.eliminate_zeros()  # emptied rows must not count as users with truth
    return out


def validate_export(chosen: GraphFilter, fit: sp.csr_matrix, valid: sp.csr_matrix,
                    ranks: tuple[int, ...] = RANKS, k: int = 20, seed: int = 0,
                    weights: sp.csr_matrix | None = None) -> tuple[int, dict, dict, list[dict]]:
    """Fit `chosen` on `fit` (edge `weights`, if any); score it and its factor forms on
    `valid`. Returns the rank whose factor form has the best validation Recall@k (the
    smaller on a tie), its metrics, the exact filter's metrics and the rank table."""
    if fit.shape[1] <= FULL_RANK_ITEMS:
        ranks = (*ranks, fit.shape[1])
    fitted = chosen.fit(fit, seed=seed, weights=weights)
    exact = evaluate_dense(lambda u: fitted.score_users(u).cpu().numpy(), valid, fit, k)
    table, best = [], None
    for rank, fac in factorize_ranks(fitted.operator(), ranks, seed).items():
        m = evaluate_dense(lambda u, f=fac: f.scores(fit[u]), valid, fit, k)
        table.append({"rank": rank, "dim": fac.params["dim"], **m})
        if best is None or m[f"recall@{k}"] > best[1][f"recall@{k}"]:
            best = (rank, m)
    assert best is not None
    return best[0], best[1], exact, table


def choose_served_filter(fit: sp.csr_matrix, valid: sp.csr_matrix, k: int = 20,
                         ranks: tuple[int, ...] = RANKS, n_val_users: int = 3000,
                         every_user: bool = True, max_steps: int = 10, seed: int = 0,
                         log: Callable[[str], None] = lambda _: None,
                         events: TimedEvents | None = None) -> ServedFilter:
    """Search the filter families on (fit, valid) (`n_val_users` of its users), then choose
    the export rank on the same split: on every validation user when `every_user` (the
    figures promotion compares with other candidates), else on the search's users.
    With `events`, (fit, valid) is their time carve (`recency.time_carve`) and the winner's
    recency decay and degree exponent are chosen on it too (`recency.choose_recency`)."""
    c0 = time.process_time()
    sel = select_on_split(fit, valid, n_val_users=n_val_users, max_steps=max_steps,
                          seed=seed, log=log)
    chosen, decay, weights = sel.chosen, None, None
    if events is not None:
        rc = choose_recency(events, fit.shape, variants(chosen), seed=seed, log=log)
        chosen, decay = rc.chosen, {"kind": rc.kind, "tau": rc.tau}
        weights = recency_weights(events, fit.shape, rc.kind, rc.tau,
                                  until=time_carve(events, fit.shape)[2])
    truth = valid.tocsr()
    if not every_user:
        has_val = np.flatnonzero(np.diff(truth.indptr) > 0)
        truth = restrict_rows(truth, np.random.default_rng(seed).choice(
            has_val, size=min(n_val_users, len(has_val)), replace=False))
    rank, val, exact, table = validate_export(chosen, fit, truth, ranks, k, seed, weights)
    log(f"  export rank {rank}: {val[f'recall@{k}']:.4f} vs exact {exact[f'recall@{k}']:.4f}")
    return ServedFilter(chosen, rank, val, exact, table, time.process_time() - c0, decay)


def build_served_filter(train: sp.csr_matrix, served: ServedFilter, seed: int = 0,
                        events: TimedEvents | None = None) -> FilterFactors:
    """The chosen filter refitted on every interaction (on the recency-weighted graph when
    the choice has a decay, ages from the end of `events`), in factor form at the chosen
    rank."""
    weights = served.weights(events, train.shape)
    fac = factorize(served.chosen.fit(train, seed=seed, weights=weights).operator(),
                    served.rank, seed)
    fac.params = {**fac.params, "filter": served.chosen.label()}
    return fac


def refit_factors(entry: dict, fit: sp.csr_matrix, events: TimedEvents | None,
                  until: float | None, seed: int = 0) -> FilterFactors:
    """A served filter's recipe (its manifest entry: family, params, decay, rank) refitted on
    `fit`, its recency weights aged from `until`: how promotion scores a serving model that
    has seen the validation period (`recmodel.promotion`)."""
    chosen = filter_from_params(entry["family"], entry["params"])
    decay = entry.get("decay")
    weights = (recency_weights(events, fit.shape, decay["kind"], decay["tau"], until)
               if decay and events is not None else None)
    rank = max(1, min(int(entry["rank"]), fit.shape[1]))
    return factorize(chosen.fit(fit, seed=seed, weights=weights).operator(), rank, seed)
