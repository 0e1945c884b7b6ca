"""The diversity cap and the category top-up as pure rules (the served lists:
test_category_lists.py)."""

from __future__ import annotations

from collections.abc import Collection

from app.recommend.list_shaping import diversify, shape, top_up
from app.recommend.popularity_service import PopularList, without
from app.recommend.recommendation_repository import ItemInfo
from app.recommend.schemas import RecommendedItem

RANKED = [(ItemInfo("a", "A", "kitchen"), 0.9), (ItemInfo("b", "B", "kitchen"), 0.8),
          (ItemInfo("c", "C", None), 0.7), (ItemInfo("d", "D", "kitchen"), 0.6),
          (ItemInfo("e", "E", "home"), 0.5)]


class Popular:
    """The category's popular list, as PopularityService.popular answers it."""

    def __init__(self, items: list[ItemInfo]) -> None:
        self.items = items
        self.asked: list[tuple[str | None, set[str]]] = []

    async def popular(self, category: str | None = None,
                      excluded: Collection[str] = ()) -> PopularList:
        self.asked.append((category, set(excluded)))
        return PopularList(without(self.items, excluded), f"popular in {category}")


def test_the_cap_applies_without_a_category_only() -> None:
    assert [i.item_id for i, _ in diversify(RANKED, 4, 0.5)] == ["a", "b", "c", "e"]
    assert [i.item_id for i, _ in shape(RANKED, 4, None, 0.5)] == ["a", "b", "c", "e"]
    assert [i.item_id for i, _ in shape(RANKED, 3, "kitchen", 0.5)] == ["a", "b", "d"]


async def test_top_up_fills_from_the_category_minus_excluded_and_listed() -> None:
    listed = [RecommendedItem(item_id="a", score=0.9, category="kitchen", reason="because")]
    popular = Popular([ItemInfo(i, i.upper(), "kitchen", s)
                       for i, s in (("a", 9.0), ("x", 8.0), ("y", 7.0), ("z", 6.0))])
    items = await top_up(listed, 3, "kitchen", {"x"}, popular)  # type: ignore[arg-type]
    assert [(i.item_id, i.reason, i.score) for i in items] == [
        ("a", "because", 0.9), ("y", "popular in kitchen", 7.0),
        ("z", "popular in kitchen", 6.0)]
    assert popular.asked == [("kitchen", {"a", "x"})]
    # Full already, or no category: nothing is asked.
    assert await top_up(items, 3, "kitchen", set(), popular) == items  # type: ignore[arg-type]
    assert await top_up(listed, 3, None, set(), popular) == listed  # type: ignore[arg-type]
    assert len(popular.asked) == 1
