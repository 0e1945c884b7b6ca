"""Every choice on one time carve of train (`trainer.filters.timed`): the family search, the
recency decay, the learned model's epochs and its share in the blend; the refit trains the
chosen epochs on all of train and blends at the chosen share."""

from __future__ import annotations

import inspect
from dataclasses import replace

import numpy as np
import scipy.sparse as sp
import torch

from tests.trainer.test_recency import events
from trainer.data import Interactions, binary_csr
from trainer.filters.base import FittedFilter
from trainer.filters.learned import LearnedBlend, row_scale
from trainer.filters.recency import time_carve
from trainer.filters.timed import Trained, choose_on_time_carve, fit_timed
from trainer.lightgcn.train import TrainConfig, train_lightgcn

SHAPE = (80, 24)
CFG = TrainConfig(max_epochs=20, eval_every=5, batch_size=256, threads=1, device="cpu")


class Recorder:
    """LightGCN, recording what each call was given."""

    def __init__(self) -> None:
        self.calls: list[tuple[sp.csr_matrix, tuple | None, int | None]] = []

    def __call__(self, matrix, val, epochs) -> Trained:
        self.calls.append((matrix, val, epochs))
        part = Interactions("t", matrix, sp.csr_matrix(matrix.shape),
                            [str(u) for u in range(SHAPE[0])], [str(i) for i in range(SHAPE[1])])
        if epochs is None:
            res = train_lightgcn(part, CFG, val=val)
            return Trained(res.user_emb, res.item_emb, res.best_epoch)
        fixed = replace(CFG, max_epochs=epochs, eval_every=epochs, patience=1)
        res = train_lightgcn(part, fixed, val=(matrix, sp.csr_matrix(matrix.shape)))
        return Trained(res.user_emb, res.item_emb, epochs)


def test_search_decay_epochs_and_share_all_come_from_the_time_carve():
    ev, rec = events(), Recorder()
    choice = choose_on_time_carve(ev, SHAPE, rec)
    fit, valid, _ = time_carve(ev, SHAPE)
    assert len(rec.calls) == 1
    matrix, val, epochs = rec.calls[0]
    assert epochs is None and (matrix != fit).nnz == 0
    assert (val[0] != fit).nnz == 0 and (val[1] != valid).nnz == 0  # early stopping on it
    assert choice.epochs in range(5, CFG.max_epochs + 1, 5)
    # The search scored every validation user of the carve; the share grid was scored.
    assert choice.search.val_users == int((np.diff(valid.indptr) > 0).sum())
    assert {r["filter_weight"] for r in choice.learned.table} >= {0.0, 0.5, 1.0}
    assert choice.learned.val.recall == max(r["recall@20"] for r in choice.learned.table)
    # Only training events and the shape reach the choice: there is no test to read.
    assert list(inspect.signature(choose_on_time_carve).parameters)[:2] == ["events", "shape"]


def test_refit_trains_the_chosen_epochs_on_all_of_train_and_blends_at_the_share():
    ev, rec = events(), Recorder()
    train = binary_csr(ev.rows, ev.cols, SHAPE)
    choice = choose_on_time_carve(ev, SHAPE, rec)
    choice = replace(choice, learned=replace(choice.learned, weight=0.4), epochs=7)
    model = fit_timed(train, ev, choice, rec)
    matrix, val, epochs = rec.calls[-1]
    assert epochs == 7 and val is None and (matrix != train).nnz == 0
    assert isinstance(model, LearnedBlend) and model.weight == 0.4
    users = np.arange(10)
    probe = np.arange(SHAPE[0])  # every user has training items
    filt = model.filter.score_users(users)
    emb = model.user_emb[torch.as_tensor(users)] @ model.item_emb.T
    f_scale = row_scale(model.filter.score_users(probe), train[probe])
    e_scale = row_scale(model.user_emb @ model.item_emb.T, train[probe])
    expect = 0.4 * filt / f_scale + 0.6 * emb / e_scale
    torch.testing.assert_close(model(users), expect, rtol=1e-5, atol=1e-6)
    # The filter side is the recency-weighted graph the carve chose, ages from the end.
    assert model.filter.label == choice.recency.chosen.label()


def test_a_filter_alone_needs_no_learned_model():
    ev = events()
    train = binary_csr(ev.rows, ev.cols, SHAPE)
    choice = choose_on_time_carve(ev, SHAPE)
    assert choice.learned is None and choice.epochs is None
    assert isinstance(fit_timed(train, ev, choice), FittedFilter)
    rec = Recorder()
    full = choose_on_time_carve(ev, SHAPE, rec)
    only_filter = replace(full, learned=replace(full.learned, weight=1.0))
    assert isinstance(fit_timed(train, ev, only_filter, rec), FittedFilter)
    assert len(rec.calls) == 1  # no refit of a learned side whose share is 0
