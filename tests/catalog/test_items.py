"""Catalog endpoints."""

from __future__ import annotations

from tests.helpers import scalar


async def test_put_and_bulk_items(client, graph, ingest_headers, read_headers):
    r = await client.put("/v1/items/sku-1", json={"title": "Mug", "category": "Kitchen",
                                                  "price": 9.5}, headers=ingest_headers)
    assert r.status_code == 200, r.text
    assert r.json()["title"] == "Mug" and r.json()["category"] == "Kitchen"
    # a partial update changes only what it names; a new category replaces the old edge
    r = await client.put("/v1/items/sku-1", json={"category": "Home"}, headers=ingest_headers)
    assert r.json()["title"] == "Mug" and r.json()["price"] == 9.5
    assert await scalar(graph, "MATCH (:Item {item_id:'sku-1'})-[:IN_CATEGORY]->(c) "
                               "RETURN collect(c.name)") == ["Home"]
    r = await client.post("/v1/items", json={"items": [
        {"item_id": "sku-2", "title": "Tea"}, {"item_id": "sku-3", "price": 3},
        {"item_id": "sku-2", "title": "Green tea"}]}, headers=ingest_headers)
    assert r.json() == {"upserted": 2, "item_ids": ["sku-2", "sku-3"]}
    r = await client.get("/v1/items/sku-2", headers=read_headers)
    assert r.json()["title"] == "Green tea"
    assert await scalar(graph, "MATCH (i:Item) RETURN count(i)") == 3


async def test_item_bad_input(client, graph, ingest_headers, read_headers):
    r = await client.put("/v1/items/x", json={"price": -1}, headers=ingest_headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "/price"
    r = await client.put("/v1/items/x", json={"colour": "red"}, headers=ingest_headers)
    assert r.status_code == 422 and r.json()["error"]["fields"][0]["field"] == "/colour"
    r = await client.post("/v1/items", json={"items": []}, headers=ingest_headers)
    assert r.status_code == 422
    r = await client.put("/v1/items/x", json={"title": "t"}, headers=read_headers)
    assert r.status_code == 403
    assert (await client.get("/v1/items/none", headers=read_headers)).status_code == 404
    assert await scalar(graph, "MATCH (i:Item) RETURN count(i)") == 0
