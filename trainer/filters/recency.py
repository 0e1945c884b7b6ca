"""Recency-weighted graphs for time-stamped data (Online Retail II), chosen on validation.

A pair's edge weight is a decay of its age at the end of the period the graph is built
on: the days since the user's latest purchase of the item, w = exp(-age / tau) or
1 / (1 + age / tau). The weights enter only the normalized interaction matrix the filter
propagates over (`FilterGraph(weights=...)`): the rows scored stay the binary histories,
and the fitted filter exports to the same P, Q factor form. tau = None is no decay: the
binary matrix exactly.

tau is chosen on a time-based carve of train, the way the data is split for test: the
graph is built from events before `start`, validation is the pairs first bought in the
last `fraction` of the training period (new to the user, users and items of the fit
graph only, as the test protocol). Only training events ever reach this module.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace

import numpy as np

from recmodel.numpy_eval import evaluate_dense
from trainer.data import VAL_FRACTION, TimedEvents, time_carve
from trainer.filters.base import GraphFilter
from trainer.recency_weights import recency_weights

# (kind, tau in days); None: no decay. The training period of Online Retail II is ~298 days.
TAUS: tuple[tuple[str, float | None], ...] = (
    ("none", None), ("exp", 30.0), ("exp", 60.0), ("exp", 120.0), ("exp", 240.0),
    ("exp", 480.0), ("hyperbolic", 15.0), ("hyperbolic", 60.0), ("hyperbolic", 240.0))
# Item-degree normalization exponents tried with every decay (filters that have one).
BETAS = (0.1, 0.2, 0.3, 0.4)


def variants(chosen: GraphFilter, betas: tuple[float, ...] = BETAS) -> list[GraphFilter]:
    """`chosen` and, for a filter with an item-degree exponent `beta`, the same filter at
    each of `betas` (a weighted graph has other degrees, so the best exponent may move)."""
    if not hasattr(chosen, "beta"):
        return [chosen]
    return [chosen, *(replace(chosen, beta=b) for b in betas if b != chosen.beta)]


@dataclass
class RecencyChoice:
    chosen: GraphFilter
    kind: str
    tau: float | None
    val: dict
    table: list[dict] = field(default_factory=list)
    cpu_seconds: float = 0.0

    def label(self) -> str:
        decay = "no decay" if self.tau is None else f"{self.kind} decay, tau {self.tau:g} days"
        return f"{self.chosen.label()}, {decay}"


def _key(m: dict, k: int) -> tuple[float, float]:
    return round(m[f"recall@{k}"], 6), m[f"ndcg@{k}"]


def choose_recency(events: TimedEvents, shape: tuple[int, int],
                   candidates: list[GraphFilter],
                   taus: tuple[tuple[str, float | None], ...] = TAUS,
                   fraction: float = VAL_FRACTION, k: int = 20, seed: int = 0,
                   log: Callable[[str], None] = lambda _: None) -> RecencyChoice:
    """Score every candidate filter on the time carve with every decay of `taus` (no
    decay included); the best validation Recall@k wins, NDCG@k breaks ties (then the
    earlier entry)."""
    c0 = time.process_time()
    fit, valid, start = time_carve(events, shape, fraction)
    log(f"recency: time carve at day {start:.1f}, {fit.nnz} fit pairs, {valid.nnz} "
        f"validation pairs on {int((np.diff(valid.indptr) > 0).sum())} users")
    table, best = [], None
    for kind, tau in taus:
        w = recency_weights(events, shape, kind, tau, until=start)
        for cand in candidates:
            fitted = cand.fit(fit, seed=seed, weights=w)
            m = evaluate_dense(lambda u, f=fitted: f.score_users(u).cpu().numpy(), valid, fit, k)
            table.append({"filter": cand.label(), "kind": kind, "tau": tau, **m})
            log(f"  {kind:10s} tau {tau}: {m[f'recall@{k}']:.4f} / {m[f'ndcg@{k}']:.4f} "
                f"{cand.label()}")
            if best is None or _key(m, k) > _key(best[3], k):
                best = (cand, kind, tau, m)
    assert best is not None
    return RecencyChoice(*best, table, time.process_time() - c0)
