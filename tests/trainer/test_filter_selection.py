"""The filter search chooses on validation carved from train and never sees test."""

import inspect

import numpy as np

import trainer.filters.select as pipeline
from trainer.data import split_validation
from trainer.filters.blend import Blend
from trainer.filters.gfcf import GFCF
from trainer.filters.propagation import FilterGraph
from trainer.filters.search import Candidate, best, evaluate_candidates
from trainer.filters.turbocf import TurboCF
from trainer.metrics import evaluate

SMALL = {
    "gfcf": lambda: [GFCF(0.0, 0), GFCF(0.3, 8)],
    "turbocf": lambda: [TurboCF(0.5, 1), TurboCF(0.6, 2)],
}


def test_selection_receives_the_training_matrix_and_nothing_that_holds_test():
    params = inspect.signature(pipeline.select_filter).parameters
    assert next(iter(params)) == "train"
    assert not any("test" in name for name in params)


def test_every_search_reads_only_validation_carved_from_train(tiny, monkeypatch):
    seen_calls = []
    real = pipeline.evaluate_candidates

    def spy(graph, val, candidates, users, *args, **kwargs):
        seen_calls.append((graph.train.copy(), val.copy(), users.copy()))
        return real(graph, val, candidates, users, *args, **kwargs)

    monkeypatch.setattr(pipeline, "evaluate_candidates", spy)
    sel = pipeline.select_filter(tiny.train, families=SMALL, n_val_users=50)
    assert len(seen_calls) == 2  # the family grids, then blends and popularity
    train = tiny.train.astype(bool)
    for fit, val, _ in seen_calls:
        assert (fit.astype(bool) + val.astype(bool) != train).nnz == 0  # fit + val == train
        assert fit.multiply(val).nnz == 0
        assert val.multiply(tiny.test).nnz == 0  # not one test pair
    assert sel.val_users <= 50 and sel.table


def test_the_choice_does_not_depend_on_test(tiny):
    first = pipeline.select_filter(tiny.train, families=SMALL, n_val_users=60)
    tiny.test.data[:] = 0.0  # whatever test holds, the search cannot read it
    second = pipeline.select_filter(tiny.train, families=SMALL, n_val_users=60)
    assert first.chosen.label() == second.chosen.label()
    assert first.val_recall == second.val_recall


def test_the_chosen_configuration_is_the_best_on_validation(tiny):
    sel = pipeline.select_filter(tiny.train, families=SMALL, n_val_users=60)
    assert np.isclose(sel.val_recall, max(row["recall@20"] for row in sel.table), atol=1e-5)
    assert set(sel.family_best) == set(SMALL)


def test_batched_candidate_scores_match_the_one_by_one_evaluation(tiny):
    fit, val = split_validation(tiny.train, fraction=0.2, seed=0)
    graph = FilterGraph(fit)
    users = np.flatnonzero(np.diff(val.indptr) > 0)
    filters = [GFCF(0.3, 8), TurboCF(0.6, 2), Blend(((GFCF(0.0, 0), 2.0),), 0.1)]
    eig = graph.eigvecs(8)
    scored = evaluate_candidates(
        graph, val, [Candidate(f.label(), f.terms()) for f in filters], users, eig, k=5, chunk=7
    )
    for f, s in zip(filters, scored, strict=True):
        m = evaluate(f.fit(fit), val, fit, k=5)
        assert abs(s.recall - m.recall) < 1e-6 and abs(s.ndcg - m.ndcg) < 1e-6
    assert best(scored).recall == max(s.recall for s in scored)


def test_coarse_to_fine_scores_the_neighbours_of_the_coarse_winner_on_validation(
    tiny, monkeypatch
):
    from trainer.filters.bspm import BSPM

    coarse = {"bspm": lambda: [BSPM(t_sharp=0.0, ideal_dim=8), BSPM(t_sharp=1.0, ideal_dim=8)]}
    calls = []
    real = pipeline.evaluate_candidates

    def spy(graph, val, candidates, users, *args, **kwargs):
        calls.append([c.label for c in candidates])
        assert val.multiply(tiny.test).nnz == 0
        return real(graph, val, candidates, users, *args, **kwargs)

    monkeypatch.setattr(pipeline, "evaluate_candidates", spy)
    sel = pipeline.select_filter(tiny.train, families=coarse, n_val_users=60)
    assert len(calls) == 3  # coarse grid, the finer grid, blends and popularity
    lead = max(
        (r for r in sel.table[:2]), key=lambda r: (round(r["recall@20"], 6), r["ndcg@20"])
    )
    lead_filter = next(f for f in coarse["bspm"]() if f.label() == lead["label"])
    assert calls[1] == [f.label() for f in lead_filter.around() if f.label() not in calls[0]]
    assert calls[1]  # the finer grid is not empty
    fine = [r for r in sel.table if r["label"] in calls[1]]
    assert sel.family_best["bspm"]["recall@20"] >= max(r["recall@20"] for r in fine) - 1e-9
    assert np.isclose(sel.val_recall, max(r["recall@20"] for r in sel.table), atol=1e-5)
