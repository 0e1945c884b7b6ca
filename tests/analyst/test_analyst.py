"""POST /v1/cypher: read-only queries as JSON or CSV, writes/schema/admin refused with 403
and never executed, timeout, row cap, saved queries over REST."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import httpx
import pytest
from neo4j import AsyncDriver

from app.analyst.analyst_service import AnalystService, WorkerTarget, load_saved
from app.core.config import Settings
from app.core.errors import ApiError
from tests.segments.dataset import NOW, Dataset, Event, Item, Line, User, write_dataset


async def _shop(graph: AsyncDriver) -> None:
    items = [Item("sku-1", "shoes", 50.0, title="Runner"), Item("sku-2", "hats", 5.0)]
    users = [User("u1", {"rfm_r": 5, "rfm_f": 2, "rfm_m": 1, "revenue_total": 55.0},
                  {"marketing": "granted"}),
             User("u2", {"rfm_r": 3, "rfm_f": 1, "rfm_m": 1, "revenue_total": 5.0},
                  {"marketing": "denied"}),
             User("u3")]
    events = [Event("v1", "u1", "product_viewed", NOW - timedelta(days=3), {}, [Line("sku-1")]),
              Event("a1", "u1", "product_added", NOW - timedelta(days=2), {}, [Line("sku-1")]),
              Event("o1", "u1", "order_completed", NOW - timedelta(days=1), {"p_revenue": 55},
                    [Line("sku-1"), Line("sku-2")]),
              Event("o2", "u2", "order_completed", NOW - timedelta(days=1), {"p_revenue": 5},
                    [Line("sku-2")])]
    await write_dataset(graph, Dataset(users, items, events))


async def _node_count(graph: AsyncDriver) -> int:
    records, _, _ = await graph.execute_query("MATCH (n) RETURN count(n) AS n")
    return records[0]["n"]


async def test_read_query_as_json_and_csv(client: httpx.AsyncClient, graph: AsyncDriver,
                                          admin_headers: dict) -> None:
    await _shop(graph)
    body = {"query": "MATCH (u:User) WHERE u.user_id IN $ids RETURN u.user_id AS id, u "
                     "ORDER BY id", "params": {"ids": ["u1", "u2"]}}
    r = await client.post("/v1/cypher", json=body, headers=admin_headers)
    assert r.status_code == 200, r.text
    result = r.json()
    assert result["columns"] == ["id", "u"] and result["row_count"] == 2
    assert result["rows"][0][1]["labels"] == ["User"]
    assert result["rows"][0][1]["properties"]["rfm_r"] == 5

    r = await client.post("/v1/cypher", json=body, headers={**admin_headers,
                                                            "accept": "text/csv"})
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(r.text)))
    assert rows[0] == ["id", "u"] and [row[0] for row in rows[1:]] == ["u1", "u2"]


@pytest.mark.parametrize("query", [
    "CREATE (:User {user_id: 'intruder'})",
    "MATCH (u:User) SET u.trait_pwned = true",
    "MATCH (u:User) DETACH DELETE u",
    "MERGE (:Segment {segment_id: 'x'})",
    "CREATE INDEX pwned IF NOT EXISTS FOR (n:User) ON (n.trait_x)",
    "DROP CONSTRAINT user_user_id",
    "CALL db.createLabel('Pwned')",
    "CALL db.clearQueryCaches()",
    "TERMINATE TRANSACTIONS 'neo4j-transaction-1'",
    "CALL dbms.listConfig() YIELD name RETURN name",
    "LOAD CSV FROM 'file:///etc/passwd' AS line RETURN line",
    "MATCH (u:User) CALL (u) { SET u.x = 1 } IN TRANSACTIONS RETURN 1",
    "USE system SHOW USERS",
    "SHOW TRANSACTIONS",
    "SHOW CURRENT USER",
    "MATCH (u:User) WITH u CALL (u) { CREATE (:Pwned) } RETURN count(*)",
])
async def test_writes_schema_and_admin_are_refused(client: httpx.AsyncClient,
                                                   graph: AsyncDriver, admin_headers: dict,
                                                   query: str) -> None:
    await _shop(graph)
    before = await _node_count(graph)
    r = await client.post("/v1/cypher", json={"query": query}, headers=admin_headers)
    assert r.status_code == 403, (query, r.text)
    assert r.json()["error"]["code"] == "read_only"
    assert await _node_count(graph) == before
    records, _, _ = await graph.execute_query("SHOW INDEXES YIELD name WHERE name = 'pwned' "
                                              "RETURN count(*) AS n")
    assert records[0]["n"] == 0


async def test_strings_mentioning_keywords_are_fine(client: httpx.AsyncClient,
                                                    graph: AsyncDriver,
                                                    admin_headers: dict) -> None:
    await _shop(graph)
    query = ("OPTIONAL MATCH (x:Use) WITH {use: 1} AS n "
             "RETURN 'CREATE (n) LOAD CSV USE x' AS s, n.use AS u // USE x")
    r = await client.post("/v1/cypher", json={"query": query}, headers=admin_headers)
    assert r.status_code == 200, r.text
    assert r.json()["rows"] == [["CREATE (n) LOAD CSV USE x", 1]]


async def test_row_cap_and_timeout(graph: AsyncDriver, settings: Settings) -> None:
    service = AnalystService(WorkerTarget.from_settings(settings), timeout_s=0.5, row_cap=3,
                             workers=1)
    try:
        result = await service.run("UNWIND range(1, 10) AS x RETURN x")
        assert result.rows == [[1], [2], [3]] and result.truncated_by == "rows"
        with pytest.raises(ApiError) as err:
            await service.run("UNWIND range(1, 100000000) AS x WITH x WHERE x % 7 = 0 "
                              "RETURN count(*) AS n")
        assert err.value.status_code == 408
    finally:
        service.close()


async def test_bad_queries_are_400(client: httpx.AsyncClient, admin_headers: dict) -> None:
    r = await client.post("/v1/cypher", json={"query": "MATCH (n RETURN n"}, headers=admin_headers)
    assert (r.status_code, r.json()["error"]["code"]) == (400, "invalid_query")
    r = await client.post("/v1/cypher", json={"query": "RETURN $missing"}, headers=admin_headers)
    assert r.status_code == 400


async def test_a_mistake_is_placed_in_the_query_as_typed(client: httpx.AsyncClient,
                                                        admin_headers: dict) -> None:
    """The check runs `EXPLAIN <query>`; the message must speak of the query typed: no
    prefix in the quoted line, the column and offset of the mistake in that text."""
    query = "MATCH (n) RETRN n"
    r = await client.post("/v1/cypher", json={"query": query}, headers=admin_headers)
    assert r.status_code == 400
    message = r.json()["error"]["message"]
    assert "EXPLAIN" not in message
    at = query.index("RETRN")
    assert f"(line 1, column {at + 1} (offset: {at}))" in message
    assert f'\n"{query}"\n{" " * (at + 1)}^' in message  # under the quote-led line
    # a mistake on a later line keeps its column; the offset counts from the query's start
    query = "MATCH (n)\nWHERE n.x = 1\nRETURN m"
    r = await client.post("/v1/cypher", json={"query": query}, headers=admin_headers)
    message = r.json()["error"]["message"]
    assert "EXPLAIN" not in message
    assert f"(line 3, column 8 (offset: {len(query) - 1}))" in message


async def test_saved_queries_list_and_run(client: httpx.AsyncClient, graph: AsyncDriver,
                                          admin_headers: dict) -> None:
    await _shop(graph)
    listed = (await client.get("/v1/cypher/saved", headers=admin_headers)).json()["queries"]
    names = {q["name"] for q in listed}
    assert names == set(load_saved()) >= {
        "rfm_distribution", "funnel_view_cart_purchase", "segment_overlap",
        "top_co_purchased_items", "consent_coverage"}
    assert all(q["description"] for q in listed)
    results = {}
    for name in names:
        # the log is dated around tests.segments.dataset.NOW, far from today's clock
        body = {"params": {"days": 3650}} if name == "funnel_view_cart_purchase" else None
        r = await client.post(f"/v1/cypher/saved/{name}", json=body, headers=admin_headers)
        assert r.status_code == 200, (name, r.text)
        results[name] = r.json()
    rfm = results["rfm_distribution"]
    assert [row[:4] for row in rfm["rows"]] == [[5, 2, 1, 1], [3, 1, 1, 1]]
    funnel = dict(zip(results["funnel_view_cart_purchase"]["columns"],
                      results["funnel_view_cart_purchase"]["rows"][0], strict=True))
    assert (funnel["viewed"], funnel["added"], funnel["purchased"]) == (1, 1, 1)
    pairs = results["top_co_purchased_items"]["rows"]
    assert [row[0] for row in pairs] == ["sku-1"] and pairs[0][2] == "sku-2"
    coverage = {row[0]: row[1:4] for row in results["consent_coverage"]["rows"]}
    assert coverage["marketing"] == [1, 1, 1]
    r = await client.post("/v1/cypher/saved/top_co_purchased_items",
                          json={"params": {"limit": 0}}, headers=admin_headers)
    assert r.json()["rows"] == []
    assert (await client.post("/v1/cypher/saved/nope", headers=admin_headers)
            ).status_code == 404


async def test_analyst_scope_is_required(client: httpx.AsyncClient) -> None:
    assert (await client.post("/v1/cypher", json={"query": "RETURN 1"})).status_code == 401
