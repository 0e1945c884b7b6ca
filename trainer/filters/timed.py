"""Every choice on one time carve of train, for time-split data (Online Retail II): the
filter family search, the recency decay of the winner's graph, and the share of a learned
model (LightGCN) in the blend with it, with the learned model's epochs.

The time carve (`recency.time_carve`) is cut like the test split: the graph of events
before the last quarter of the training period, validation the pairs first bought after
it. A random carve of train scores predicting other purchases of the same period, which
ranks settings differently from the next period on this data (docs/benchmarks-gnn.md).
Only training events reach this module; the caller refits the choice on all of train
(`fit_timed`) and scores test once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
import torch

from trainer.data import TimedEvents
from trainer.filters.base import FittedFilter
from trainer.filters.learned import LearnedBlend, LearnedSelection, choose_share, row_scale
from trainer.filters.recency import (
    RecencyChoice,
    choose_recency,
    recency_weights,
    time_carve,
    variants,
)
from trainer.filters.select import Selection, select_on_split


@dataclass
class Trained:
    user_emb: np.ndarray
    item_emb: np.ndarray
    epochs: int  # the epoch kept (early stopping), or the fixed count trained


# trainer(train, (fit, valid) to stop early on | None, fixed epochs | None)
Trainer = Callable[[sp.csr_matrix, tuple[sp.csr_matrix, sp.csr_matrix] | None, int | None],
                   Trained]


@dataclass
class TimedChoice:
    search: Selection
    recency: RecencyChoice
    learned: LearnedSelection | None  # None: no learned side asked for
    epochs: int | None  # the learned model's epochs, chosen on the carve
    cpu_seconds: float
    filter_cpu_seconds: float = 0.0  # the search and the decay alone

    def label(self) -> str:
        out = self.recency.label()
        if self.learned is not None:
            out += f" + LightGCN ({self.epochs} epochs), filter share {self.learned.weight}"
        return out


def choose_on_time_carve(events: TimedEvents, shape: tuple[int, int],
                         trainer: Trainer | None = None, n_val_users: int = 100_000,
                         max_steps: int = 10, seed: int = 0,
                         device: torch.device | str = "cpu",
                         log: Callable[[str], None] = lambda _: None) -> TimedChoice:
    """Family search, recency decay and blend share, all on the same time carve."""
    c0 = time.process_time()
    fit, valid, start = time_carve(events, shape)
    search = select_on_split(fit, valid, n_val_users=n_val_users, max_steps=max_steps,
                             seed=seed, device=device, log=log)
    rc = choose_recency(events, shape, variants(search.chosen), seed=seed, log=log)
    filter_cpu = time.process_time() - c0
    if trainer is None:
        return TimedChoice(search, rc, None, None, filter_cpu, filter_cpu)
    learned = trainer(fit, (fit, valid), None)
    log(f"learned side on the time carve: epoch {learned.epochs} kept")
    fitted = rc.chosen.fit(fit, device, seed,
                           recency_weights(events, shape, rc.kind, rc.tau, until=start))
    share = choose_share(fitted, learned.user_emb, learned.item_emb, fit, valid, device)
    for r in share.table:
        log(f"  filter share {r['filter_weight']}: {r['recall@20']:.4f} / {r['ndcg@20']:.4f}")
    return TimedChoice(search, rc, share, learned.epochs, time.process_time() - c0, filter_cpu)


def fit_timed(train: sp.csr_matrix, events: TimedEvents, choice: TimedChoice,
              trainer: Trainer | None = None, seed: int = 0,
              device: torch.device | str = "cpu") -> FittedFilter | LearnedBlend:
    """The choice refitted on all of train: the filter on the recency-weighted graph (ages
    from the end of train) and, when the blend won with a learned share, the learned model
    trained for the chosen number of epochs."""
    rc = choice.recency
    weights = recency_weights(events, train.shape, rc.kind, rc.tau)
    fitted = rc.chosen.fit(train, device, seed, weights)
    share = choice.learned
    if share is None or share.weight == 1.0:
        return fitted
    if trainer is None:
        raise ValueError("the chosen blend has a learned share: a trainer is needed")
    learned = trainer(train, None, choice.epochs)
    ue = torch.from_numpy(learned.user_emb).to(device)
    ie = torch.from_numpy(learned.item_emb).to(device)
    # Both sides' score sizes measured again on the refitted models (training rows only,
    # no labels), so the share keeps its meaning.
    probe = np.flatnonzero(np.diff(train.indptr) > 0)[:256]
    return LearnedBlend(fitted, ue, ie, share.weight,
                        row_scale(fitted.score_users(probe), train[probe]),
                        row_scale(ue[torch.as_tensor(probe)] @ ie.T, train[probe]))
