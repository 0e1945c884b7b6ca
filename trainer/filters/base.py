"""The small API every graph filter shares: `fit(train)` -> a fitted filter that
scores users (for evaluation) or any interaction rows (for serving), and hands out
its item-item operator (for the artifact)."""

from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import asdict, dataclass

import numpy as np
import scipy.sparse as sp
import torch

from recmodel.operator import FilterOperator, FilterTerm
from trainer.filters.propagation import FilterGraph, apply_terms, ideal_factors


class GraphFilter(ABC):
    """A training-free filter over the normalized interaction graph, given by its
    hyperparameters (subclasses are frozen dataclasses) and the terms they imply."""

    family: str = "filter"

    @abstractmethod
    def terms(self) -> list[FilterTerm]:
        """The operator (see recmodel.operator) of these hyperparameters."""

    def params(self) -> dict:
        return asdict(self) if hasattr(self, "__dataclass_fields__") else {}

    def label(self) -> str:
        inner = ", ".join(f"{k}={v}" for k, v in self.params().items())
        return f"{self.family}({inner})"

    def fit(
        self, train: sp.csr_matrix, device: torch.device | str = "cpu", seed: int = 0,
        weights: sp.csr_matrix | None = None,
    ) -> FittedFilter:
        """`weights`: optional edge weights of the graph (see `FilterGraph`)."""
        graph = FilterGraph(train, device, weights)
        return FittedFilter.build(graph, self.terms(), self.label(), seed)


def ideal_dim(terms: list[FilterTerm]) -> int:
    return max((t.ideal_dim for t in terms), default=0)


@dataclass
class FittedFilter:
    """Terms bound to a training graph (and its eigenvectors when a term needs them)."""

    graph: FilterGraph
    terms: list[FilterTerm]
    eigvecs: torch.Tensor | None
    label: str = "filter"
    ideal: dict[int, torch.Tensor] | None = None  # ideal terms' Q_t (`ideal_factors`)

    @classmethod
    def build(
        cls, graph: FilterGraph, terms: list[FilterTerm], label: str, seed: int = 0
    ) -> FittedFilter:
        dim = ideal_dim(terms)
        eig = graph.eigvecs(dim, seed=seed) if dim else None
        ideal = ideal_factors(graph, terms, eig) if dim else None
        return cls(graph, terms, eig, label, ideal)

    def score_rows(self, rows: sp.csr_matrix | np.ndarray) -> torch.Tensor:
        """Scores (n_rows, n_items) for arbitrary interaction rows over the items."""
        dense = rows.toarray() if sp.issparse(rows) else np.asarray(rows)
        x = torch.from_numpy(np.ascontiguousarray(dense.T, dtype=np.float32)).to(self.graph.device)
        return apply_terms(self.graph, self.terms, x, self.eigvecs, self.ideal).T.contiguous()

    def score_users(self, users: np.ndarray) -> torch.Tensor:
        """Scores of training users from their training rows (a `trainer.metrics.Scorer`)."""
        x = self.graph.rows(np.asarray(users))
        return apply_terms(self.graph, self.terms, x, self.eigvecs, self.ideal).T.contiguous()

    __call__ = score_users

    def operator(self) -> FilterOperator:
        """The torch-free operator for export (training matrix, eigenvectors, terms)."""
        tr = self.graph.train
        weighted = self.graph.weighted is not tr
        eig = None if self.eigvecs is None else self.eigvecs.cpu().numpy().astype(np.float32)
        return FilterOperator(
            list(self.terms),
            tr.shape[0],
            tr.shape[1],
            tr.indptr.astype(np.int64),
            tr.indices.astype(np.int32),
            eig,
            {"label": self.label},
            self.graph.weighted.data.astype(np.float32) if weighted else None,
        )
