"""Blend a chosen graph filter with a learned model (LightGCN embeddings), the
weight chosen on the same validation carve as the filter search.

The learned side is any `train_embeddings(fit, (fit, val) | None)` returning user
and item embeddings: it is trained on the fitting part for the choice (early stopping
on that validation), then again on the whole training matrix for the final model
(its own carve-out for early stopping, as `trainer.lightgcn.train` always does). Both sides are
divided by their typical score size on validation users, so the weight is a share.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from trainer.data import split_validation
from trainer.filters.base import FittedFilter, GraphFilter
from trainer.filters.propagation import FilterGraph
from trainer.metrics import Metrics, evaluate

Embeddings = tuple[np.ndarray, np.ndarray]  # (user_emb, item_emb)
EmbeddingTrainer = Callable[[sp.csr_matrix, tuple[sp.csr_matrix, sp.csr_matrix] | None], Embeddings]
WEIGHTS = (0.0, 0.2, 0.35, 0.5, 0.65, 0.8, 1.0)  # share of the filter


def row_scale(scores: torch.Tensor, seen: sp.csr_matrix) -> float:
    mask = torch.from_numpy(seen.toarray() == 0).to(scores.device)
    return float(torch.linalg.vector_norm(scores * mask, dim=1).mean().clamp_min(1e-12))


@dataclass
class LearnedBlend:
    """score = w * filter / filter_scale + (1 - w) * (U E^T) / emb_scale"""

    filter: FittedFilter
    user_emb: torch.Tensor
    item_emb: torch.Tensor
    weight: float
    filter_scale: float
    emb_scale: float

    def __call__(self, users: np.ndarray) -> torch.Tensor:
        idx = torch.as_tensor(users, dtype=torch.long, device=self.user_emb.device)
        emb = self.user_emb[idx] @ self.item_emb.T
        if self.weight == 0.0:
            return emb
        filt = self.filter.score_users(users).to(emb.device)
        return self.weight * filt / self.filter_scale + (1 - self.weight) * emb / self.emb_scale


@dataclass
class LearnedSelection:
    weight: float
    val: Metrics
    table: list[dict]
    filter_scale: float
    emb_scale: float
    cpu_seconds: float


def select_learned_weight(
    train: sp.csr_matrix,
    chosen: GraphFilter,
    train_embeddings: EmbeddingTrainer,
    val_fraction: float = 0.05,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> LearnedSelection:
    """The filter's share in the blend, by validation Recall@20 (receives train only)."""
    c0 = time.process_time()
    fit, val = split_validation(train, fraction=val_fraction, seed=seed)
    fitted = FittedFilter.build(FilterGraph(fit, device), chosen.terms(), chosen.label(), seed)
    u, i = train_embeddings(fit, (fit, val))
    sel = choose_share(fitted, u, i, fit, val, device)
    sel.cpu_seconds = time.process_time() - c0
    return sel


def choose_share(fitted: FittedFilter, user_emb: np.ndarray, item_emb: np.ndarray,
                 fit: sp.csr_matrix, val: sp.csr_matrix,
                 device: torch.device | str = "cpu") -> LearnedSelection:
    """The filter's share in the blend of `fitted` (fitted on `fit`) and the embeddings
    (trained on `fit`), by Recall@20 on `val` (NDCG breaks ties): WEIGHTS, then halfway
    to the best weight's neighbours."""
    c0 = time.process_time()
    ue, ie = torch.from_numpy(user_emb).to(device), torch.from_numpy(item_emb).to(device)
    users = np.flatnonzero(np.diff(val.tocsr().indptr) > 0)
    probe = users[:256]
    f_scale = row_scale(fitted.score_users(probe), fit[probe])
    e_scale = row_scale(ue[torch.as_tensor(probe)] @ ie.T, fit[probe])
    table, results = [], []

    def score(weights) -> None:
        for w in weights:
            m = evaluate(LearnedBlend(fitted, ue, ie, w, f_scale, e_scale), val, fit)
            results.append((m.recall, m.ndcg, w, m))
            table.append({"filter_weight": w, "recall@20": m.recall, "ndcg@20": m.ndcg})

    def lead() -> tuple:
        return max(results, key=lambda r: (round(r[0], 6), r[1]))

    score(WEIGHTS)
    coarse = lead()[2]  # coarse to fine: halfway to each coarse neighbour
    score(w for w in fine_weights(coarse) if w not in WEIGHTS)
    _, _, w, m = lead()
    return LearnedSelection(w, m, table, f_scale, e_scale, time.process_time() - c0)


def fine_weights(coarse: float) -> list[float]:
    """The weights halfway between `coarse` and its neighbours in WEIGHTS."""
    i = WEIGHTS.index(coarse)
    near = WEIGHTS[max(0, i - 1) : i + 2]
    return sorted({round((coarse + n) / 2, 4) for n in near if n != coarse})
