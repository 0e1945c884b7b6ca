"""Shaping a ranked pool into the list served: the diversity cap, and with `category=`
the category's popular items after the personalized ones.

A list asked for one category is one category by request, so the per-category cap (which
keeps an unfiltered list varied) would only cut it short: it does not apply there. The
model's pool rarely holds `limit` items of one category (an imported catalogue has items
without one), so a personalized list shorter than `limit` is topped up from the category's
popular items, minus what the shopper's list excludes and what it already holds; each of
those items says so in its reason ("popular in Kitchen"), and the list keeps its
personalized `strategy`.
"""

from __future__ import annotations

import math
from collections.abc import Collection

from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import ItemInfo
from app.recommend.schemas import RecommendedItem

Ranked = list[tuple[ItemInfo, float]]


def diversify(ranked: Ranked, limit: int, share: float) -> Ranked:
    """Best first, at most `share` of the list from any one category."""
    cap = max(1, math.ceil(share * limit))
    per_category: dict[str | None, int] = {}
    chosen: Ranked = []
    for info, score in ranked:
        if info.category is not None and per_category.get(info.category, 0) >= cap:
            continue
        per_category[info.category] = per_category.get(info.category, 0) + 1
        chosen.append((info, score))
        if len(chosen) == limit:
            break
    return chosen


def shape(ranked: Ranked, limit: int, category: str | None, share: float) -> Ranked:
    """The list's items: with `category`, only that category's, best first and uncapped;
    without, the diversified list."""
    if category is None:
        return diversify(ranked, limit, share)
    return [(info, s) for info, s in ranked if info.category == category][:limit]


async def top_up(items: list[RecommendedItem], limit: int, category: str | None,
                 excluded: Collection[str], popularity: PopularityService
                 ) -> list[RecommendedItem]:
    """`items`, then (with `category`, while shorter than `limit`) the category's popular
    items that are neither excluded nor already listed."""
    if category is None or len(items) >= limit:
        return items
    listed = {item.item_id for item in items}
    popular = await popularity.popular(category, set(excluded) | listed)
    extra = [RecommendedItem(item_id=p.item_id, score=p.score, title=p.title,
                             category=p.category, reason=popular.reason)
             for p in popular.items[:limit - len(items)]]
    return [*items, *extra]
