"""Reading results every day without inflating false positives: a group-sequential test
with Lan-DeMets O'Brien-Fleming-type alpha spending, alpha(t) = 2 - 2Φ(z_{1-alpha/2} / √t).

Looks are fixed in advance: the end of every UTC day since the start. Reading the results
more often changes nothing (the verdict moves only at day ends). At look k the information
fraction is t_k = n_k / N (shoppers so far over the planned sample size); the boundary c_k is
the one whose crossing probability, given no earlier crossing, spends alpha(t_k) - alpha(t_{k-1}).
An experiment stopped before N has its last look spend all the alpha left.
The joint law of the z statistics is that of Brownian motion, integrated numerically on a
grid (Armitage, McPherson & Rowe 1969; Jennison & Turnbull 2000, ch. 19). The look that
reaches N is the final one and spends all remaining alpha.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
from scipy import optimize, special, stats

GRID = 241  # points per look; errors on the spent alpha stay below 1e-4


def spent(t: float, alpha: float) -> float:
    if t <= 0:
        return 0.0
    if t >= 1:
        return alpha
    # ndtr/ndtri: the normal CDF and its inverse (scipy.special; stats.norm is slower here)
    return float(2 * special.ndtr(special.ndtri(alpha / 2) / math.sqrt(t)))


@dataclass(frozen=True)
class Look:
    t: float  # information fraction (capped at 1)
    z: float
    boundary: float  # |z| at or above this rejects


def _normal_density(z: np.ndarray, sd: float) -> np.ndarray:
    """N(0, sd²) density at z (elementwise; elementary, and much faster than stats.norm.pdf
    on the grid-by-grid kernels)."""
    return np.exp(-0.5 * (z / sd) ** 2) / (sd * math.sqrt(2 * math.pi))


def _grid(b: float) -> tuple[np.ndarray, np.ndarray]:
    """Points on (-b, b) on the Brownian (W) scale with trapezoid weights."""
    w = np.linspace(-b, b, GRID)
    weights = np.full(GRID, w[1] - w[0])
    weights[[0, -1]] /= 2
    return w, weights


def _exit(points: np.ndarray, mass: np.ndarray, b: float, sd: float, drift: float) -> float:
    # ndtr is the normal CDF: ndtr(-x) is the upper tail.
    return float(np.sum(mass * (special.ndtr((points + drift - b) / sd)
                                + special.ndtr((-b - points - drift) / sd))))


def boundaries(fractions: Sequence[float], alpha: float,
               last_is_final: bool = False) -> list[float]:
    """z boundaries c_1..c_K for looks at increasing fractions (the last may be 1). With
    `last_is_final` the last look spends all the alpha left whatever its fraction: the
    final analysis of an experiment stopped before its planned sample (Lan & DeMets 1983)."""
    out: list[float] = []
    points = mass = None  # the sub-density of W(t_{k-1}) on the continuation region
    prev_t, prev_spent = 0.0, 0.0
    for k, t in enumerate(fractions):
        t = min(t, 1.0)
        final = last_is_final and k == len(fractions) - 1
        target = (alpha if final else spent(t, alpha)) - prev_spent
        if points is None or mass is None:
            c = float(-special.ndtri(target / 2)) if target > 0 else math.inf
            b = c * math.sqrt(t)
        else:
            sd = math.sqrt(t - prev_t)
            pts, ms = points, mass

            def excess(bb: float, pts: np.ndarray = pts, ms: np.ndarray = ms,
                       sd: float = sd, target: float = target) -> float:
                return _exit(pts, ms, bb, sd, 0.0) - target

            hi = 20.0 * math.sqrt(t)
            b = hi if target <= 0 or excess(hi) > 0 else optimize.brentq(excess, 1e-9, hi,
                                                                          xtol=1e-7)
            c = b / math.sqrt(t)
        out.append(c)
        new_points, weights = _grid(b)
        if points is None or mass is None:
            density = _normal_density(new_points, math.sqrt(t))
        else:
            sd = math.sqrt(t - prev_t)
            density = _normal_density(new_points[:, None] - points[None, :], sd) @ mass
        points, mass = new_points, density * weights
        prev_spent, prev_t = spent(t, alpha), t
        if t >= 1 or final:
            break
    return out


def read(fractions: Sequence[float], zs: Sequence[float], alpha: float) -> tuple[list[Look],
                                                                                  int | None]:
    """The looks with their boundaries, and the index of the first crossing (or None).
    Looks that add no information are skipped; none is read after the final one."""
    kept_t: list[float] = []
    kept_z: list[float] = []
    for t, z in zip(fractions, zs, strict=True):
        if not math.isfinite(z) or t <= (kept_t[-1] if kept_t else 0.0) or t <= 0:
            continue
        kept_t.append(min(t, 1.0))
        kept_z.append(z)
        if t >= 1:
            break
    cs = boundaries(kept_t, alpha)
    looks = [Look(t, z, c) for t, z, c in zip(kept_t, kept_z, cs, strict=True)]
    crossed = next((i for i, look in enumerate(looks) if abs(look.z) >= look.boundary), None)
    return looks, crossed


def power(looks: int, alpha: float, drift: float,
          cs: Sequence[float] | None = None) -> float:
    """Probability of crossing (either side) with `looks` equally spaced looks when
    E[Z at t=1] = drift."""
    fractions = [(k + 1) / looks for k in range(looks)]
    cs = boundaries(fractions, alpha) if cs is None else cs
    total, prev_t = 0.0, 0.0
    points = mass = None
    for t, c in zip(fractions, cs, strict=True):
        b = c * math.sqrt(t)
        dt = t - prev_t
        if points is None or mass is None:
            total += float(stats.norm.sf((b - drift * t) / math.sqrt(t))
                           + stats.norm.cdf((-b - drift * t) / math.sqrt(t)))
            new_points, weights = _grid(b)
            density = _normal_density(new_points - drift * t, math.sqrt(t))
        else:
            sd = math.sqrt(dt)
            total += _exit(points, mass, b, sd, drift * dt)
            new_points, weights = _grid(b)
            density = _normal_density(new_points[:, None] - points[None, :] - drift * dt,
                                      sd) @ mass
        points, mass, prev_t = new_points, density * weights, t
    return total


@lru_cache(maxsize=256)
def inflation(looks: int, alpha: float, target_power: float) -> float:
    """Sample size of the sequential design over that of the fixed-horizon test."""
    fixed = float(stats.norm.isf(alpha / 2) + stats.norm.ppf(target_power))
    if looks <= 1:
        return 1.0
    cs = boundaries([(k + 1) / looks for k in range(looks)], alpha)
    drift = optimize.brentq(lambda d: power(looks, alpha, d, cs) - target_power, fixed * 0.8,
                            fixed * 2.0, xtol=1e-6)
    return (drift / fixed) ** 2
