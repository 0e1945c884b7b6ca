"""Recency-weighted interaction graphs (`trainer.filters.recency`): weights from timestamps as
documented, no decay reproduces the binary graph exactly, the weighted filter exports to
the same factor form, and the decay is chosen on a time carve of train only."""

from __future__ import annotations

import inspect
from pathlib import Path

import numpy as np
import pandas as pd
import scipy.sparse as sp

from recmodel.operator import FilterOperator
from trainer.data import TimedEvents, binary_csr, load_online_retail
from trainer.factorize import factorize
from trainer.filters.chebycf import ChebyCF
from trainer.filters.propagation import FilterGraph
from trainer.filters.recency import choose_recency, time_carve, variants
from trainer.recency_weights import decay, last_seen, recency_weights

FILTER = ChebyCF(order=6, flatness=2.0, ideal_dim=8, ideal_weight=0.2, beta=0.3)


def events(n_users: int = 80, n_items: int = 24, seed: int = 0) -> TimedEvents:
    """Users of group g bought group g's items long ago and group (g + 1)'s recently, with
    repeats: the recent taste is what the next period buys."""
    rng = np.random.default_rng(seed)
    item_group = np.arange(n_items) % 4
    rows, cols, days = [], [], []
    for u in range(n_users):
        g = u % 4
        for item in rng.choice(np.flatnonzero(item_group == g), 5, replace=False):
            for _ in range(2):  # repeat purchases, both old
                rows.append(u), cols.append(item), days.append(rng.uniform(0, 40))
        recent = np.flatnonzero(item_group == (g + 1) % 4)
        for item in rng.choice(recent, 5, replace=False):
            rows.append(u), cols.append(item), days.append(rng.uniform(60, 100))
    return TimedEvents(np.array(rows), np.array(cols), np.array(days), end=100.0)


def drifting(themes: int = 6) -> TimedEvents:
    """Item a_j was bought with b_j long ago and with c_j lately; the latest users bought
    a_j before day 70 and c_j after it. Only a graph that weighs recent pairs more ranks
    c_j above b_j for them (10 old co-purchases per theme against 5 recent ones)."""
    rng = np.random.default_rng(0)
    rows, cols, days = [], [], []

    def buy(u: int, item: int, lo: float, hi: float) -> None:
        rows.append(u), cols.append(item), days.append(rng.uniform(lo, hi))

    for u in range(10 * themes):  # a_j + b_j, days 0-40
        buy(u, 3 * (u % themes), 0, 40), buy(u, 3 * (u % themes) + 1, 0, 40)
    for u in range(10 * themes, 15 * themes):  # a_j + c_j, days 50-65
        buy(u, 3 * (u % themes), 50, 65), buy(u, 3 * (u % themes) + 2, 50, 65)
    for u in range(15 * themes, 20 * themes):  # a_j, then c_j in the validation period
        buy(u, 3 * (u % themes), 60, 68), buy(u, 3 * (u % themes) + 2, 75, 100)
    return TimedEvents(np.array(rows), np.array(cols), np.array(days), end=100.0)


def test_decay_kinds_match_their_formulas():
    age = np.array([0.0, 10.0, 30.0, -5.0])  # a negative age counts as 0
    np.testing.assert_allclose(decay(age, "exp", 10.0), np.exp(-np.array([0, 1, 3, 0.0])))
    np.testing.assert_allclose(decay(age, "hyperbolic", 10.0), 1 / (1 + np.array([0, 1, 3, 0.0])))
    assert (decay(age, "none", None) == 1.0).all() and (decay(age, "exp", None) == 1.0).all()


def test_weights_come_from_each_pairs_latest_purchase():
    ev = TimedEvents(np.array([0, 0, 0, 1]), np.array([1, 1, 2, 0]),
                     np.array([10.0, 70.0, 40.0, 0.0]), end=100.0)
    seen = last_seen(ev, (2, 3))
    assert seen.toarray().tolist() == [[0, 70, 40], [0, 0, 0]] and seen.nnz == 3  # day 0 kept
    w = recency_weights(ev, (2, 3), "exp", 30.0).toarray()
    np.testing.assert_allclose(w, [[0, np.exp(-1), np.exp(-2)], [np.exp(-100 / 30), 0, 0]],
                               rtol=1e-6)
    # Counted from an earlier time, later events do not exist yet.
    early = recency_weights(ev, (2, 3), "exp", 30.0, until=50.0).toarray()
    np.testing.assert_allclose(early, [[0, np.exp(-40 / 30), np.exp(-10 / 30)],
                                       [np.exp(-50 / 30), 0, 0]], rtol=1e-6)


