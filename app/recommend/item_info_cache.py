"""Titles and categories of ranked items, each remembered for a fixed time after it was read.

A ranked list looks up about a hundred items per request. cachetools' TTLCache reads the
clock and updates its expiry links on every key, which showed as a sixth of the serving
path's Python time; here each entry carries its own deadline and one clock read serves the
whole batch. The expiry rule is TTLCache's: an entry is served until `ttl_s` after it was
stored, then read again. The contents are derivable, never shared state.

`due` names the entries that expire soon, so the service can read them again in one
statement in the background before they do (and a fresh process can read the model's
catalogue at once): otherwise every ranked list meets a few expired entries and pays a
statement for them (7-8 % of the serving path's samples, docs/benchmarks.md, "Serving").
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Iterable, Mapping

from app.recommend.recommendation_repository import ItemInfo


class ItemInfoCache:
    def __init__(self, ttl_s: float, max_items: int,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._ttl_s = ttl_s
        self._max_items = max_items
        self._clock = clock
        self._entries: dict[str, tuple[float, ItemInfo]] = {}
        # the ids stored as not recommendable (:NonProduct), as last read: usually none, so
        # serving filters a history only when there is something to filter
        self.unrecommendable: set[str] = set()
        self.unrecommendable_generation = 0  # changes whenever that set does
        self._oldest = math.inf  # no entry expires before this (a lower bound)

    def lookup(self, item_ids: Iterable[str]) -> tuple[dict[str, ItemInfo], list[str]]:
        """The fresh entries among `item_ids`, and the ids to read again (unknown or
        expired), in the order asked."""
        now = self._clock()
        entries = self._entries
        found: dict[str, ItemInfo] = {}
        missing: list[str] = []
        for item_id in item_ids:
            entry = entries.get(item_id)
            if entry is not None and entry[0] > now:
                found[item_id] = entry[1]
            else:
                missing.append(item_id)
        return found, missing

    def store(self, infos: Mapping[str, ItemInfo]) -> None:
        now = self._clock()
        if len(self._entries) + len(infos) > self._max_items:
            self._evict(now)
        deadline = now + self._ttl_s
        for item_id, info in infos.items():
            self._entries[item_id] = (deadline, info)
            self._label(item_id, info.recommendable)
        if infos:
            self._oldest = min(self._oldest, deadline)

    def changed(self, item_id: str, recommendable: bool | None) -> None:
        """An item this process just wrote through the catalog API: read it again when next
        asked, and filter it (or not) from histories at once."""
        self._entries.pop(item_id, None)
        if recommendable is not None:
            self._label(item_id, recommendable)

    def _label(self, item_id: str, recommendable: bool) -> None:
        if recommendable == (item_id in self.unrecommendable):
            if recommendable:
                self.unrecommendable.discard(item_id)
            else:
                self.unrecommendable.add(item_id)
            self.unrecommendable_generation += 1

    def due(self, within_s: float) -> list[str]:
        """The ids whose entries expire within `within_s` (expired ones included), each
        named once until it is stored again: cheap when none is due."""
        horizon = self._clock() + within_s
        if self._oldest > horizon:
            return []
        due = [k for k, (deadline, _) in self._entries.items() if deadline <= horizon]
        self._oldest = min((d for d, _ in self._entries.values() if d > horizon),
                           default=math.inf)
        return due

    def __len__(self) -> int:
        return len(self._entries)

    def _evict(self, now: float) -> None:
        """Drop expired entries; when that is not enough room, the oldest stored half."""
        live = {k: e for k, e in self._entries.items() if e[0] > now}
        if len(live) > self._max_items // 2:
            keep = sorted(live.items(), key=lambda kv: kv[1][0])[len(live) // 2:]
            live = dict(keep)
        self._entries = live
        self._oldest = min((d for d, _ in live.values()), default=math.inf)
