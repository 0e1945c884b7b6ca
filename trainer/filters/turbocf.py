"""Turbo-CF (Park et al., SIGIR 2024): a polynomial low-pass filter over the item
graph built from R~ = D_u^-alpha R D_i^-(1-alpha), no decomposition at all.

Filters of order n are 1 - (I - P)^n (order 1: P, the linear filter; order 2:
2P - P^2, ...). Turbo-CF's element-wise power of P is left out: it needs the explicit
item-item matrix, which on Gowalla holds 42 M non-zeros and makes every dense
propagation step ~25x dearer than the factored R~^T (R~ z) used here."""

from __future__ import annotations

from dataclasses import dataclass
from math import comb

from recmodel.operator import FilterTerm
from trainer.filters import polynomials
from trainer.filters.base import GraphFilter


def low_pass(order: int) -> list[float]:
    """Monomial coefficients of 1 - (1 - x)^order."""
    coeffs = [-comb(order, k) * (-1.0) ** k for k in range(order + 1)]
    coeffs[0] += 1.0
    return coeffs


@dataclass(frozen=True)
class TurboCF(GraphFilter):
    alpha: float = 0.5
    order: int = 1

    family = "turbocf"

    def terms(self) -> list[FilterTerm]:
        cheb = polynomials.from_monomials(low_pass(self.order))
        return [FilterTerm(cheb, graph=(self.alpha, 1.0 - self.alpha))]

    @classmethod
    def grid(cls) -> list[TurboCF]:
        return [cls(a, o) for a in (0.5, 0.6, 0.7) for o in (1, 2, 3)]