def test_no_decay_reproduces_the_binary_graph_exactly():
    ev = events()
    train = binary_csr(ev.rows, ev.cols, (80, 24))
    ones = recency_weights(ev, train.shape, "none", None)
    plain, weighted = FilterGraph(train), FilterGraph(train, weights=ones)
    for a, b in zip(plain.normalized((0.5, 0.5)), weighted.normalized((0.5, 0.5)), strict=True):
        assert np.array_equal(a.to_dense().numpy(), b.to_dense().numpy())
    users = np.arange(80)
    s0 = FILTER.fit(train).score_users(users).numpy()
    s1 = FILTER.fit(train, weights=ones).score_users(users).numpy()
    assert np.array_equal(s0, s1)


def test_weights_change_the_graph_and_the_served_factor_form_follows():
    ev = events()
    train = binary_csr(ev.rows, ev.cols, (80, 24))
    w = recency_weights(ev, train.shape, "exp", 20.0)
    fitted = FILTER.fit(train, weights=w)
    exact = fitted.score_users(np.arange(80)).numpy()
    assert not np.allclose(exact, FILTER.fit(train).score_users(np.arange(80)).numpy(),
                           atol=1e-3)
    op = fitted.operator()
    assert op.weights is not None and np.allclose(op.item_degree, np.asarray(w.sum(0)).ravel())
    again = FilterOperator.from_arrays(*op.to_arrays())
    unseen = train.toarray() == 0
    for u in (0, 5, 33):  # the torch-free reference operator scores like the fitted filter
        np.testing.assert_allclose(again.score(train[u].indices)[unseen[u]],
                                   exact[u][unseen[u]], rtol=1e-3, atol=1e-5)
    fac = factorize(op, train.shape[1])  # full rank: the factor form is the filter
    np.testing.assert_allclose(fac.scores(train)[unseen], exact[unseen], rtol=1e-3, atol=1e-4)


def test_time_carve_holds_out_new_pairs_of_the_latest_period():
    ev = TimedEvents(np.array([0, 0, 0, 1, 1, 2, 1, 3]), np.array([0, 1, 0, 1, 2, 2, 3, 0]),
                     np.array([0.0, 10.0, 90.0, 20.0, 85.0, 5.0, 88.0, 95.0]), end=100.0)
    fit, valid, start = time_carve(ev, (4, 4), fraction=0.2)
    assert start == 80.0
    assert fit.toarray().tolist() == [[1, 1, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0]]
    # (0, 0) is a repeat, item 3 and user 3 are unknown to the fit graph: only (1, 2) is
    # validation.
    assert valid.toarray().tolist() == [[0, 0, 0, 0], [0, 0, 1, 0], [0, 0, 0, 0], [0] * 4]


def test_decay_is_chosen_on_the_time_carve_and_beats_no_decay_when_taste_moves():
    ev = drifting()
    flt = ChebyCF(order=6, flatness=2.0, ideal_dim=0, ideal_weight=0.0, beta=0.3)
    choice = choose_recency(ev, (120, 18), variants(flt, betas=(0.1,)),
                            taus=(("none", None), ("exp", 10.0)), fraction=0.3, k=1)
    by = {(r["filter"], r["tau"]): r["recall@1"] for r in choice.table}
    assert len(by) == 4 and choice.tau == 10.0 and choice.val["users"] == 30
    assert choice.val["recall@1"] > by[(flt.label(), None)] + 0.5
    # Only training events and the shape reach the choice: there is no test to read.
    assert list(inspect.signature(choose_recency).parameters)[:3] == [
        "events", "shape", "candidates"]


def test_online_retail_keeps_its_training_events(tmp_path: Path):
    df = pd.DataFrame(
        [("1", "A", 1, "2010-01-01 00:00", 1.0), ("2", "A", 1, "2010-01-03 00:00", 1.0),
         ("3", "B", 1, "2010-01-05 00:00", 2.0), ("4", "B", 1, "2010-01-11 00:00", 1.0)],
        columns=["Invoice", "StockCode", "Quantity", "InvoiceDate", "Customer ID"])
    df.to_parquet(tmp_path / "r.parquet")
    d = load_online_retail(tmp_path / "r.parquet", test_fraction=0.2)
    ev = d.train_events
    assert ev is not None and len(ev.days) == 3  # the repeat of (1, A) is an event too
    assert (binary_csr(ev.rows, ev.cols, d.train.shape) != d.train).nnz == 0
    start = pd.Timestamp("2010-01-01").value / 86_400e9
    np.testing.assert_allclose(ev.days - start, [0, 2, 4])
    assert ev.end - start == 8.0  # the split time: 80 % of the span
    w = recency_weights(ev, d.train.shape, "exp", 4.0)
    np.testing.assert_allclose(sp.csr_matrix(w).toarray(), [[np.exp(-6 / 4), 0],
                                                            [0, np.exp(-4 / 4)]], rtol=1e-6)
