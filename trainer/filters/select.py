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

from trainer.data import split_validation
from trainer.filters.base import GraphFilter, ideal_dim
from trainer.filters.blend import Blend
from trainer.filters.bspm import BSPM
from trainer.filters.chebycf import ChebyCF
from trainer.filters.gfcf import GFCF
from trainer.filters.propagation import FilterGraph
from trainer.filters.search import (
    Candidate,
    Scored,
    best,
    evaluate_candidates,
    score_scale,
    steps_per_user,
)
from trainer.filters.turbocf import TurboCF

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


@dataclass
class _Fold:
    """One validation carve: the graph of the rest of train, and who is scored."""

    graph: FilterGraph
    val: sp.csr_matrix
    users: np.ndarray
    eigvecs: torch.Tensor | None


def _candidate(f: GraphFilter) -> Candidate:
    return Candidate(f.label(), f.terms(), f.family, {"filter": f})


def _make_folds(train, folds, fraction, seed, n_val_users, dim, device) -> list[_Fold]:
    out = []
    for i in range(folds):
        fit, val = split_validation(train, fraction=fraction, seed=seed + i)
        graph = FilterGraph(fit, device)
        has_val = np.flatnonzero(np.diff(val.tocsr().indptr) > 0)
        rng = np.random.default_rng(seed + i)
        users = np.sort(rng.choice(has_val, size=min(n_val_users, len(has_val)), replace=False))
        out.append(_Fold(graph, val, users, graph.eigvecs(dim, seed=seed) if dim else None))
    return out


def _score(folds: list[_Fold], cands: list[Candidate], chunk: int, log) -> list[Scored]:
    """Validation metrics averaged over the folds."""
    per_fold = [
        evaluate_candidates(f.graph, f.val, cands, f.users, f.eigvecs, chunk=chunk, log=log)
        for f in folds
    ]
    return [
        Scored(
            c,
            float(np.mean([fs[i].recall for fs in per_fold])),
            float(np.mean([fs[i].ndcg for fs in per_fold])),
            sum(fs[i].users for fs in per_fold),
        )
        for i, c in enumerate(cands)
    ]


def _blends(filters: list[GraphFilter], scales: list[float], max_steps: int) -> list[GraphFilter]:
    """Each winner with a popularity exponent, and weighted pairs of winners."""
    out: list[GraphFilter] = [
        Blend(((f, 1.0 / s),), popularity=p)
        for f, s in zip(filters, scales, strict=True)
        for p in POPULARITY
    ]
    for (f1, s1), (f2, s2) in combinations(zip(filters, scales, strict=True), 2):
        for w in BLEND_WEIGHTS:
            for p in (0.0, 0.1):
                out.append(Blend(((f1, w / s1), (f2, (1 - w) / s2)), popularity=p))
    return [b for b in out if steps_per_user(b.terms()) <= max_steps]


def _grid(families: dict[str, Callable[[], list[GraphFilter]]] | None
          ) -> tuple[dict[str, Callable[[], list[GraphFilter]]], list[Candidate], int]:
    """The families searched, every configuration of them, and the eigenvectors they need."""
    families = families or FAMILIES
    grid = [_candidate(f) for make in families.values() for f in make()]
    return families, grid, max(ideal_dim(c.terms) for c in grid)


def select_filter(
    train: sp.csr_matrix,
    families: dict[str, Callable[[], list[GraphFilter]]] | None = None,
    n_val_users: int = 3000,
    val_fraction: float = 0.05,
    folds: int = 1,
    max_steps: int = 10,
    seed: int = 0,
    device: torch.device | str = "cpu",
    chunk: int = 128,
    blend_top: int = 3,
    log: Callable[[str], None] = lambda _: None,
) -> Selection:
    """Pick a filter (or blend) by validation Recall@20 (mean over `folds` carves of
    `val_fraction` of train, `n_val_users` users each). `max_steps` caps the P steps
    per user of blends: the test-time and serving cost of the chosen operator."""
    c0 = time.process_time()
    families, grid, dim = _grid(families)
    fs = _make_folds(train, folds, val_fraction, seed, n_val_users, dim, device)
    return _select(fs, families, grid, max_steps, chunk, blend_top, log, c0)


