"""Bounds on what one client may write into shared aggregates: event times and amounts.

Clock policy (as Segment does): when a message carries both `timestamp` and `sentAt`, the
device clock's error is removed: timestamp := receivedAt - (sentAt - timestamp). The result
(or a timestamp sent without sentAt) must lie between 1970-01-01 and 24 hours after receipt;
anything else is refused with a 422 naming the field, so no event can pin `last_seen` or the
engagement clock to year 9999.

Amounts (`revenue`, `total`, `price`, ... and each product's `price` and `quantity`) must be
finite and within ±1e12 (quantities ±1e6), so no sum over them reaches Infinity.
"""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
FUTURE_TOLERANCE = timedelta(hours=24)
MAX_AMOUNT = 1e12
MAX_QUANTITY = 1e6
AMOUNT_KEYS = ("revenue", "total", "subtotal", "value", "price", "shipping", "tax",
               "discount")
PRODUCT_KEYS = {"price": MAX_AMOUNT, "quantity": MAX_QUANTITY}
MAX_PRODUCTS_CHECKED = 500


class BoundError(ValueError):
    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


def corrected_time(ts: datetime, sent: datetime | None, received_at: datetime,
                   field: str) -> datetime:
    """The event time after clock-skew correction, checked against the policy above."""
    if sent is not None:
        try:
            ts = received_at - (sent - ts)
        except OverflowError:
            raise BoundError(field, "timestamp and sentAt are too far apart to correct "
                             "the clock") from None
    if ts < EARLIEST:
        raise BoundError(field, "is before 1970-01-01 (after clock correction)")
    if ts > received_at + FUTURE_TOLERANCE:
        raise BoundError(field, "is more than 24 hours in the future (after clock "
                         "correction)")
    return ts


def _numeric(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value) if not isinstance(value, int) or abs(value) < 2**63 else math.inf
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _check(value: Any, limit: float, field: str) -> None:
    number = _numeric(value)
    if number is not None and not (math.isfinite(number) and abs(number) <= limit):
        raise BoundError(field, f"must be a finite number within ±{limit:.0e}")


def check_amounts(properties: dict[str, Any], prefix: str) -> None:
    for key in AMOUNT_KEYS:
        if key in properties:
            _check(properties[key], MAX_AMOUNT, f"{prefix}properties.{key}")
    if "quantity" in properties:
        _check(properties["quantity"], MAX_QUANTITY, f"{prefix}properties.quantity")
    products = properties.get("products")
    if isinstance(products, list):
        for i, product in enumerate(products[:MAX_PRODUCTS_CHECKED]):
            if isinstance(product, dict):
                for key, limit in PRODUCT_KEYS.items():
                    if key in product:
                        _check(product[key], limit, f"{prefix}properties.products.{i}.{key}")
