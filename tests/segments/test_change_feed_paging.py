"""The segment change feed pages with a cursor: newest first, a total order (many records
share one time when a refresh writes them), every record once (real Neo4j)."""

from __future__ import annotations

import httpx
import pytest
from neo4j import AsyncDriver

from app.core.cursor import encode_cursor
from tests.segments.dataset import Dataset, User, write_dataset

pytestmark = pytest.mark.neo4j
PRO = {"id": "pro", "name": "Pro", "condition": {
    "type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}}


async def _pages(client: httpx.AsyncClient, headers: dict, limit: int,
                 query: str = "") -> list[list[tuple[str, str, str]]]:
    pages, cursor = [], None
    while True:
        url = f"/v1/segments/pro/changes?limit={limit}{query}" + (
            f"&cursor={cursor}" if cursor else "")
        r = await client.get(url, headers=headers)
        assert r.status_code == 200, r.text
        body = r.json()
        pages.append([(c["at"], c["user_id"], c["change"]) for c in body["changes"]])
        cursor = body["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50, "the cursor does not move on"


async def test_paging_returns_every_change_once(client: httpx.AsyncClient, graph: AsyncDriver,
                                                admin_headers: dict) -> None:
    await write_dataset(graph, Dataset([User(f"u{n}", {"trait_plan": "pro"}, {})
                                        for n in range(7)], [], []))
    assert (await client.post("/v1/segments", json=PRO, headers=admin_headers)
            ).status_code == 201
    await client.post("/v1/segments/pro/refresh", headers=admin_headers)  # 7 entries, one time
    await graph.execute_query("MATCH (u:User) WHERE u.user_id IN ['u1', 'u4'] "
                              "SET u.trait_plan = 'free'")
    await client.post("/v1/segments/pro/refresh", headers=admin_headers)  # 2 exits, later

    whole = (await client.get("/v1/segments/pro/changes?limit=1000",
                              headers=admin_headers)).json()
    assert whole["next_cursor"] is None and len(whole["changes"]) == 9
    everything = [(c["at"], c["user_id"], c["change"]) for c in whole["changes"]]
    for limit in (1, 2, 4):
        pages = await _pages(client, admin_headers, limit)
        assert all(len(p) == limit for p in pages[:-1]) and 0 < len(pages[-1]) <= limit
        assert [c for p in pages for c in p] == everything  # none missed, none repeated
    assert [(u, c) for _, u, c in everything[:2]] == [("u1", "exited"), ("u4", "exited")]
    assert sorted(u for _, u, c in everything[2:]) == [f"u{n}" for n in range(7)]

    one = await _pages(client, admin_headers, 1, "&user_id=u4")
    assert [c for p in one for c in p][:2] == [everything[1], next(
        e for e in everything if e[1:] == ("u4", "entered"))]

    for bad in ("not-a-cursor", encode_cursor("yesterday", "u1", "x")):
        r = await client.get(f"/v1/segments/pro/changes?cursor={bad}", headers=admin_headers)
        assert r.status_code == 422 and r.json()["error"]["code"] == "invalid_cursor", r.text
