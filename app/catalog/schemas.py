"""Catalog items (the Segment e-commerce product fields)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict

MAX_BULK_ITEMS = 1000


class ItemIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    title: str | None = Field(None, max_length=500)
    category: str | None = Field(None, min_length=1, max_length=200)
    # strict: `false` or "12" is not a price; bounded so sums over prices stay finite
    price: Annotated[float, Strict()] | None = Field(None, ge=0, le=1e12, allow_inf_nan=False)
    brand: str | None = Field(None, max_length=200)
    sku: str | None = Field(None, max_length=200)
    variant: str | None = Field(None, max_length=200)
    url: str | None = Field(None, max_length=2000)
    image_url: str | None = Field(None, max_length=2000)
    # false: a service, fee or other non-product (postage, gift wrap): never recommended nor
    # cited as a reason (the :NonProduct label); true lifts it; absent: unchanged
    recommendable: Annotated[bool, Strict()] | None = None


class ItemWithId(ItemIn):
    item_id: str = Field(min_length=1, max_length=256)


class ItemsBulk(BaseModel):
    items: list[ItemWithId] = Field(min_length=1, max_length=MAX_BULK_ITEMS)


class ItemOut(BaseModel):
    item_id: str
    title: str | None = None
    category: str | None = None
    price: float | None = None
    brand: str | None = None
    sku: str | None = None
    variant: str | None = None
    url: str | None = None
    image_url: str | None = None
    recommendable: bool = True
    created_at: datetime | None = None
    updated_at: datetime | None = None


class ItemsUpserted(BaseModel):
    upserted: int
    item_ids: list[str]


def item_row(item_id: str, item: ItemIn) -> dict[str, Any]:
    """The parameter row of items/upsert_items: only the fields the caller set are changed."""
    fields = item.model_dump(exclude_unset=True, exclude={"item_id"})
    category = fields.pop("category", None)
    recommendable = fields.pop("recommendable", None)
    return {"item_id": item_id, "props": fields, "category": category,
            "recommendable": recommendable}
