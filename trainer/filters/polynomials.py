"""Filter responses as Chebyshev coefficients in y = 1 - 2*lambda (numpy only).

lambda is an eigenvalue of the item-item operator P = R~^T R~ (1 = smoothest signal,
0 = noise); y is the matching eigenvalue of L~ = I - 2P, the argument of T_k.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from numpy.polynomial import Chebyshev, Polynomial
from numpy.polynomial import chebyshev as C


def from_monomials(coeffs: Sequence[float]) -> tuple[float, ...]:
    """sum_k a_k P^k (a polynomial in lambda) -> Chebyshev coefficients in y."""
    in_lambda = Polynomial(np.asarray(coeffs, dtype=np.float64))
    in_y = in_lambda(Polynomial([0.5, -0.5]))  # lambda = (1 - y) / 2
    cheb = in_y.convert(kind=Chebyshev).coef
    return tuple(float(c) for c in cheb)


def interpolate(response: Callable[[np.ndarray], np.ndarray], order: int) -> tuple[float, ...]:
    """Chebyshev interpolant of order `order` of a response given as a function of
    lambda, through the Chebyshev nodes of the first kind (ChebyCF's construction)."""
    cheb = C.chebinterpolate(lambda y: response((1.0 - y) / 2.0), order)
    return tuple(float(c) for c in cheb)


def response(cheb: Sequence[float], lam: np.ndarray) -> np.ndarray:
    """The spectral response h(lambda) of Chebyshev coefficients `cheb`."""
    return C.chebval(1.0 - 2.0 * np.asarray(lam, dtype=np.float64), np.asarray(cheb))


def product(a: Sequence[float], b: Sequence[float]) -> tuple[float, ...]:
    """Coefficients of the product of two responses (filters applied one after the other)."""
    return tuple(float(c) for c in C.chebmul(np.asarray(a), np.asarray(b)))
