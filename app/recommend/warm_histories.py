"""Shoppers' histories kept warm between their requests, checked against the graph on each.

Reading a shopper's whole history (every item they touched, for what a list leaves out, and
their latest events) was most of a recommendation's graph read and of its decoding in Python
(docs/benchmarks.md, "Serving"). A profile's `event_count` grows with every event stored on
it (intake, importers and the Kafka consumer share one write; a merge adds the merged
profile's count), so a history read while the count was N is still the history while the
graph says N. Every request still reads the profile its id names, consent, segments and
that count in its one statement; only the history part is skipped when this process holds
the history of that profile at that count. Nothing is trusted without the graph's word, so
several API processes each keep their own and agree. An entry lives at most `ttl_s`: the
item titles it holds are then as fresh as the item infos (`ITEM_CACHE_TTL_S`).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from cachetools import TTLCache

from app.core.metrics import RECOMMEND_HISTORY_READS


@dataclass(frozen=True, slots=True)
class WarmHistory:
    user_id: str  # the profile the requested id named when it was read
    version: int  # its event_count then
    history: Sequence[Any]  # newest first, as the repository builds it
    seen: tuple[str, ...]
    bought: tuple[str, ...]


class WarmHistories:
    def __init__(self, size: int, ttl_s: float) -> None:
        # keyed by (requested id, history limit); size 0 keeps nothing
        self._entries: TTLCache[tuple[str, int], WarmHistory] | None = (
            TTLCache(maxsize=size, ttl=ttl_s) if size > 0 else None)

    def held(self, ids: Iterable[str], history_limit: int) -> dict[str, WarmHistory]:
        """The entries held for these ids now (kept by the caller until the read is back:
        one may expire meanwhile)."""
        if self._entries is None:
            return {}
        get = self._entries.get
        return {i: e for i in ids if (e := get((i, history_limit))) is not None}

    def put(self, id_: str, history_limit: int, entry: WarmHistory) -> None:
        if self._entries is not None:
            self._entries[(id_, history_limit)] = entry

    @staticmethod
    def known(held: dict[str, WarmHistory]) -> dict[str, list[Any]]:
        """The statement's `$known`: id -> [user_id, event_count] of the history held."""
        return {i: [e.user_id, e.version] for i, e in held.items()}

    @staticmethod
    def count(warm: int, read: int) -> None:
        if warm:
            RECOMMEND_HISTORY_READS.labels("warm").inc(warm)
        if read:
            RECOMMEND_HISTORY_READS.labels("graph").inc(read)
