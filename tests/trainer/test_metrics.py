import math

import numpy as np
import pytest
import scipy.sparse as sp

from trainer.metrics import evaluate


def _csr(rows: list[list[int]], n_items: int) -> sp.csr_matrix:
    r = [u for u, items in enumerate(rows) for _ in items]
    c = [i for items in rows for i in items]
    return sp.csr_matrix((np.ones(len(r), dtype=np.float32), (r, c)), shape=(len(rows), n_items))


def test_recall_and_ndcg_match_a_hand_computed_case():
    # 5 items; scores rank items 0 > 1 > 2 > 3 > 4 for both users.
    scores = np.array([[5, 4, 3, 2, 1], [5, 4, 3, 2, 1]], dtype=np.float32)
    truth = _csr([[1, 4], [0]], 5)
    seen = _csr([[], []], 5)
    m = evaluate(lambda users: scores[users], truth, seen, k=2)
    # user 0: top2 = [0, 1], hits item 1 at rank 2 -> recall 1/2, ndcg (1/log2 3) / (1 + 1/log2 3)
    # user 1: top2 = [0, 1], hit at rank 1 -> recall 1, ndcg 1
    ndcg0 = (1 / math.log2(3)) / (1 + 1 / math.log2(3))
    assert m.recall == pytest.approx((0.5 + 1.0) / 2)
    assert m.ndcg == pytest.approx((ndcg0 + 1.0) / 2)
    assert m.users == 2


def test_training_items_are_masked_out_of_the_ranking():
    scores = np.array([[9, 8, 1, 0]], dtype=np.float32)
    truth = _csr([[2]], 4)
    # Without masking item 2 is ranked third; with items 0 and 1 seen it is first.
    assert evaluate(lambda u: scores[u], truth, _csr([[]], 4), k=1).recall == 0.0
    m = evaluate(lambda u: scores[u], truth, _csr([[0, 1]], 4), k=1)
    assert m.recall == 1.0 and m.ndcg == 1.0


def test_users_without_test_items_are_skipped_and_batching_does_not_change_results():
    rng = np.random.default_rng(0)
    scores = rng.random((50, 30)).astype(np.float32)
    truth = _csr([list(rng.choice(30, 3, replace=False)) if u % 3 else [] for u in range(50)], 30)
    seen = _csr([list(rng.choice(30, 2, replace=False)) for _ in range(50)], 30)
    seen = sp.csr_matrix(seen - seen.multiply(truth))
    a = evaluate(lambda u: scores[u], truth, seen, k=5, batch_size=7)
    b = evaluate(lambda u: scores[u], truth, seen, k=5, batch_size=1000)
    assert a.users == 33
    assert a.recall == pytest.approx(b.recall) and a.ndcg == pytest.approx(b.ndcg)


def test_ndcg_ideal_is_capped_at_k():
    # 3 relevant items, k=2, both recommendations relevant: NDCG is 1, recall 2/3.
    scores = np.array([[3, 2, 1]], dtype=np.float32)
    m = evaluate(lambda u: scores[u], _csr([[0, 1, 2]], 3), _csr([[]], 3), k=2)
    assert m.ndcg == pytest.approx(1.0) and m.recall == pytest.approx(2 / 3)
