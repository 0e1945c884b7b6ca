"""LightGCN on torch_geometric, propagating a pre-normalized sparse CSR adjacency.

The stock `torch_geometric.nn.LightGCN` normalizes a COO edge_index and runs
gather/scatter message passing on every call. Here the convolutions receive the
symmetric-normalized adjacency once (torch sparse CSR) and the backward pass
reuses the same matrix (A is symmetric, so dL/dx = A @ dL/dy), which avoids the
slow CSR-transpose autograd path of `torch.sparse.mm`.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor
from torch_geometric.nn import LGConv, LightGCN


class _SymmetricSpMM(torch.autograd.Function):
    """y = A @ x for a symmetric sparse A, with the gradient computed as A @ grad."""

    @staticmethod
    def forward(ctx, adj: Tensor, x: Tensor) -> Tensor:  # type: ignore[override]
        ctx.adj = adj
        return adj @ x

    @staticmethod
    def backward(ctx, grad: Tensor) -> tuple[None, Tensor]:  # type: ignore[override]
        return None, ctx.adj @ grad


class SymmetricLGConv(LGConv):
    """LGConv for a pre-normalized symmetric sparse adjacency (no per-call gcn_norm)."""

    def __init__(self) -> None:
        super().__init__(normalize=False)

    def forward(self, x: Tensor, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        if edge_index.layout in (torch.sparse_csr, torch.sparse_coo):
            return _SymmetricSpMM.apply(edge_index, x)
        return super().forward(x, edge_index, edge_weight)


class FastLightGCN(LightGCN):
    """`torch_geometric.nn.LightGCN` whose layers propagate a symmetric sparse adjacency."""

    def __init__(
        self, num_users: int, num_items: int, embedding_dim: int = 64, num_layers: int = 3
    ) -> None:
        super().__init__(num_users + num_items, embedding_dim, num_layers)
        self.num_users = num_users
        self.num_items = num_items
        self.convs = torch.nn.ModuleList([SymmetricLGConv() for _ in range(num_layers)])

    def get_embedding(self, edge_index: Tensor, edge_weight: Tensor | None = None) -> Tensor:
        """Same result as the parent; with equal layer weights (the default) it sums the
        layers and scales once, saving a full-size multiply per layer and step."""
        if not bool((self.alpha == self.alpha[0]).all()):
            return super().get_embedding(edge_index, edge_weight)
        x = self.embedding.weight
        out = x
        for conv in self.convs:
            x = conv(x, edge_index, edge_weight)
            out = out + x
        return out * self.alpha[0]

    def split_embedding(self, adj: Tensor) -> tuple[Tensor, Tensor]:
        """Final (layer-averaged) user and item embeddings."""
        out = self.get_embedding(adj)
        return out[: self.num_users], out[self.num_users :]


def bpr_loss(
    final: Tensor, ego: Tensor, users: Tensor, pos: Tensor, neg: Tensor, weight_decay: float
) -> tuple[Tensor, Tensor]:
    """BPR loss and L2 on the layer-0 embeddings of the batch, as the LightGCN paper's
    code does (`reg * (|u|^2 + |i|^2 + |j|^2) / 2 / batch`). Item ids are node ids here."""
    u, p, n = final[users], final[pos], final[neg]
    diff = (u * p).sum(-1) - (u * n).sum(-1)
    loss = F.softplus(-diff).mean()
    reg = (
        (ego[users].pow(2).sum() + ego[pos].pow(2).sum() + ego[neg].pow(2).sum())
        / 2
        / users.numel()
    )
    return loss + weight_decay * reg, loss.detach()
