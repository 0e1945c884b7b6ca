"""Cypher reads behind recommendations."""

from __future__ import annotations

from collections.abc import Awaitable, Sequence
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from app.core.metrics import RECOMMEND_READ_GROUP
from app.db.database import Database
from app.db.queries import queries
from app.recommend.grouped_reads import GroupedReads
from app.recommend.warm_histories import WarmHistories, WarmHistory

# One event of a shopper's history: (item_id, type, ts_ms, title), read by position. A plain
# tuple of plain values: the cyclic GC stops tracking it once it has seen it, and histories
# kept warm hold hundreds of thousands (a named tuple stays tracked: every full collection
# walked them all, 130-150 ms pauses under load).
Interaction = tuple[str, str, int | None, str | None]


@dataclass(frozen=True)
class UserContext:
    user_id: str
    consent: str | None  # 'granted', 'denied' or None when never stated
    history: Sequence[Interaction]  # newest first; empty unless consent allows reading it
    segments: list[str]  # empty unless consent allows using them
    variant: str | None = None  # recorded in the experiment asked about, if any
    in_audience: bool = True  # in that experiment's audience segment (needs consent)
    # Every item the shopper interacted with / bought, beyond the recent history (same
    # consent rule): what a list leaves out. Tuples of strings, as the history: held warm,
    # the cyclic GC stops walking them (a set it walks on every full collection).
    seen: tuple[str, ...] = ()
    bought: tuple[str, ...] = ()

    def excluded(self, exclude_seen: bool) -> set[str]:
        """What a list leaves out: every item interacted with, or only those bought."""
        return set(self.seen if exclude_seen else self.bought)


@dataclass(frozen=True)
class ItemInfo:
    item_id: str
    title: str | None
    category: str | None
    score: float = 0.0
    recommendable: bool = True  # False: labelled :NonProduct (postage, fees)


@dataclass(frozen=True)
class FreshItem:
    """An item added after the model, with the model-era items around it in the graph."""

    item_id: str
    category: str | None
    neighbours: list[tuple[str, int]]  # (item_id, shoppers in common)
    peers: list[str]  # items of the same category
    created_at: datetime | None = None  # the page's keyset


@dataclass(frozen=True)
class Neighbour:
    """An item the shoppers of a history also chose, and the history item that led to it."""

    info: ItemInfo
    score: float
    via: str


# What requests share to be read in one statement: history limit, opt-out consent default,
# the running experiment and its audience segment.
ContextKey = tuple[int, bool, str | None, str | None]


