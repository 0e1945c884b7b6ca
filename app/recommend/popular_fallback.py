"""Non-personalized lists that still use what is known, most specific first: the category
asked for, the category of the item being viewed (`context_item`), what members of the
shopper's segments choose (only when consent allowed reading them), then overall popularity.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.recommend.popularity_service import PopularityService, without
from app.recommend.recommendation_repository import ItemInfo
from app.recommend.schemas import PopularScope


@dataclass(frozen=True)
class PopularPick:
    items: list[ItemInfo]
    scope: PopularScope
    reason: str


class PopularFallback:
    def __init__(self, popularity: PopularityService) -> None:
        self._popularity = popularity

    async def pick(self, *, category: str | None, context_category: str | None,
                   segments: list[str], excluded: set[str], enough: int) -> PopularPick:
        """The most specific list with at least `enough` items left after exclusions
        (a requested category is a filter, so it is used even when shorter)."""
        if category is not None:
            asked = await self._popularity.popular(category, excluded)
            return PopularPick(asked.items, PopularScope.requested_category, asked.reason)
        if context_category is not None:
            context = await self._popularity.popular(context_category, excluded)
            if len(context.items) >= enough:
                return PopularPick(context.items, PopularScope.context_category, context.reason)
        for segment_id in sorted(segments):
            items = without((await self._popularity.in_segment(segment_id))[0], excluded)
            if len(items) >= enough:
                return PopularPick(items, PopularScope.segment,
                                   f"popular with shoppers like you ({segment_id})")
        overall = await self._popularity.popular(None, excluded)
        return PopularPick(overall.items, PopularScope.all_items, overall.reason)
