"""Recency edge weights of a time-stamped graph, numpy/scipy only (the quick build runs
without torch): a pair's weight is a decay of its age at the end of the period, the days
since the user's latest event on the item, w = exp(-age / tau) or 1 / (1 + age / tau)
(trainer/filters/recency.py chooses the decay on the time carve)."""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from trainer.data import TimedEvents


def decay(age: np.ndarray, kind: str, tau: float | None) -> np.ndarray:
    """Weights for ages in days (>= 0); kind 'none' or tau None gives ones."""
    age = np.maximum(np.asarray(age, dtype=np.float64), 0.0)
    if tau is None or kind == "none":
        return np.ones_like(age)
    if kind == "exp":
        return np.exp(-age / tau)
    if kind == "hyperbolic":
        return 1.0 / (1.0 + age / tau)
    raise ValueError(f"unknown decay kind {kind!r}")


def last_seen(events: TimedEvents, shape: tuple[int, int],
              until: float | None = None) -> sp.csr_matrix:
    """Days of each pair's latest event before `until` (default: all events), on the
    pattern of the binary matrix of those events."""
    keep = slice(None) if until is None else events.days < until
    rows, cols, days = events.rows[keep], events.cols[keep], events.days[keep]
    order = np.lexsort((days, cols, rows))  # the latest event last within each pair
    rows, cols, days = rows[order], cols[order], days[order]
    last = np.r_[(rows[1:] != rows[:-1]) | (cols[1:] != cols[:-1]), True]
    # + 1 keeps day 0 an explicit entry; subtracted below.
    out = sp.csr_matrix((days[last] + 1.0, (rows[last], cols[last])), shape=shape)
    out.sort_indices()
    out.data -= 1.0
    return out


def recency_weights(events: TimedEvents, shape: tuple[int, int], kind: str,
                    tau: float | None, until: float | None = None) -> sp.csr_matrix:
    """Edge weights of the graph of events before `until` (default: the end of train),
    each pair's age counted from that time."""
    end = events.end if until is None else until
    seen = last_seen(events, shape, until)
    out = seen.copy()
    out.data = decay(end - seen.data, kind, tau).astype(np.float32)
    return out
