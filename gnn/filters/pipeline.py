"""Choose a graph filter on validation only: carve validation out of the training
matrix, score every family's grid on it, then blends of the family winners and a
popularity exponent, and return the winner (to be refitted on the whole training
matrix by the caller). `select_filter` receives the training matrix and nothing
else, so no test interaction can reach any choice made here.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import scipy.sparse as sp
import torch

from gnn.data import split_validation
from gnn.filters.base import GraphFilter, ideal_dim
from gnn.filters.blend import Blend
from gnn.filters.bspm import BSPM
from gnn.filters.chebycf import ChebyCF
from gnn.filters.gfcf import GFCF
from gnn.filters.propagation import FilterGraph
from gnn.filters.search import Candidate, Scored, best, evaluate_candidates, score_scale
from gnn.filters.turbocf import TurboCF

FAMILIES: dict[str, Callable[[], list[GraphFilter]]] = {
    "gfcf": GFCF.grid,
    "turbocf": TurboCF.grid,
    "bspm": BSPM.grid,
    "chebycf": ChebyCF.grid,
}
POPULARITY = (-0.1, 0.0, 0.1, 0.2)
BLEND_WEIGHTS = (0.3, 0.5, 0.7)


@dataclass
class Selection:
    chosen: GraphFilter
    val_recall: float
    val_ndcg: float
    family_best: dict[str, dict]
    table: list[dict] = field(default_factory=list)
    cpu_seconds: float = 0.0
    val_users: int = 0


def _candidate(f: GraphFilter) -> Candidate:
    return Candidate(f.label(), f.terms(), f.family, {"filter": f})


def select_filter(
    train: sp.csr_matrix,
    families: dict[str, Callable[[], list[GraphFilter]]] | None = None,
    n_val_users: int = 3000,
    val_fraction: float = 0.05,
    seed: int = 0,
    device: torch.device | str = "cpu",
    chunk: int = 128,
    blend_top: int = 3,
    log: Callable[[str], None] = lambda _: None,
) -> Selection:
    """Pick a filter (or blend) by validation Recall@20 over `n_val_users` users."""
    c0 = time.process_time()
    families = families or FAMILIES
    fit, val = split_validation(train, fraction=val_fraction, seed=seed)
    graph = FilterGraph(fit, device)
    rng = np.random.default_rng(seed)
    has_val = np.flatnonzero(np.diff(val.tocsr().indptr) > 0)
    users = np.sort(rng.choice(has_val, size=min(n_val_users, len(has_val)), replace=False))

    grid = [_candidate(f) for make in families.values() for f in make()]
    dim = max(ideal_dim(c.terms) for c in grid)
    eig = graph.eigvecs(dim, seed=seed) if dim else None
    log(f"validation: {val.nnz} interactions, {len(users)} users scored, eigvecs {dim}")

    scored = evaluate_candidates(graph, val, grid, users, eig, chunk=chunk)
    table = [s.as_dict() for s in scored]
    winners: dict[str, Scored] = {}
    for fam in families:
        fam_scores = [s for s in scored if s.candidate.family == fam]
        if fam_scores:
            winners[fam] = best(fam_scores)
            log(f"  {fam:8s} best {winners[fam].recall:.4f} / {winners[fam].ndcg:.4f}: "
                f"{winners[fam].candidate.label}")

    top = sorted(winners.values(), key=lambda s: -s.recall)[:blend_top]
    filters = [s.candidate.params["filter"] for s in top]
    probe = users[: min(256, len(users))]
    scales = [score_scale(graph, f.terms(), probe, eig) for f in filters]
    second: list[GraphFilter] = [
        Blend(((f, 1.0 / s),), popularity=p) for f, s in zip(filters, scales, strict=True)
        for p in POPULARITY
    ]
    for (f1, s1), (f2, s2) in combinations(zip(filters, scales, strict=True), 2):
        for w in BLEND_WEIGHTS:
            for p in (0.0, 0.1):
                second.append(Blend(((f1, w / s1), (f2, (1 - w) / s2)), popularity=p))
    scored2 = evaluate_candidates(graph, val, [_candidate(f) for f in second], users, eig,
                                  chunk=chunk)
    table += [s.as_dict() for s in scored2]
    win = best(scored + scored2)
    log(f"  chosen {win.recall:.4f} / {win.ndcg:.4f}: {win.candidate.label}")
    return Selection(
        chosen=win.candidate.params["filter"],
        val_recall=win.recall,
        val_ndcg=win.ndcg,
        family_best={f: s.as_dict() for f, s in winners.items()},
        table=table,
        cpu_seconds=time.process_time() - c0,
        val_users=len(users),
    )
