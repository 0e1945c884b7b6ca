"""Histories of different ages in one store, aligned on one clock (torch-free, pure numpy).

A store may hold this year's shop beside a history imported from 2010. Every reader that
counts time back from the store's latest event (the recommender's export, the prediction
refresh) would see the old history as ancient: out of every window, decayed to nothing.
`align_histories` splits the timeline wherever no event happened for longer than
`gap_days` and moves each older history forward so that it ends with the latest one;
inside one history nothing moves (docs/graph-model.md, "Time").
"""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np

DAY_MS = 86_400_000.0
# A stretch with no event at all longer than this separates two histories: the recommender
# export's window, and the longest window a predicted trait's features look back.
HISTORY_GAP_DAYS = 365.0


def align_histories(ms: np.ndarray, anchor: float, gap_days: float | None = HISTORY_GAP_DAYS
                    ) -> tuple[np.ndarray, list[dict]]:
    """Event times (epoch ms) with every older history moved forward to end with the latest
    one, and the histories found. A history is a run of events with no gap longer than
    `gap_days`; only events up to `anchor` count (later ones are left out by the caller)."""
    live = np.sort(ms[ms <= anchor])
    if not len(live):
        return ms, []
    cut = (np.flatnonzero(np.diff(live) > gap_days * DAY_MS) + 1 if gap_days
           else np.zeros(0, dtype=np.int64))
    firsts = live[np.r_[0, cut]]
    lasts = live[np.r_[cut - 1, len(live) - 1]]
    shift = lasts[-1] - lasts  # days each history moves, in ms; the latest one stays
    which = np.clip(np.searchsorted(firsts, ms, side="right") - 1, 0, len(firsts) - 1)
    moved = np.where(ms <= anchor, ms + shift[which], ms)

    def iso(t: float) -> str:
        return datetime.fromtimestamp(t / 1000.0, UTC).isoformat()

    histories = [{"first": iso(f), "last": iso(t), "moved_days": round(float(d) / DAY_MS, 3)}
                 for f, t, d in zip(firsts, lasts, shift, strict=True)]
    return moved, histories
