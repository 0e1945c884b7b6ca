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
# Spec events that carry `properties.products[]`: there it must be a list of products.
MULTI_PRODUCT_EVENTS = frozenset({
    "product_list_viewed", "product_list_filtered", "cart_viewed", "cart_shared",
    "checkout_started", "order_updated", ORDER_EVENT, "order_refunded", "order_cancelled",
})
ID_KEYS = ("product_id", "productId", "id", "sku")
MAX_PRODUCTS = 500
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


class SpecError(ValueError):
    """A property the service reads from a spec event has a value it cannot read."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def _check_numbers(raw: dict[str, Any], keys: tuple[str, ...], where: str) -> None:
    for key in keys:
        value = raw.get(key)
        if value is not None and _number(value) is None:
            raise SpecError(where + key, "must be a number")


def _check_product(raw: Any, where: str, needs_id: bool) -> None:
    if not isinstance(raw, dict):
        raise SpecError(where.rstrip("."), "must be an object with a product_id")
    key = next((k for k in ID_KEYS if raw.get(k) is not None), None)
    if key is not None:
        value = raw[key]
        if isinstance(value, bool) or not isinstance(value, str | int) or not value:
            raise SpecError(where + key, "must be a non-empty string")
    elif needs_id:
        raise SpecError(where + "product_id", "is required for each product")
    _check_numbers(raw, ("price", "quantity", "position"), where)


def check_spec_properties(event_type: str, properties: dict[str, Any], prefix: str) -> None:
    """The properties the service reads from an e-commerce spec event must be readable: a
    value it would otherwise skip or count as 0 is refused (SpecError names it). Properties
    it does not read keep Segment's leniency."""
    where = prefix + "properties."
    if event_type in SINGLE_PRODUCT_EVENTS:
        _check_product(properties, where, needs_id=False)
    if event_type == ORDER_EVENT:
        _check_numbers(properties, ("revenue", "total"), where)
    products = properties.get("products")
    if products is None or (event_type not in MULTI_PRODUCT_EVENTS
                            and not isinstance(products, list)):
        return  # a custom event's non-list `products` is not read
    if not isinstance(products, list):
        raise SpecError(where + "products", "must be a list of products")
    for i, product in enumerate(products[:MAX_PRODUCTS]):
        _check_product(product, f"{where}products.{i}.", needs_id=True)


def _product(raw: Any, position: int) -> ProductLine | None:
    if not isinstance(raw, dict):
        return None
    item_id = next((raw[k] for k in ID_KEYS if raw.get(k)), None)
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
    lines = [_product(p, i) for i, p in enumerate(products[:MAX_PRODUCTS])]
    return [line for line in lines if line is not None]


def order_revenue(properties: dict[str, Any], lines: list[ProductLine]) -> float:
    """Revenue of an Order Completed: `revenue`, else `total`, else the sum of its lines."""
    for key in ("revenue", "total"):
        value = _number(properties.get(key))
        if value is not None:
            return value
    return sum((line.price or 0.0) * line.quantity for line in lines)
