"""Training-free baselines, scored through the same `trainer.metrics.evaluate`:

- popularity: every user gets the most-interacted items;
- item-kNN: cosine item-item similarity over the full neighbourhood;
- GF-CF (Shen et al., CIKM 2021): normalized item-item linear filter plus an ideal
  low-pass filter built from the top-k singular vectors (the one GF-CF of
  `trainer.filters.gfcf`; `recmodel.factors` is its factor form).

Item-item matrices are never materialized (41k x 41k would not fit comfortably):
scores are computed as (r_u X^T) X for each user batch.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch

from recmodel.operator import power_or_zero
from trainer.filters.gfcf import GFCF
from trainer.metrics import Scorer


def popularity_scorer(train: sp.csr_matrix) -> Scorer:
    counts = torch.from_numpy(np.asarray(train.sum(axis=0)).ravel().astype(np.float32))

    def score(users: np.ndarray) -> torch.Tensor:
        return counts.expand(len(users), -1)

    return score


def itemknn_scorer(train: sp.csr_matrix) -> Scorer:
    """score(u, j) = sum_{i in I(u)} cos(i, j), cos over binary user vectors."""
    x = sp.csr_matrix(
        train.astype(np.float32) @ sp.diags(power_or_zero(np.asarray(train.sum(0)).ravel(), -0.5))
    )
    xt = sp.csr_matrix(x.T)

    def score(users: np.ndarray) -> np.ndarray:
        return np.asarray(((x[users] @ xt) @ x).todense(), dtype=np.float32)

    return score


def gfcf_scorer(train: sp.csr_matrix, k: int = 256, alpha: float = 0.3, seed: int = 0) -> Scorer:
    """GF-CF: r_u R~^T R~ + alpha * r_u D_i^-1/2 V_k V_k^T D_i^1/2 with
    R~ = D_u^-1/2 R D_i^-1/2 (the paper's setting for Gowalla: k=256, alpha=0.3): the
    filter family's GF-CF (`trainer.filters.gfcf`), scored exactly."""
    return GFCF(alpha, min(k, min(train.shape) - 1)).fit(train, seed=seed)
