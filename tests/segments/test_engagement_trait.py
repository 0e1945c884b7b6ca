"""`engagement_score`, the computed trait intake keeps decayed on the profile, is usable in a
segment rule like the other computed traits (real Neo4j, events through /v1/track)."""

from __future__ import annotations

import httpx
import pytest

from app.core.config import Settings

pytestmark = pytest.mark.neo4j


def _track(user: str, event: str, n: int) -> dict:
    return {"messageId": f"m-{user}-{n}", "userId": user, "event": event,
            "timestamp": "2010-06-01T12:00:00Z",
            "properties": {"product_id": "sku-1", "order_id": f"o-{user}-{n}",
                           "revenue": 20.0, "products": [{"product_id": "sku-1"}]}}


async def test_engagement_score_segments_shoppers(client: httpx.AsyncClient, opt_out: Settings,
                                                  admin_headers: dict[str, str]) -> None:
    # an order weighs 10, a view 1 (docs/graph-model.md): the buyer scores about 10
    for n, (user, event) in enumerate([("buyer", "Order Completed"),
                                       ("browser", "Product Viewed")]):
        r = await client.post("/v1/track", json=_track(user, event, n), headers=admin_headers)
        assert r.status_code == 200, r.text
    condition = {"type": "trait", "property": "engagement_score", "op": "gte", "value": 5}
    preview = await client.post("/v1/segments/preview", json={"condition": condition},
                                headers=admin_headers)
    assert preview.status_code == 200, preview.text
    assert (preview.json()["count"], preview.json()["sample"]) == (1, ["buyer"])

    saved = await client.post("/v1/segments", headers=admin_headers, json={
        "id": "engaged", "name": "Engaged", "condition": condition})
    assert saved.status_code in (200, 201), saved.text
    why = await client.get("/v1/segments/engaged/members/browser", headers=admin_headers)
    assert why.json()["matches"] is False
    schema = (await client.get("/v1/segments/schema", headers=admin_headers)).text
    assert "engagement_score" in schema
