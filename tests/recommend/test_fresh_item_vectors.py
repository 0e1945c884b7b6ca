"""Vectors for items newer than the model: the serving rule, and the replay that measures it
(bench/replay_fresh.py), which reads neighbourhoods as the server's query does and only from
purchases before the refresh time."""

from __future__ import annotations

import numpy as np

from app.recommend.fresh_items import fresh_vectors
from app.recommend.recommendation_repository import FreshItem
from bench.replay_data import Purchases
from bench.replay_fresh import PurchaseGraph
from recmodel.artifact_format import EmbeddingArtifact

# (customer, item, ts_ms), in time order; "new" is the item newer than the model.
ROWS = [("a", "x", 1), ("a", "y", 2), ("b", "y", 3), ("a", "new", 4), ("b", "z", 5),
        ("b", "new", 6), ("c", "w", 7), ("c", "new", 8)]


def purchases() -> Purchases:
    c, i, t = (np.asarray(col) for col in zip(*ROWS, strict=True))
    return Purchases(c, i, t.astype(np.int64), np.asarray([f"inv{n}" for n in t]), 0, 0)


def neighbours_at(before_ms: int) -> dict[str, list[tuple[str, int]]]:
    graph = PurchaseGraph(purchases())
    fresh = np.flatnonzero(graph.items == "new")
    return {f.item_id: f.neighbours for f in graph.fresh_items(before_ms, fresh)}


def test_only_purchases_before_the_refresh_count() -> None:
    assert neighbours_at(4) == {}  # nobody has bought it yet: no neighbourhood, no vector
    assert neighbours_at(5) == {"new": [("x", 1), ("y", 1)]}  # a's purchases, itself left out
    # b bought it at 6 and y before: y is now shared by two buyers; z (5) counts too.
    assert neighbours_at(7) == {"new": [("y", 2), ("x", 1), ("z", 1)]}
    assert neighbours_at(8) == neighbours_at(7)  # c's w at 7 is before c bought the item
    assert neighbours_at(9) == {"new": [("y", 2), ("w", 1), ("x", 1), ("z", 1)]}


def test_a_fresh_item_is_the_weighted_mean_of_its_neighbours_unless_kept_at_their_length(
) -> None:
    item_emb = np.asarray([[2.0, 0.0], [0.0, 2.0], [1.0, 1.0]], np.float32)
    model = EmbeddingArtifact("v", {}, np.zeros((0, 2), np.float32), item_emb, [],
                              ["x", "y", "z"])
    fresh = [FreshItem("new", None, [("x", 3), ("y", 1), ("other-new", 5)], []),
             FreshItem("lonely", "toys", [], ["z", "gone"]),  # category peers only
             FreshItem("x", None, [("y", 1)], []),  # the model already holds it
             FreshItem("unknown", None, [("other-new", 1)], [])]  # nothing the model holds
    ids, emb, proj = fresh_vectors(model, fresh)
    assert ids == ["new", "lonely"]
    np.testing.assert_allclose(emb, [[1.5, 0.5], [1.0, 1.0]])
    np.testing.assert_allclose(proj, emb)
    _, kept, _ = fresh_vectors(model, fresh, keep_norm=True)
    np.testing.assert_allclose(np.linalg.norm(kept, axis=1), [2.0, np.sqrt(2.0)], rtol=1e-6)
    np.testing.assert_allclose(kept[0] / np.linalg.norm(kept[0]), emb[0] / np.linalg.norm(emb[0]),
                               rtol=1e-6)
