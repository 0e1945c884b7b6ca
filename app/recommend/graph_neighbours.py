"""Personalized lists for histories the model cannot score yet: the shopper's items are all
newer than the served model (a catalog that changed, shoppers of a new range) and have no
vectors from their neighbourhood either (`fresh_items`: none of their neighbours is in the
model). Until the next rebuild, such a shopper gets what the live graph says:

1. co-interaction neighbours: the items other consented shoppers chose with the shopper's
   recent items, counted by shoppers in common (cypher/recommend/co_interaction_items),
   "often chosen with <the history item that led to it>";
2. else category neighbours: the popular items of the category their recent items share
   most, "popular in <category>, like <item>".

Only when the history offers neither (items nobody else touched, without a category) is the
shopper served the popularity fallback (`cold_user`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Awaitable, Callable, Sequence

from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import (
    Interaction,
    ItemInfo,
    RecommendationRepository,
)
from recmodel.live_history import TYPE_WEIGHTS

HISTORY_ITEMS = 20  # the most recent distinct items a neighbourhood is read from
Infos = Callable[[list[str]], Awaitable[dict[str, ItemInfo]]]
Pick = tuple[ItemInfo, float, str]  # item, score, reason


class GraphNeighbours:
    def __init__(self, repository: RecommendationRepository,
                 popularity: PopularityService) -> None:
        self._repository = repository
        self._popularity = popularity

    async def pick(self, user_id: str, history: Sequence[Interaction], excluded: set[str],
                   k: int, infos: Infos) -> list[Pick]:
        """Up to `k` items for `history` (newest first), `excluded` left out; [] if none."""
        recent = list(dict.fromkeys(h[0] for h in history if h[1] in TYPE_WEIGHTS))
        recent = recent[:HISTORY_ITEMS]
        if not recent:
            return []
        titles = {h[0]: h[3] for h in history}
        found = await self._repository.co_interactions(recent, user_id, sorted(TYPE_WEIGHTS),
                                                       limit=k + len(excluded))
        picks = [(n.info, n.score, f"often chosen with {titles.get(n.via) or n.via}")
                 for n in found if n.info.item_id not in excluded]
        if picks:
            return picks[:k]
        known = await infos(recent)
        shared = Counter(known[i].category for i in recent if i in known and known[i].category)
        if not shared:
            return []
        category, _ = shared.most_common(1)[0]
        like = next(i for i in recent if i in known and known[i].category == category)
        popular = await self._popularity.popular(category, excluded)
        reason = f"popular in {category}, like {titles.get(like) or like}"
        return [(info, info.score, reason) for info in popular.items[:k]]
