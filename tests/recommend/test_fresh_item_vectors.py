"""Vectors for items newer than the model: the serving rule. (The replay that measures it,
bench/replay_fresh.py, checks its own reading of neighbourhoods before every run.)"""

from __future__ import annotations

import numpy as np

from app.recommend.fresh_items import fresh_vectors
from app.recommend.recommendation_repository import FreshItem
from recmodel.artifact_format import EmbeddingArtifact


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
