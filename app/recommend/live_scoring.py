"""Request-time scoring of one shopper against the served model (numpy only).

The API and bench/replay.py both call `score_shopper` and `explain`, so the replay measures
exactly what the API serves. The shopper's vector is propagated from the live history (one
LightGCN-style layer over their current neighbourhood, weights from `recmodel.live_history`) and
combined with the trained vector when the model has one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

import numpy as np

from app.recommend.schemas import ScoringMode, Strategy
from recmodel.artifact_format import EmbeddingArtifact
from recmodel.live_history import ServingParams, weigh_history

PATHS = {"static": Strategy.gnn, "live": Strategy.gnn_live, "inductive": Strategy.gnn_inductive}
VERBS = {"product_viewed": "viewed", "product_clicked": "viewed",
         "product_added": "added to your cart", "product_added_to_wishlist": "saved",
         "order_completed": "bought", "viewing_now": "are viewing"}
VIEWING_NOW = "viewing_now"  # the request's context item, told apart from past views
# A vector that reaches no item beyond this share of its best score (its history's own
# items included) carries no signal: a history item no other shopper's history links to
# propagates ~1e-6 to everything (a list of noise), where real neighbours score 0.1-0.4 of
# the item itself and the 50th 0.05-0.09 (Turbo-CF on the demo store and Online Retail II).
SIGNAL_FLOOR = 1e-3

# (item_id, event type, ts in epoch ms), newest first, as the user-context Cypher returns them
# (a history entry with the item's title after these is read the same).
Event = tuple[str, str, int | None] | tuple[str, str, int | None, str | None]


@dataclass(frozen=True)
class Scored:
    strategy: Strategy | None  # None: nothing the model can use (fall back)
    pool: Sequence[tuple[str, float]]
    rows: list[int]  # history items the model holds
    weights: list[float]
    block: np.ndarray | None = None  # their rows of P when the live vector read them


def score_shopper(model: EmbeddingArtifact, user_id: str, events: Sequence[Event],
                  now_ms: float, params: ServingParams, mode: ScoringMode, k: int,
                  exclude: AbstractSet[str]) -> Scored:
    rows, weights = weigh_history(events, now_ms, model.item_row, params)
    static_weight = 1.0 if mode is ScoringMode.static else params.static_weight
    # The history's rows of P, read once for the live vector and the reasons.
    block = model.history_rows(rows) if rows and static_weight < 1 else None
    vector, path = model.user_vector(user_id, rows, weights, static_weight, block)
    pool = model.rank(vector, k, exclude, floor=SIGNAL_FLOOR) if vector is not None else []
    if not pool:  # nothing the vector reaches beyond dust: the fallbacks decide
        return Scored(None, [], rows, weights)
    if len(pool) < k:  # a signal, but fewer items: the rest in score order, as ranked before
        pool = model.rank(vector, k, exclude)
    return Scored(PATHS[path], pool, rows, weights, block)


def explain(model: EmbeddingArtifact, scored: Scored, item_ids: list[str],
            events: Sequence[Event], titles: Mapping[str, str | None]) -> list[str]:
    """For each item, the history item contributing most to its score through the graph
    (w_i * P_i . Q_j): "because you viewed X"."""
    if not scored.rows or not item_ids:
        return ["recommended for you"] * len(item_ids)
    return reasons(model, scored, best_contributors(model, scored, item_ids), events, titles)


def best_contributors(model: EmbeddingArtifact, scored: Scored, item_ids: list[str]
                      ) -> list[int]:
    """For each item, the index in `scored.rows` of the history item adding most to its
    score ([] without a history)."""
    if not scored.rows or not item_ids:
        return []
    targets = [model.item_row[i] for i in item_ids]
    return np.argmax(model.contributions(scored.rows, scored.weights, targets, scored.block),
                     axis=1).tolist()


def reasons(model: EmbeddingArtifact, scored: Scored, best: list[int],
            events: Sequence[Event], titles: Mapping[str, str | None]) -> list[str]:
    """The reason of each item whose best contributor `best` names (`best_contributors`;
    a scored history, not empty)."""
    # The newest event on an item names how the shopper met it.
    kinds: dict[str, str] = {}
    for event in events:  # by position: a longer tuple (with the title) serves as well
        if event[1] in VERBS and event[0] not in kinds:
            kinds[event[0]] = event[1]
    ids = model.item_ids
    said = []
    for index in best:
        item_id = ids[scored.rows[index]]
        verb = VERBS.get(kinds.get(item_id, ""), "interacted with")
        said.append(f"because you {verb} {titles.get(item_id) or item_id}")
    return said
