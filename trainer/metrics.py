"""Recall@K and NDCG@K over ALL items, training items masked (the LightGCN protocol).

Every model (LightGCN and the baselines) goes through `evaluate`, so the numbers
are comparable. Users are scored in batches so memory stays bounded at
batch_size x n_items floats.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

# Scores for a batch of user rows: (len(users), n_items), higher is better.
Scorer = Callable[[np.ndarray], torch.Tensor | np.ndarray]


@dataclass(frozen=True)
class Metrics:
    recall: float
    ndcg: float
    k: int
    users: int

    def as_dict(self) -> dict[str, float | int]:
        return {f"recall@{self.k}": self.recall, f"ndcg@{self.k}": self.ndcg, "users": self.users}


def masked_topk(scores: torch.Tensor, mask: sp.csr_matrix, k: int) -> torch.Tensor:
    """Top-k item ids per row after setting the masked (already seen) items to -inf."""
    scores = scores.clone()  # stays on the scorer's device (GPU scores are ranked on GPU)
    coo = mask.tocoo()
    rows = torch.from_numpy(coo.row.astype(np.int64)).to(scores.device)
    cols = torch.from_numpy(coo.col.astype(np.int64)).to(scores.device)
    scores[rows, cols] = -torch.inf
    return torch.topk(scores, k=min(k, scores.shape[1]), dim=1).indices


def batch_metrics(topk: np.ndarray, truth: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-user recall and NDCG for rows that have at least one relevant item."""
    n_rel = np.diff(truth.indptr)
    # hit[r, j] = 1 when the j-th recommendation of row r is relevant.
    rows = np.repeat(np.arange(topk.shape[0]), topk.shape[1])
    hit = np.asarray(truth[rows, topk.ravel()]).reshape(topk.shape) > 0
    discounts = 1.0 / np.log2(np.arange(2, topk.shape[1] + 2))
    dcg = (hit * discounts).sum(1)
    ideal = np.cumsum(np.concatenate([[0.0], 1.0 / np.log2(np.arange(2, k + 2))]))
    idcg = ideal[np.minimum(n_rel, k)]
    valid = n_rel > 0
    recall = hit.sum(1)[valid] / n_rel[valid]
    ndcg = dcg[valid] / idcg[valid]
    return recall, ndcg


def evaluate(
    scorer: Scorer,
    truth: sp.csr_matrix,
    seen: sp.csr_matrix,
    k: int = 20,
    batch_size: int = 2048,
) -> Metrics:
    """Mean Recall@k / NDCG@k over users with at least one item in `truth`; items in
    `seen` (the training interactions) are excluded from each user's ranking."""
    truth = truth.tocsr()
    seen = seen.tocsr()
    users = np.flatnonzero(np.diff(truth.indptr) > 0)
    recalls: list[np.ndarray] = []
    ndcgs: list[np.ndarray] = []
    for start in range(0, len(users), batch_size):
        batch = users[start : start + batch_size]
        scores = scorer(batch)
        if isinstance(scores, np.ndarray):
            scores = torch.from_numpy(np.ascontiguousarray(scores, dtype=np.float32))
        top = masked_topk(scores.float(), seen[batch], k).cpu().numpy()
        r, n = batch_metrics(top, truth[batch], k)
        recalls.append(r)
        ndcgs.append(n)
    if not recalls:
        return Metrics(0.0, 0.0, k, 0)
    rec, nd = np.concatenate(recalls), np.concatenate(ndcgs)
    return Metrics(float(rec.mean()), float(nd.mean()), k, len(rec))
