"""Request-time scoring of one shopper against the served model (numpy only).

The API and bench/replay.py both call `score_shopper` and `explain`, so the replay measures
exactly what the API serves. The shopper's vector is propagated from the live history (one
LightGCN-style layer over their current neighbourhood, weights from `recmodel.live_history`) and
combined with the trained vector when the model has one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
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
            events: Sequence[Event]) -> list[str]:
    """For each item, the history item contributing most to its score through the graph
    (w_i * P_i . Q_j): "because you viewed X"."""
    if not scored.rows or not item_ids:
        return ["recommended for you"] * len(item_ids)
    best = best_contributors(model, scored, item_ids)
    said = reason_texts(model, scored, best, events)
    return [said[index] for index in best]


def best_contributors(model: EmbeddingArtifact, scored: Scored, item_ids: list[str]
                      ) -> list[int]:
    """For each item, the index in `scored.rows` of the history item adding most to its
    score ([] without a history)."""
    if not scored.rows or not item_ids:
        return []
    targets = [model.item_row[i] for i in item_ids]
    return np.argmax(model.contributions(scored.rows, scored.weights, targets, scored.block),
                     axis=1).tolist()


def reason_texts(model: EmbeddingArtifact, scored: Scored, indices: Iterable[int],
                 events: Sequence[Event]) -> dict[int, str]:
    """The reason each of these history items (indices in `scored.rows`) gives: the newest
    event on the item names how the shopper met it; its title as the events carry it."""
    wanted = {model.item_ids[scored.rows[i]]: i for i in set(indices)}
    kinds: dict[str, str] = {}
    titles: dict[str, str | None] = {}
    for event in events:  # newest first; by position (a longer tuple serves as well)
        item_id = event[0]
        if item_id in wanted:
            if event[1] in VERBS and item_id not in kinds:
                kinds[item_id] = event[1]
            titles[item_id] = event[3] if len(event) > 3 else None  # type: ignore[misc]
    return {index: f"because you {VERBS.get(kinds.get(item_id, ''), 'interacted with')} "
                   f"{titles.get(item_id) or item_id}"
            for item_id, index in wanted.items()}
