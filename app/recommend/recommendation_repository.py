"""Cypher reads behind recommendations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from app.db.database import Database
from app.db.queries import queries


@dataclass(frozen=True)
class Interaction:
    item_id: str
    type: str
    title: str | None
    category: str | None


@dataclass(frozen=True)
class UserContext:
    user_id: str
    consent: str | None  # 'granted', 'denied' or None when never stated
    history: list[Interaction]  # newest first


@dataclass(frozen=True)
class ItemInfo:
    item_id: str
    title: str | None
    category: str | None
    score: float = 0.0


class RecommendationRepository:
    def __init__(self, db: Database) -> None:
        self._db = db

    async def _read(self, name: str, **params: Any) -> list[Any]:
        return await self._db.fast_read(queries[name], params)

    async def user_context(self, id_: str, history_limit: int) -> UserContext | None:
        rows = await self._read("recommend/get_user_context", id=id_, history_limit=history_limit)
        if not rows:
            return None
        r = rows[0]
        history = [Interaction(h["item_id"], h["type"], h["title"], h["category"])
                   for h in r["history"]]
        return UserContext(r["user_id"], r["consent"], history)

    async def popular(self, since: datetime | None, category: str | None,
                      limit: int) -> list[ItemInfo]:
        rows = await self._read("recommend/popular_items", since=since, category=category,
                                limit=limit)
        return [ItemInfo(r["item_id"], r["title"], r["category"], float(r["score"])) for r in rows]

    async def items(self, item_ids: list[str]) -> dict[str, ItemInfo]:
        rows = await self._read("recommend/get_items", item_ids=item_ids)
        return {r["item_id"]: ItemInfo(r["item_id"], r["title"], r["category"]) for r in rows}
