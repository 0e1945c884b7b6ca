"""A history item that no other shopper's history links to reaches every other item with
numerical dust (~1e-6 of itself): that is no list to serve, the fallbacks decide. An item
with neighbours is scored as before (pure: a hand-made operator, no database)."""

from __future__ import annotations

import numpy as np

from app.recommend.live_scoring import score_shopper
from app.recommend.schemas import ScoringMode, Strategy
from recmodel.artifact_format import EmbeddingArtifact
from recmodel.live_history import ServingParams

ITEMS = ["hub", "near", "nearer", "lonely", "far"]


def _operator() -> EmbeddingArtifact:
    """An item-item operator (Q = I): hub's neighbours are near and nearer; lonely's row is
    itself plus dust."""
    p = np.full((5, 5), 1e-6, dtype=np.float32)
    np.fill_diagonal(p, 0.6)
    p[0, 1], p[0, 2] = 0.2, 0.3
    return EmbeddingArtifact("v1", {"item_vectors": "identity", "model": "turbo_cf"},
                             np.zeros((0, 5), dtype=np.float32), np.eye(5, dtype=np.float32),
                             [], ITEMS, p)


def _score(item: str) -> tuple[Strategy | None, list[str]]:
    scored = score_shopper(_operator(), "newcomer", [(item, "product_viewed", 1_000)],
                           1_000.0, ServingParams(), ScoringMode.live, 10, {item})
    return scored.strategy, [i for i, _ in scored.pool]


def test_a_history_with_neighbours_is_ranked_by_them() -> None:
    strategy, pool = _score("hub")
    assert strategy is Strategy.gnn_inductive and pool[:2] == ["nearer", "near"]


def test_a_history_that_reaches_only_dust_falls_back() -> None:
    assert _score("lonely") == (None, [])