def select_on_split(
    fit: sp.csr_matrix,
    val: sp.csr_matrix,
    families: dict[str, Callable[[], list[GraphFilter]]] | None = None,
    n_val_users: int = 3000,
    max_steps: int = 10,
    seed: int = 0,
    device: torch.device | str = "cpu",
    chunk: int = 128,
    blend_top: int = 3,
    log: Callable[[str], None] = lambda _: None,
) -> Selection:
    """`select_filter` on a given (fit, val) pair: the split the model candidates of a
    promotion share, so the filter is chosen on the data every candidate is compared on."""
    c0 = time.process_time()
    families, grid, dim = _grid(families)
    graph = FilterGraph(fit, device)
    has_val = np.flatnonzero(np.diff(val.tocsr().indptr) > 0)
    users = np.sort(np.random.default_rng(seed).choice(
        has_val, size=min(n_val_users, len(has_val)), replace=False))
    fold = _Fold(graph, val.tocsr(), users, graph.eigvecs(dim, seed=seed) if dim else None)
    return _select([fold], families, grid, max_steps, chunk, blend_top, log, c0)


def _refine(fs: list[_Fold], winners: dict[str, Scored], seen: set[str], chunk: int,
            log: Callable[[str], None]) -> list[Scored]:
    """Coarse to fine: the finer grid around the best family winner (`around()`), scored
    on the same validation users; a better neighbour replaces its family's winner."""
    if not winners:
        return []
    lead = max(winners.values(), key=lambda s: (round(s.recall, 6), s.ndcg))
    around = getattr(lead.candidate.params["filter"], "around", None)
    if around is None or not (cands := [c for c in map(_candidate, around())
                                         if c.label not in seen]):
        return []
    log(f"refine around {lead.candidate.label}: {len(cands)} configurations")
    scored = _score(fs, cands, chunk, log)
    fam = lead.candidate.family
    winners[fam] = best([winners[fam], *scored])
    log(f"  {fam:8s} best {winners[fam].recall:.4f} / {winners[fam].ndcg:.4f}: "
        f"{winners[fam].candidate.label}")
    return scored


def _select(fs: list[_Fold], families, grid: list[Candidate], max_steps: int, chunk: int,
            blend_top: int, log: Callable[[str], None], c0: float) -> Selection:
    log(
        f"validation: {len(fs)} fold(s), {fs[0].val.nnz} interactions and {len(fs[0].users)} "
        f"users each, {len(grid)} configurations"
    )

    scored = _score(fs, grid, chunk, log)
    winners: dict[str, Scored] = {}
    for fam in families:
        fam_scores = [s for s in scored if s.candidate.family == fam]
        if fam_scores:
            winners[fam] = best(fam_scores)
            w = winners[fam]
            log(f"  {fam:8s} best {w.recall:.4f} / {w.ndcg:.4f}: {w.candidate.label}")

    scored += _refine(fs, winners, {s.candidate.label for s in scored}, chunk, log)
    table = [s.as_dict() for s in scored]
    top = sorted(winners.values(), key=lambda s: -s.recall)[:blend_top]
    filters = [s.candidate.params["filter"] for s in top]
    probe = fs[0].users[: min(256, len(fs[0].users))]
    scales = [score_scale(fs[0].graph, f.terms(), probe, fs[0].eigvecs) for f in filters]
    second = [_candidate(b) for b in _blends(filters, scales, max_steps)]
    log(f"blends and popularity: {len(second)} configurations")
    scored2 = _score(fs, second, chunk, log)
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
        val_users=sum(len(f.users) for f in fs),
    )
