"""Item infos (title, category, recommendable) as serving reads them: from this process's
cache, the missing ones from the graph, and the entries about to expire read again in the
background so lists rarely wait for a read of their items."""

from __future__ import annotations

import asyncio
import contextlib
import logging

from app.recommend.item_info_cache import ItemInfoCache
from app.recommend.model_store import ModelStore
from app.recommend.recommendation_repository import ItemInfo, RecommendationRepository
from recmodel.artifact_format import EmbeddingArtifact

ITEM_CACHE_TTL_S = 300.0
ITEM_CACHE_MAX = 200_000
# Item infos expiring within this are read again in the background, this many per statement
# (its rows are decoded on the event loop, a pause for every request waiting: 74 ms of CPU
# for 4,000 items in one statement, 9 ms per 500, on the Online Retail II store).
ITEM_CACHE_AHEAD_S = ITEM_CACHE_TTL_S / 2
ITEM_READ_CHUNK = 500
log = logging.getLogger(__name__)


class ItemInfos:
    def __init__(self, repository: RecommendationRepository, models: ModelStore) -> None:
        self._repository = repository
        self._models = models
        self.cache = ItemInfoCache(ITEM_CACHE_TTL_S, ITEM_CACHE_MAX)
        self._reading: asyncio.Task[None] | None = None  # the background item read
        self._read_for: EmbeddingArtifact | None = None  # the model whose items it read

    async def get(self, item_ids: list[str]) -> dict[str, ItemInfo]:
        fresh, missing = self.cache.lookup(item_ids)
        if missing:
            loaded = await self._repository.items(missing)
            self.cache.store(loaded)
            fresh.update(loaded)
        self._read_ahead()
        return fresh

    async def info_of(self, item_id: str | None) -> ItemInfo | None:
        if item_id is None:
            return None
        return (await self.get([item_id])).get(item_id)

    def _read_ahead(self) -> None:
        """In the background, one statement at a time: the served model's items when it is
        new to this process, and the entries about to expire (each entry's rule stays:
        served until its TTL)."""
        if self._reading is not None:
            return
        model = self._models.current
        ids = self.cache.due(ITEM_CACHE_AHEAD_S)
        if model is not None and model is not self._read_for:
            self._read_for = model
            ids = [*ids, *model.item_ids[:ITEM_CACHE_MAX // 2]]
        if ids:
            self._reading = asyncio.create_task(self._read(ids), name="item-infos-ahead")

    async def _read(self, ids: list[str]) -> None:
        try:
            for start in range(0, len(ids), ITEM_READ_CHUNK):
                self.cache.store(await self._repository.items(ids[start:start + ITEM_READ_CHUNK]))
        except Exception:  # derivable: lists read what they miss themselves meanwhile
            log.warning("background read of item infos failed", exc_info=True)
        finally:
            self._reading = None

    async def close(self) -> None:
        """Cancel the background item read (at shutdown, before the driver closes)."""
        task, self._reading = self._reading, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
