"""Recall@K and NDCG@K in numpy alone, for commands that must run without torch
(`profilegraph build-model`, promotion of graph-filter models). Same protocol as
`trainer.metrics.evaluate`: all items ranked, already-seen items masked, users with at least one
relevant item averaged."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import scipy.sparse as sp

DenseScorer = Callable[[np.ndarray], np.ndarray]


def topk_rows(scores: np.ndarray, k: int) -> np.ndarray:
    """Column indices of the k highest scores per row, best first."""
    k = min(k, scores.shape[1])
    part = np.argpartition(-scores, k - 1, axis=1)[:, :k]
    order = np.argsort(-np.take_along_axis(scores, part, axis=1), axis=1, kind="stable")
    return np.take_along_axis(part, order, axis=1)


def hits_metrics(top: np.ndarray, truth: sp.csr_matrix, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-row recall and NDCG for rows with at least one relevant item."""
    n_rel = np.diff(truth.indptr)
    rows = np.repeat(np.arange(top.shape[0]), top.shape[1])
    hit = np.asarray(truth[rows, top.ravel()]).reshape(top.shape) > 0
    discounts = 1.0 / np.log2(np.arange(2, top.shape[1] + 2))
    ideal = np.cumsum(np.concatenate([[0.0], 1.0 / np.log2(np.arange(2, k + 2))]))
    valid = n_rel > 0
    recall = hit.sum(1)[valid] / n_rel[valid]
    ndcg = (hit * discounts).sum(1)[valid] / ideal[np.minimum(n_rel, k)][valid]
    return recall, ndcg


def evaluate_dense(scorer: DenseScorer, truth: sp.csr_matrix, seen: sp.csr_matrix,
                   k: int = 20, batch_size: int = 1024) -> dict[str, float | int]:
    truth, seen = truth.tocsr(), seen.tocsr()
    users = np.flatnonzero(np.diff(truth.indptr) > 0)
    recalls, ndcgs = [], []
    for start in range(0, len(users), batch_size):
        batch = users[start:start + batch_size]
        scores = np.array(scorer(batch), dtype=np.float32, copy=True)
        mask = seen[batch].tocoo()
        scores[mask.row, mask.col] = -np.inf
        r, n = hits_metrics(topk_rows(scores, k), truth[batch], k)
        recalls.append(r)
        ndcgs.append(n)
    if not recalls:
        return {f"recall@{k}": 0.0, f"ndcg@{k}": 0.0, "users": 0}
    rec, nd = np.concatenate(recalls), np.concatenate(ndcgs)
    return {f"recall@{k}": float(rec.mean()), f"ndcg@{k}": float(nd.mean()), "users": len(rec)}
