"""The bipartite user-item graph as tensors: the symmetric-normalized adjacency
D^-1/2 A D^-1/2 (built once, as torch sparse CSR) and a COO edge_index for the
stock PyG path. Node ids: users 0..U-1, items U..U+I-1."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp
import torch


def bipartite_adjacency(train: sp.csr_matrix, weight: sp.csr_matrix | None = None) -> sp.csr_matrix:
    """Symmetric (U+I) x (U+I) adjacency [[0, R], [R^T, 0]]; R may carry edge weights."""
    r = (weight if weight is not None else train).astype(np.float32)
    return sp.bmat([[None, r], [r.T, None]], format="csr", dtype=np.float32)


def normalize_symmetric(adj: sp.csr_matrix) -> sp.csr_matrix:
    """D^-1/2 A D^-1/2, isolated nodes left at zero (as LightGCN does)."""
    deg = np.asarray(adj.sum(axis=1)).ravel()
    with np.errstate(divide="ignore"):
        inv_sqrt = np.power(deg, -0.5)
    inv_sqrt[~np.isfinite(inv_sqrt)] = 0.0
    d = sp.diags(inv_sqrt.astype(np.float32))
    return sp.csr_matrix(d @ adj @ d, dtype=np.float32)


def to_torch_csr(m: sp.csr_matrix, device: torch.device | str = "cpu") -> torch.Tensor:
    """scipy CSR -> torch sparse CSR (int64 indices, float32 values)."""
    m = m.tocsr()
    m.sort_indices()
    return torch.sparse_csr_tensor(
        torch.from_numpy(m.indptr.astype(np.int64)),
        torch.from_numpy(m.indices.astype(np.int64)),
        torch.from_numpy(m.data.astype(np.float32)),
        size=m.shape,
        device=device,
    )


def normalized_adjacency(
    train: sp.csr_matrix, weight: sp.csr_matrix | None = None, device: torch.device | str = "cpu"
) -> torch.Tensor:
    """Pre-normalized LightGCN propagation matrix as torch sparse CSR."""
    return to_torch_csr(normalize_symmetric(bipartite_adjacency(train, weight)), device)


def edge_index(train: sp.csr_matrix, device: torch.device | str = "cpu") -> torch.Tensor:
    """COO edge_index (both directions) as the stock PyG LightGCN example uses."""
    coo = train.tocoo()
    u = torch.from_numpy(coo.row.astype(np.int64))
    i = torch.from_numpy(coo.col.astype(np.int64)) + train.shape[0]
    return torch.stack([torch.cat([u, i]), torch.cat([i, u])]).to(device)
