"""GF-CF (Shen et al., CIKM 2021): the linear filter P = R~^T R~ plus an ideal
low-pass filter on the top eigenvectors, D^-1/2 V V^T D^1/2, weighted by `alpha`."""

from __future__ import annotations

from dataclasses import dataclass

from recmodel.operator import FilterTerm
from trainer.filters import polynomials
from trainer.filters.base import GraphFilter


@dataclass(frozen=True)
class GFCF(GraphFilter):
    alpha: float = 0.3
    ideal_dim: int = 256

    family = "gfcf"

    def terms(self) -> list[FilterTerm]:
        linear = FilterTerm(polynomials.from_monomials([0.0, 1.0]))
        if self.alpha == 0 or self.ideal_dim == 0:
            return [linear]
        ideal = FilterTerm((self.alpha,), pre=0.5, ideal_dim=self.ideal_dim, mid=0.5)
        return [linear, ideal]

    @classmethod
    def grid(cls) -> list[GFCF]:
        return [cls(a, d) for d in (256, 512) for a in (0.1, 0.3, 0.5)]
