"""Non-personalized lists that still use what is known, most specific first: the category
asked for, the category of the item being viewed (`context_item`), what members of the
shopper's segments choose (only when consent allowed reading them), then overall popularity.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.recommend.popularity_service import PopularityService
from app.recommend.recommendation_repository import ItemInfo
from app.recommend.schemas import PopularScope


@dataclass(frozen=True)
class PopularPick:
    items: list[ItemInfo]
    scope: PopularScope
    reason: str


class PopularFallback:
    def __init__(self, popularity: PopularityService, recent_days: int) -> None:
        self._popularity = popularity
        self._recent_days = recent_days

    async def pick(self, *, category: str | None, context_category: str | None,
                   segments: list[str], excluded: set[str], enough: int) -> PopularPick:
        """The most specific list with at least `enough` items left after exclusions
        (a requested category is a filter, so it is used even when shorter)."""
        if category is not None:
            items, _ = await self._popularity.ranked(category)
            return PopularPick(_without(items, excluded), PopularScope.requested_category,
                               f"popular in {category}")
        if context_category is not None:
            items = _without((await self._popularity.ranked(context_category))[0], excluded)
            if len(items) >= enough:
                return PopularPick(items, PopularScope.context_category,
                                   f"popular in {context_category}")
        for segment_id in sorted(segments):
            items = _without((await self._popularity.in_segment(segment_id))[0], excluded)
            if len(items) >= enough:
                return PopularPick(items, PopularScope.segment,
                                   f"popular with shoppers like you ({segment_id})")
        items, window = await self._popularity.ranked(None)
        why = (f"popular in the last {self._recent_days} days" if window == "recent"
               else "popular overall")
        return PopularPick(_without(items, excluded), PopularScope.all_items, why)


def _without(items: list[ItemInfo], excluded: set[str]) -> list[ItemInfo]:
    return [i for i in items if i.item_id not in excluded] if excluded else items
