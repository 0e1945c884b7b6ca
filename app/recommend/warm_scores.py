"""A shopper's scored pool kept between requests while every input of the scoring is the same.

A personalized list's scoring (the history's weights, its rows of P, the vector, the rank
over the catalogue, each pool item's best contributor for the reasons) was a quarter of a
recommendation's Python CPU, and its inputs rarely change between a shopper's page views:
- the history: the very tuple this process's warm history holds
  (app/recommend/warm_histories.py, checked against the graph's event count on every
  request); a history read again is a new object, so an entry is never reused for it (an
  empty history, one shared object, is never kept: the caller passes no key);
- the served model object (a new version or fresh-item vectors are a new object);
- the set of items labelled :NonProduct (filtered out of histories), by its generation;
- the weights' anchor: the history's latest event (a pool scored while that event was later
  than now, anchored on now, is not kept; nor is one reused while the clock is behind it);
- the request's mode, pool size and exclusion rule (the key).
The consent, segments and experiment of the shopper are read on every request as before, and
the item infos, the list's shaping and the reasons' words are applied to the kept pool as to
a new one: only the scoring is skipped. A request with an item on screen is scored as before
(the item is a view made now).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache

from app.core.metrics import RECOMMEND_SCORES
from app.recommend.live_scoring import Event, Scored, explain
from recmodel.artifact_format import EmbeddingArtifact

ScoreKey = tuple[str, str, int, bool]  # user_id, mode, pool, exclude_seen


@dataclass(frozen=True, slots=True)
class WarmScore:
    scored: Scored  # without the history's block of P
    reasons: dict[str, str]  # pool item -> its reason
    history: Sequence[Any]  # the inputs, held so identity means sameness
    model: EmbeddingArtifact
    blocked: int
    latest_ms: float | None


class WarmScores:
    def __init__(self, size: int, ttl_s: float) -> None:
        self._entries: TTLCache[ScoreKey, WarmScore] | None = (
            TTLCache(maxsize=size, ttl=ttl_s) if size > 0 else None)

    def score(self, key: ScoreKey | None, history: Sequence[Any], model: EmbeddingArtifact,
              blocked: int, now_ms: float, compute: Callable[[], Scored],
              told: Sequence[Event]) -> tuple[Scored, Callable[[list[str]], list[str]]]:
        """The scored pool, and a function giving chosen pool items their reasons (from the
        events `told`): kept from an earlier request when every input is the same, else
        `compute`d (and kept when `key` is given)."""
        entries = self._entries
        if entries is None or key is None:
            scored = compute()
            return scored, _explainer(model, scored, told)
        entry = entries.get(key)
        if (entry is not None and entry.history is history and entry.model is model
                and entry.blocked == blocked
                and (entry.latest_ms is None or entry.latest_ms <= now_ms)):
            RECOMMEND_SCORES.labels("warm").inc()
            return entry.scored, _reader(entry.reasons)
        RECOMMEND_SCORES.labels("scored").inc()
        scored = compute()
        latest = max((e[2] for e in history if e[2] is not None), default=None)
        if latest is not None and latest > now_ms:  # anchored on now: not kept
            return scored, _explainer(model, scored, told)
        pool = [item_id for item_id, _ in scored.pool]
        said = dict(zip(pool, explain(model, scored, pool, told), strict=True))
        # the pool as a tuple of plain tuples: the cyclic GC stops walking it
        kept = Scored(scored.strategy, tuple(scored.pool), scored.rows, scored.weights)
        entries[key] = WarmScore(kept, said, history, model, blocked, latest)
        return scored, _reader(said)


def _explainer(model: EmbeddingArtifact, scored: Scored, told: Sequence[Event]
               ) -> Callable[[list[str]], list[str]]:
    return lambda ids: explain(model, scored, ids, told)


def _reader(said: dict[str, str]) -> Callable[[list[str]], list[str]]:
    return lambda ids: [said[i] for i in ids]
