"""`category=` lists: one category by request, so uncapped, and topped up to `limit` from
the category's popular items when the model's pool runs short."""

from __future__ import annotations

import uuid
from pathlib import Path

import httpx

from tests.recommend.conftest import CONSENT_ALL, _ts, publish, send
from tests.recommend.test_recommendations import recs, wait_for_version


async def test_category_list_is_full_personalized_first_then_topped_up(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None
) -> None:
    # i7, a kitchen item the model has never seen, bought by one more shopper: only the
    # category's popular list can offer it.
    r = await client.put("/v1/users/s5/consent", json={"purposes": CONSENT_ALL},
                         headers=admin_headers)
    assert r.status_code == 200, r.text
    egg_cup = {"product_id": "i7", "name": "Egg cup", "category": "kitchen", "price": 4.0}
    await send(client, admin_headers, [{
        "type": "track", "messageId": str(uuid.uuid4()), "userId": "s5",
        "event": "Order Completed", "timestamp": _ts(1),
        "properties": {"order_id": str(uuid.uuid4()), "revenue": 4.0,
                       "products": [{**egg_cup, "quantity": 1}]}}])
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    app = client._transport.app  # type: ignore[attr-defined]
    assert "i7" not in app.state.services.models.current.item_row

    # Two kitchen items in the model are left to alice with her views allowed (i2 she
    # bought): both are served, where the diversity cap (0.5 of 2) kept one.
    two = await recs(client, admin_headers, "alice", limit=2, category="kitchen",
                     exclude_seen="false")
    assert two["strategy"] == "gnn_live" and two["personalized"] is True
    assert [i["item_id"] for i in two["items"]] == ["i3", "i1"]

    # A third slot: the model has no more kitchen items for her, the category's popular
    # list fills it, and says so.
    three = await recs(client, admin_headers, "alice", limit=3, category="kitchen",
                       exclude_seen="false")
    assert three["strategy"] == "gnn_live" and three["personalized"] is True
    items = three["items"]
    assert [i["item_id"] for i in items] == ["i3", "i1", "i7"]
    assert {i["category"] for i in items} == {"kitchen"}
    assert items[0]["reason"].startswith("because you")
    assert items[2]["reason"] == "popular in kitchen" and items[2]["title"] == "Egg cup"

    # The top-up leaves out what her list leaves out: i1 (viewed) and i2 (bought).
    default = await recs(client, admin_headers, "alice", limit=5, category="kitchen")
    assert [i["item_id"] for i in default["items"]] == ["i3", "i7"]
    assert default["items"][1]["reason"] == "popular in kitchen"
