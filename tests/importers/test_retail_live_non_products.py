"""A live order naming a non-product code the Online Retail import met (postage sent to
/v1/batch with a pen) finds that Item labelled :NonProduct: it stays labelled, and the model
export and the popular lists leave it out."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path

from app.cli.main import trainer_target
from app.importers.online_retail import import_online_retail
from tests.helpers import scalar
from tests.importers.test_retail_non_products import service_lines
from trainer.read_graph import ExportSettings, export_interactions

PEN, POST = {"product_id": "22740", "name": "POLKADOT PEN", "price": 0.85, "quantity": 2}, {
    "product_id": "POST", "name": "POSTAGE", "price": 18.0, "quantity": 1}


def order(user: str, n: int) -> dict:
    return {"type": "track", "messageId": f"live-{user}-{n}", "userId": user,
            "event": "Order Completed", "timestamp": "2010-01-20T10:00:00Z",
            "properties": {"order_id": f"live-{user}-{n}", "revenue": 19.7,
                           "products": [dict(PEN), dict(POST)]}}


async def test_live_order_with_postage_keeps_it_out(graph, services, settings, client,
                                                    admin_headers, tmp_path: Path):
    await import_online_retail(services.intake, services.items,
                               service_lines(tmp_path / "r.parquet"))
    for user in ("shopper-1", "shopper-2"):
        r = await client.put(f"/v1/users/{user}/consent", headers=admin_headers, json={
            "purposes": {"analytics": True, "personalization": True}})
        assert r.status_code == 200, r.text
    r = await client.post("/v1/batch", headers=admin_headers,
                          json={"batch": [order("shopper-1", 1), order("shopper-2", 1)]})
    assert r.status_code == 200, r.text
    # the order's lines reached both items, and POST kept its label through intake's MERGE
    assert await scalar(graph, "MATCH (:Event {type:'order_completed'})-[:ON]->"
                               "(i:Item {item_id:'POST'}) RETURN count(*)") == 2
    assert await scalar(graph, "MATCH (i:Item {item_id:'POST'}) "
                               "RETURN [i:NonProduct, i.title]") == [True, "POSTAGE"]
    assert await scalar(graph, "MATCH (i:Item {item_id:'22740'}) RETURN i:NonProduct") is False

    data = await asyncio.to_thread(export_interactions, trainer_target(settings).connection,
                                   ExportSettings(), datetime(2010, 2, 1, tzinfo=UTC))
    assert "POST" not in data.item_ids and "22740" in data.item_ids
    popular = await services.popularity.popular()
    ids = [i.item_id for i in popular.items]
    assert "POST" not in ids and ids[0] == "22740"  # the most bought, postage aside
    r = await client.get("/v1/items/POST", headers=admin_headers)
    assert r.json()["recommendable"] is False and r.json()["title"] == "POSTAGE"
