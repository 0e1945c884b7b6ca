"""BSPM (Choi et al., ICML 2023): blur the interaction signal with the linear and
ideal filters, then sharpen it by running dr/dt = -r P backwards in heat.

Both processes are linear ODEs in P, so a fixed-step solver yields a polynomial:
one Euler step of length h is I - hP, one RK4 step its 4th-order Taylor polynomial
(any 4-stage 4th-order Runge-Kutta scheme gives that polynomial on a linear ODE).
The output is (beta * ideal(r) + r blur(P)) sharpen(P) with `sharpen_ideal`
(BSPM's final sharpening), r blur(P) sharpen(P) + beta * ideal(r) without.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from math import factorial

from numpy.polynomial import Polynomial

from recmodel.operator import FilterTerm
from trainer.filters import polynomials
from trainer.filters.base import GraphFilter


def euler_or_rk4_step(h: float, solver: str) -> Polynomial:
    """One step of dr/dt = -r P as a polynomial in P."""
    steps = {"euler": 1, "rk4": 4}[solver]
    return Polynomial([(-h) ** j / factorial(j) for j in range(steps + 1)])


@dataclass(frozen=True)
class BSPM(GraphFilter):
    t_blur: float = 1.0  # one Euler step of dr/dt = r (P - I)
    t_sharp: float = 2.5
    sharp_steps: int = 1
    solver: str = "rk4"
    ideal_weight: float = 0.2  # BSPM's idl_beta
    ideal_dim: int = 448
    sharpen_ideal: bool = True

    family = "bspm"

    def terms(self) -> list[FilterTerm]:
        blur = Polynomial([1.0 - self.t_blur, self.t_blur])
        sharpen = euler_or_rk4_step(self.t_sharp / self.sharp_steps, self.solver) ** (
            self.sharp_steps
        )
        linear = FilterTerm(polynomials.from_monomials((blur * sharpen).coef))
        if self.ideal_weight == 0 or self.ideal_dim == 0:
            return [linear]
        ideal_poly = sharpen if self.sharpen_ideal else Polynomial([1.0])
        ideal = FilterTerm(
            polynomials.from_monomials((self.ideal_weight * ideal_poly).coef),
            pre=0.5,
            ideal_dim=self.ideal_dim,
            mid=0.5,
        )
        return [linear, ideal]

    def around(self) -> list[BSPM]:
        """The finer grid next to this configuration (coarse-to-fine search): sharpening
        time and ideal weight change only coefficients, so every neighbour reuses the
        coarse winner's propagated bases."""
        return [
            replace(self, t_sharp=ts, ideal_weight=w)
            for ts in sorted({max(0.0, self.t_sharp + d) for d in (-0.5, -0.25, 0.0, 0.25, 0.5)})
            for w in sorted({max(0.05, round(self.ideal_weight + d, 3)) for d in (-0.1, 0.0, 0.1)})
            if (ts, w) != (self.t_sharp, self.ideal_weight)
        ]

    @classmethod
    def grid(cls) -> list[BSPM]:
        return [
            cls(t_sharp=ts, ideal_weight=w, ideal_dim=d)
            for ts in (0.0, 1.0, 2.0, 2.5)
            for w in (0.2, 0.3)
            for d in (256, 512)
        ]
