"""The Segment e-commerce spec: which events name products, and how a product becomes an Item.

Single-product events carry the product in `properties`; order, cart and checkout events carry
`properties.products[]`. Any track event with a `products` list links its products too.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

SINGLE_PRODUCT_EVENTS = frozenset({
    "product_viewed", "product_clicked", "product_added", "product_removed",
    "product_added_to_wishlist", "product_removed_from_wishlist", "product_shared",
    "product_reviewed",
})
ORDER_EVENT = "order_completed"
# Product attributes live on the Item and the ON edge, so a product event does not repeat
# them as `p_<key>` scalars (they stay in properties_json).
PRODUCT_KEYS = frozenset({"product_id", "productId", "id", "sku", "name", "category", "brand",
                          "variant", "url", "image_url", "price", "quantity", "position"})
ITEM_FIELDS = {"name": "title", "category": "category", "brand": "brand", "variant": "variant",
               "url": "url", "image_url": "image_url", "sku": "sku"}


@dataclass(slots=True)
class ProductLine:
    item_id: str
    quantity: int
    price: float | None
    position: int
    item: dict[str, Any]  # Item properties the event states (title, category, price, ...)


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value)
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def _product(raw: Any, position: int) -> ProductLine | None:
    if not isinstance(raw, dict):
        return None
    item_id = raw.get("product_id") or raw.get("productId") or raw.get("id") or raw.get("sku")
    if item_id is None or isinstance(item_id, bool | dict | list) or str(item_id) == "":
        return None
    item: dict[str, Any] = {}
    for key, prop in ITEM_FIELDS.items():
        value = raw.get(key)
        if isinstance(value, str) and value:
            item[prop] = value[:500]
    price = _number(raw.get("price"))
    if price is not None:
        item["price"] = price
    qty = _number(raw.get("quantity"))
    quantity = int(qty) if qty is not None and abs(qty) < 1e9 else 1
    pos = _number(raw.get("position"))
    return ProductLine(str(item_id)[:256], quantity, price,
                       int(pos) if pos is not None and abs(pos) < 1e9 else position, item)


def product_lines(event_type: str, properties: dict[str, Any]) -> list[ProductLine]:
    if event_type in SINGLE_PRODUCT_EVENTS:
        line = _product(properties, 0)
        return [line] if line else []
    products = properties.get("products")
    if not isinstance(products, list):
        return []
    lines = [_product(p, i) for i, p in enumerate(products[:500])]
    return [line for line in lines if line is not None]


def order_revenue(properties: dict[str, Any], lines: list[ProductLine]) -> float:
    """Revenue of an Order Completed: `revenue`, else `total`, else the sum of its lines."""
    for key in ("revenue", "total"):
        value = _number(properties.get(key))
        if value is not None:
            return value
    return sum((line.price or 0.0) * line.quantity for line in lines)
