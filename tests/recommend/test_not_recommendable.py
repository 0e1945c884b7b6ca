"""An item a store marks `recommendable: false` (a fee, gift wrap) after the served model was
built: never offered, cited in a reason, steering a list by context, nor a similar-items
anchor; `true` lifts it."""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.helpers import scalar
from tests.recommend.conftest import publish
from tests.recommend.test_recommendations import recs, wait_for_version


async def mark(client: httpx.AsyncClient, headers: dict[str, str], item_id: str,
               recommendable: bool) -> None:
    r = await client.put(f"/v1/items/{item_id}", json={"recommendable": recommendable},
                         headers=headers)
    assert r.status_code == 200, r.text
    assert r.json()["recommendable"] is recommendable


async def test_marked_items_are_neither_offered_nor_reasons(
    artifacts: Path, client: httpx.AsyncClient, admin_headers: dict[str, str], storefront: None,
    graph,
) -> None:
    await wait_for_version(client, publish(artifacts, favourite="i3", recall=0.2))
    # i2 (alice bought it: the reason of her top item) and i3 (her top item) become fees
    await mark(client, admin_headers, "i2", False)
    await mark(client, admin_headers, "i3", False)
    assert await scalar(graph, "MATCH (i:NonProduct) RETURN collect(i.item_id)") in (
        ["i2", "i3"], ["i3", "i2"])
    body = await recs(client, admin_headers, "alice", limit=3)
    ids = [item["item_id"] for item in body["items"]]
    assert ids and "i3" not in ids and "i2" not in ids
    assert all("Blue mug" not in item["reason"] for item in body["items"])
    # on screen, i2 steers nothing and is not cited
    viewing = await recs(client, admin_headers, "alice", limit=3, context_item="i2")
    assert all("viewing" not in item["reason"] for item in viewing["items"])
    similar = (await client.get("/v1/items/i2/similar", headers=admin_headers)).json()
    assert similar["fallback_reason"] == "unknown_item"
    assert "i3" not in [i["item_id"] for i in similar["items"]]
    anchored = (await client.get("/v1/items/i1/similar", params={"limit": 8},
                                 headers=admin_headers)).json()
    assert anchored["items"] and not {"i2", "i3"} & {i["item_id"] for i in anchored["items"]}
    # a partial update without the field keeps the label; true lifts it
    r = await client.put("/v1/items/i2", json={"price": 3.0}, headers=admin_headers)
    assert r.json()["recommendable"] is False
    await mark(client, admin_headers, "i2", True)
    assert await scalar(graph, "MATCH (i:NonProduct) RETURN collect(i.item_id)") == ["i3"]


async def test_recommendable_must_be_a_boolean(client: httpx.AsyncClient,
                                               admin_headers: dict[str, str]) -> None:
    r = await client.put("/v1/items/x", json={"recommendable": "no"}, headers=admin_headers)
    assert r.status_code == 422
    assert r.json()["error"]["fields"][0]["field"] == "/recommendable"
