"""`/v1/items`: catalog upserts (scope ingest) and reads (scope read)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Path

from app.api.deps import IngestScope, ItemsDep, ReadScope, RecommendationsDep
from app.catalog.schemas import ItemIn, ItemOut, ItemsBulk, ItemsUpserted, item_row
from app.core.errors import ApiError

router = APIRouter(prefix="/v1/items", tags=["items"])
ItemId = Path(min_length=1, max_length=256)


# `:path`: an item id may hold `/` (SKUs like "A/B-12"), so the rest of the path is the id.
@router.put("/{item_id:path}", response_model=ItemOut)
async def put_item(body: ItemIn, items: ItemsDep, recommendations: RecommendationsDep,
                   _: IngestScope, item_id: str = ItemId) -> ItemOut:
    await items.upsert([item_row(item_id, body)], datetime.now(UTC))
    recommendations.items_changed([(item_id, body.recommendable)])
    stored = await items.get(item_id)
    return ItemOut(**(stored or {"item_id": item_id}))


@router.post("", response_model=ItemsUpserted)
async def post_items(body: ItemsBulk, items: ItemsDep, recommendations: RecommendationsDep,
                     _: IngestScope) -> ItemsUpserted:
    rows: dict[str, dict] = {}
    flags: dict[str, bool | None] = {}
    for item in body.items:  # one transaction; a repeated id keeps its last version
        rows[item.item_id] = item_row(item.item_id, item)
        flags[item.item_id] = item.recommendable
    await items.upsert(list(rows.values()), datetime.now(UTC))
    recommendations.items_changed(list(flags.items()))
    return ItemsUpserted(upserted=len(rows), item_ids=list(rows))


@router.get("/{item_id:path}", response_model=ItemOut)
async def get_item(items: ItemsDep, _: ReadScope, item_id: str = ItemId) -> ItemOut:
    stored = await items.get(item_id)
    if stored is None:
        raise ApiError(404, "not_found", f"no item '{item_id}'")
    return ItemOut(**stored)
