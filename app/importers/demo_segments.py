"""Example segments for the demo store, uploaded like a marketer would (a re-run stores a new
version only when the definition changed)."""

from __future__ import annotations

from typing import Any

from app.segments.segment_service import SegmentService

DEMO_SEGMENTS: list[dict[str, Any]] = [
    {"id": "demo-kitchen-fans", "name": "Viewed three or more kitchen items in 60 days",
     "condition": {"type": "event", "event_type": "product_viewed", "within_days": 60,
                   "min_count": 3,
                   "filters": [{"field": "category", "op": "eq", "value": "Kitchen"}]}},
    {"id": "demo-recent-buyers", "name": "Ordered in the last 30 days",
     "condition": {"type": "event", "event_type": "order_completed", "within_days": 30}},
    {"id": "demo-cart-abandoners", "name": "Added to cart, no order within a day",
     "condition": {"type": "sequence", "first": {"event_type": "product_added"},
                   "then": {"event_type": "order_completed"}, "within": {"days": 1},
                   "then_occurred": False}},
]


async def create_demo_segments(segments: SegmentService) -> list[str]:
    """Uploads the examples that are not there yet; returns their ids."""
    existing = {s.segment_id for s in await segments.list_all()}
    for document in DEMO_SEGMENTS:
        if document["id"] not in existing:
            await segments.create(document)
    return [d["id"] for d in DEMO_SEGMENTS]
