"""`/v1/items`: catalog upserts (scope ingest) and reads (scope read)."""

from __future__ import annotations

from datetime import UTC, datetime

from fastapi import APIRouter, Path

from app.api.deps import IngestScope, ItemsDep, ReadScope
from app.catalog.schemas import ItemIn, ItemOut, ItemsBulk, ItemsUpserted, item_row
from app.core.errors import ApiError

router = APIRouter(prefix="/v1/items", tags=["items"])
ItemId = Path(min_length=1, max_length=256)


@router.put("/{item_id}", response_model=ItemOut)
async def put_item(body: ItemIn, items: ItemsDep, _: IngestScope,
                   item_id: str = ItemId) -> ItemOut:
    await items.upsert([item_row(item_id, body)], datetime.now(UTC))
    stored = await items.get(item_id)
    return ItemOut(**(stored or {"item_id": item_id}))


@router.post("", response_model=ItemsUpserted)
async def post_items(body: ItemsBulk, items: ItemsDep, _: IngestScope) -> ItemsUpserted:
    rows: dict[str, dict] = {}
    for item in body.items:  # one transaction; a repeated id keeps its last version
        rows[item.item_id] = item_row(item.item_id, item)
    await items.upsert(list(rows.values()), datetime.now(UTC))
    return ItemsUpserted(upserted=len(rows), item_ids=list(rows))


@router.get("/{item_id}", response_model=ItemOut)
async def get_item(items: ItemsDep, _: ReadScope, item_id: str = ItemId) -> ItemOut:
    stored = await items.get(item_id)
    if stored is None:
        raise ApiError(404, "not_found", f"no item '{item_id}'")
    return ItemOut(**stored)