class RecommendationRepository:
    def __init__(self, db: Database, warm: WarmHistories | None = None) -> None:
        self._db = db
        self._warm = warm if warm is not None else WarmHistories(0, 0.0)
        self._contexts: GroupedReads[ContextKey, UserContext] = GroupedReads(
            self._user_contexts, observe=RECOMMEND_READ_GROUP.observe)

    async def _read(self, name: str, **params: Any) -> list[Any]:
        return await self._db.fast_read(queries[name], params)

    async def user_context(self, id_: str, history_limit: int, opt_out: bool = False,
                           experiment_id: str | None = None,
                           audience: str | None = None) -> UserContext | None:
        """Read after this call, in one statement with the requests that arrive meanwhile
        (app.recommend.grouped_reads.py). History and segments come back only when the
        shopper's personalization consent allows them (`opt_out`: a missing consent edge
        allows); with `experiment_id`, also what enrollment in it needs (the recorded
        variant, and membership of the `audience` segment)."""
        return await self._contexts.get((history_limit, opt_out, experiment_id, audience), id_)

    def user_context_turn(self, id_: str, history_limit: int, opt_out: bool = False,
                          experiment_id: str | None = None, audience: str | None = None
                          ) -> AbstractAsyncContextManager[Awaitable[UserContext | None]]:
        """`user_context` for a request that works on it inside the block, which yields the
        context to come: the next group is read as the requests of this one leave it
        (app/recommend/grouped_reads.py)."""
        return self._contexts.turn((history_limit, opt_out, experiment_id, audience), id_)

    async def _user_contexts(self, key: ContextKey, ids: list[str]) -> dict[str, UserContext]:
        history_limit, opt_out, experiment_id, audience = key
        held = self._warm.held(ids, history_limit)
        rows = await self._db.fast_read(queries["recommend/get_user_contexts"], {
            "ids": ids, "history_limit": history_limit, "opt_out": opt_out,
            "experiment_id": experiment_id, "segment_id": audience,
            "known": self._warm.known(held)})
        contexts, warm = {}, 0
        for r in rows:
            id_ = r["id"]
            if r["warm"]:  # the graph still reports the count the held history was read at
                entry, warm = held[id_], warm + 1
            else:
                entry = WarmHistory(r["user_id"], r["version"], tuple(map(tuple, r["history"])),
                                    tuple(r["seen"]), tuple(r["bought"]))
                if entry.history or entry.seen:  # read, so consent allowed it
                    self._warm.put(id_, history_limit, entry)
            contexts[id_] = UserContext(r["user_id"], r["consent"], entry.history,
                                        list(r["segments"]), r["variant"], r["in_audience"],
                                        entry.seen, entry.bought)
        self._warm.count(warm, len(rows) - warm)
        return contexts

    async def popular(self, since: datetime | None, category: str | None,
                      limit: int) -> list[ItemInfo]:
        rows = await self._read("recommend/popular_items", since=since, category=category,
                                limit=limit)
        return [ItemInfo(r["item_id"], r["title"], r["category"], float(r["score"])) for r in rows]

    async def popular_in_segment(self, segment_id: str, since: datetime | None,
                                 limit: int) -> list[ItemInfo]:
        rows = await self._read("recommend/popular_in_segment", segment_id=segment_id,
                                since=since, limit=limit)
        return [ItemInfo(r["item_id"], r["title"], r["category"], float(r["score"])) for r in rows]

    async def items(self, item_ids: list[str]) -> dict[str, ItemInfo]:
        rows = await self._read("recommend/get_items", item_ids=item_ids)
        return {r["item_id"]: ItemInfo(r["item_id"], r["title"], r["category"],
                                       recommendable=r["recommendable"]) for r in rows}

    async def fresh_items(self, since: datetime, after: tuple[datetime, str] | None = None,
                          limit: int = 50, shoppers: int = 200, neighbours: int = 20,
                          peers: int = 20) -> list[FreshItem]:
        """One page of items created after `since`, in (created_at, item_id) order after
        `after` (the last item of the previous page)."""
        after_at, after_id = after or (since, "")
        rows = await self._read("recommend/fresh_item_neighbours", since=since,
                                after_at=after_at, after_id=after_id, limit=limit,
                                shoppers=shoppers, neighbours=neighbours, peers=peers)
        return [FreshItem(r["item_id"], r["category"],
                          [(n["item_id"], int(n["n"])) for n in r["neighbours"]],
                          list(r["peers"]), _utc(r["created_at"])) for r in rows]

    async def co_interactions(self, item_ids: list[str], user_id: str, types: list[str],
                              shoppers: int = 200, limit: int = 100) -> list[Neighbour]:
        rows = await self._read("recommend/co_interaction_items", items=item_ids,
                                user_id=user_id, types=types, shoppers=shoppers, limit=limit)
        return [Neighbour(ItemInfo(r["item_id"], r["title"], r["category"]), float(r["score"]),
                          str(max(r["via"], key=lambda v: v[1])[0])) for r in rows]


def _utc(value: Any) -> datetime | None:
    """A stored DateTime as a Python datetime at offset +00:00: Cypher's `=` on DateTimes also
    compares their zones, and the keyset must match the stored value (written from a Python
    datetime in UTC, so microseconds lose nothing)."""
    if value is None:
        return None
    native = value.to_native() if hasattr(value, "to_native") else value
    return native.astimezone(UTC)
