"""The item-info cache's expiry and bound (pure logic, a fake clock)."""

from __future__ import annotations

from app.recommend.item_info_cache import ItemInfoCache
from app.recommend.recommendation_repository import ItemInfo


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def info(item_id: str, title: str = "t") -> ItemInfo:
    return ItemInfo(item_id, title, "c")


def test_entries_are_served_until_their_ttl_then_read_again() -> None:
    clock = Clock()
    cache = ItemInfoCache(ttl_s=300, max_items=10, clock=clock)
    cache.store({"a": info("a"), "b": info("b")})
    found, missing = cache.lookup(["a", "x", "b"])
    assert found == {"a": info("a"), "b": info("b")} and missing == ["x"]
    clock.now += 299.9
    assert cache.lookup(["a"]) == ({"a": info("a")}, [])
    clock.now += 0.2
    assert cache.lookup(["a", "b"]) == ({}, ["a", "b"])
    cache.store({"a": info("a", "renamed")})
    assert cache.lookup(["a"]) == ({"a": info("a", "renamed")}, [])


def test_the_cache_stays_bounded_and_keeps_the_newest_entries() -> None:
    clock = Clock()
    cache = ItemInfoCache(ttl_s=300, max_items=4, clock=clock)
    for n in range(4):
        cache.store({f"i{n}": info(f"i{n}")})
        clock.now += 1
    cache.store({"new": info("new")})
    assert len(cache) <= 4
    found, _ = cache.lookup(["i3", "new"])
    assert set(found) == {"i3", "new"}
    assert "i0" not in cache.lookup(["i0"])[0]


def test_expired_entries_are_dropped_first_when_full() -> None:
    clock = Clock()
    cache = ItemInfoCache(ttl_s=10, max_items=3, clock=clock)
    cache.store({"old1": info("old1"), "old2": info("old2")})
    clock.now += 11
    cache.store({"k": info("k")})
    cache.store({"m": info("m")})
    assert len(cache) == 2
    assert set(cache.lookup(["k", "m"])[0]) == {"k", "m"}


def test_due_names_the_entries_expiring_soon_once_until_stored_again() -> None:
    clock = Clock()
    cache = ItemInfoCache(ttl_s=300, max_items=10, clock=clock)
    cache.store({"a": info("a")})
    clock.now += 100
    cache.store({"b": info("b")})
    assert cache.due(150) == []  # a expires at +300, b at +400
    clock.now += 60
    assert cache.due(150) == ["a"]
    assert cache.due(150) == []  # named once; b is not due yet
    cache.store({"a": info("a", "renamed")})
    clock.now += 200
    assert sorted(cache.due(150)) == ["a", "b"]
    assert cache.lookup(["a"]) == ({"a": info("a", "renamed")}, [])  # still served until its TTL
