"""ChebyCF (Kim et al., SIGIR 2025): a smooth low-pass response (a "plateau" of
flatness phi) approximated by Chebyshev interpolation of order K, an ideal pass
filter on the top eigenvectors weighted by `ideal_weight`, and item-degree
normalization (input * d^-beta, output * d^beta)."""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from recmodel.operator import FilterTerm
from trainer.filters import polynomials
from trainer.filters.base import GraphFilter


def plateau(flatness: float):
    """Response in lambda: 1 at lambda = 1, 0 at lambda = 0, 1/2 at 1/2, and the
    flatter around both ends the larger `flatness` (y = 1 - 2 lambda, ChebyCF's form)."""

    def h(lam: np.ndarray) -> np.ndarray:
        y = 1.0 - 2.0 * np.asarray(lam)
        return 0.5 - 0.5 * np.sign(y) * np.abs(y) ** flatness

    return h


@dataclass(frozen=True)
class ChebyCF(GraphFilter):
    order: int = 8
    flatness: float = 1.5
    ideal_dim: int = 512
    ideal_weight: float = 0.2
    beta: float = 0.4

    family = "chebycf"

    def terms(self) -> list[FilterTerm]:
        cheb = polynomials.interpolate(plateau(self.flatness), self.order)
        main = FilterTerm(cheb, pre=self.beta, post=self.beta)
        if self.ideal_weight == 0 or self.ideal_dim == 0:
            return [main]
        ideal = FilterTerm(
            (self.ideal_weight,), pre=self.beta, post=self.beta, ideal_dim=self.ideal_dim
        )
        return [main, ideal]

    def around(self) -> list[ChebyCF]:
        """The finer grid next to this configuration (coarse-to-fine search): flatness
        and ideal weight change only coefficients, so the neighbours reuse its bases."""
        return [
            replace(self, flatness=f, ideal_weight=w)
            for f in sorted({self.flatness * m for m in (0.75, 1.0, 1.5)})
            for w in sorted({max(0.05, round(self.ideal_weight + d, 3)) for d in (-0.1, 0.0, 0.1)})
            if (f, w) != (self.flatness, self.ideal_weight)
        ]

    @classmethod
    def grid(cls) -> list[ChebyCF]:
        return [
            cls(order=8, flatness=f, ideal_dim=d, ideal_weight=w, beta=b)
            for b in (0.2, 0.35, 0.5)
            for f in (1.0, 2.0, 5.0, 15.0)
            for w in (0.1, 0.3)
            for d in (256, 512)
        ]
