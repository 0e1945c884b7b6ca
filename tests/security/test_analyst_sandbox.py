"""The analyst sandbox: decided by the server's own parse (EXPLAIN), not by a lexer; security
labels hidden; parameters checked; answers capped in bytes; the event loop stays free."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from tests.security.conftest import HEALTHZ_BOUND_MS, app_client, healthz_while


@pytest.mark.parametrize(("query", "code"), [
    ("// x\rSHOW TRANSACTIONS YIELD currentQuery, parameters", "read_only"),
    ("// x\rTERMINATE TRANSACTIONS $ids", "read_only"),
    ("// x\r\nTERMINATE TRANSACTIONS $ids", "read_only"),
    ("/* x */ SHOW SETTINGS", "read_only"),
    ("SHOW PROCEDURES", "read_only"),
    ("SHOW FUNCTIONS", "read_only"),
    ("SHOW DATABASES", "read_only"),
    ("CALL dbms.listConfig()", "read_only"),  # DBMS mode, but shows configuration
    ("CALL dbms.listConnections()", "read_only"),
    ("CALL dbms.components() YIELD name CALL db.createLabel('X') RETURN name", "read_only"),
    ("MATCH (k:ApiKey) RETURN k.key_hash", "not_visible"),
    ("MATCH (k:User|ApiKey) RETURN k", "not_visible"),
    ("MATCH (n) RETURN n", "unanchored_scan"),
    ("MATCH (n) WHERE id(n) = 0 RETURN n", "unanchored_scan"),
    ("MATCH (n:$($label)) RETURN n", "not_visible"),
    ("MATCH (m:__Neo4jMigration) RETURN m", "not_visible"),
    ("MATCH (e:ErasedIdentity) RETURN e", "not_visible"),
])
async def test_commands_and_security_nodes_are_refused(client: httpx.AsyncClient,
                                                       admin_headers: dict, query: str,
                                                       code: str) -> None:
    body = {"query": query, "params": {"ids": ["neo4j-transaction-1"], "label": "ApiKey"}}
    r = await client.post("/v1/cypher", json=body, headers=admin_headers)
    assert r.status_code == 403, (query, r.text)
    assert r.json()["error"]["code"] == code, r.text
    assert r.json()["error"]["fields"][0]["field"] == "query"
    # only a refusal of a non-read says the Cypher is read-only
    assert ("read-only" in r.json()["error"]["message"]) == (code == "read_only")


async def test_reads_anchored_on_labels_still_run(client: httpx.AsyncClient,
                                                  admin_headers: dict) -> None:
    for query in ("MATCH (n) RETURN count(n) AS n", "MATCH (u:User)-[r]->(x) RETURN count(r)",
                  "CALL db.labels() YIELD label RETURN label", "RETURN 1 AS one",
                  "CALL db.ping()", "CALL db.info() YIELD name RETURN name"):
        r = await client.post("/v1/cypher", json={"query": query}, headers=admin_headers)
        assert r.status_code == 200, (query, r.text)
    # read-only procedures of the DBMS mode (planned as type 's') on the allow list run
    for query in ("CALL dbms.components()",
                  "CALL dbms.components() YIELD name, edition RETURN name, edition"):
        r = await client.post("/v1/cypher", json={"query": query}, headers=admin_headers)
        assert r.status_code == 200, (query, r.text)
        assert r.json()["rows"][0][0] == "Neo4j Kernel"


@pytest.mark.parametrize(("raw", "reason"), [
    (b'{"query": "RETURN $x", "params": {"x": 1180591620717411303424}}', "64-bit"),
    (b'{"query": "RETURN $x", "params": {"x": 1e400}}', "finite"),
    (b'{"query": "RETURN $x", "params": {"x": ["ok", "\\ud800"]}}', "surrogate"),
])
async def test_parameters_neo4j_cannot_hold_are_422(client: httpx.AsyncClient,
                                                    admin_headers: dict, raw: bytes,
                                                    reason: str) -> None:
    headers = {**admin_headers, "content-type": "application/json"}
    r = await client.post("/v1/cypher", content=raw, headers=headers)
    assert r.status_code == 422, r.text
    field = r.json()["error"]["fields"][0]
    assert field["field"] == "params.x" and reason in field["reason"]


async def test_answers_are_capped_in_bytes(graph: AsyncDriver, settings: Settings,
                                           admin_headers: dict) -> None:
    async with app_client(settings, analyst_byte_cap=64 * 1024) as client:
        one_big_row = {"query": "RETURN reduce(s = 'x', i IN range(1, 20) | s + s) AS s"}
        r = await client.post("/v1/cypher", json=one_big_row, headers=admin_headers)
        assert r.status_code == 413, r.text
        assert r.json()["error"]["code"] == "result_too_large"
        many_rows = {"query": "UNWIND range(1, 100) AS i "
                              "RETURN reduce(s = 'x', i IN range(1, 12) | s + s) AS s"}
        r = await client.post("/v1/cypher", json=many_rows, headers=admin_headers)
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["truncated"] and body["truncated_by"] == "bytes"
        assert 0 < body["row_count"] < 100 and len(r.content) <= 64 * 1024
        assert r.headers["x-truncated"] == "true"


async def test_huge_result_does_not_stall_the_event_loop(client: httpx.AsyncClient,
                                                         admin_headers: dict) -> None:
    query = {"query": "RETURN range(1, 5000000) AS r"}
    response, slowest_ms = await healthz_while(
        client, lambda: client.post("/v1/cypher", json=query, headers=admin_headers))
    assert response.status_code == 413, response.text  # one row over the 16 MB cap
    assert slowest_ms < HEALTHZ_BOUND_MS, slowest_ms
    ready = await client.get("/readyz")
    assert ready.status_code == 200


async def test_terminate_cannot_reach_other_transactions(client: httpx.AsyncClient,
                                                         graph: AsyncDriver,
                                                         admin_headers: dict) -> None:
    async with graph.session() as session:
        tx = await session.begin_transaction()
        try:
            await (await tx.run("RETURN 1")).consume()
            records, _, _ = await graph.execute_query(
                "SHOW TRANSACTIONS YIELD transactionId RETURN collect(transactionId) AS ids")
            body = {"query": "// x\rTERMINATE TRANSACTIONS $ids",
                    "params": {"ids": records[0]["ids"]}}
            r = await client.post("/v1/cypher", json=body, headers=admin_headers)
            assert r.status_code == 403
            await asyncio.sleep(0)
            await (await tx.run("RETURN 2")).consume()  # still alive
        finally:
            await tx.close()
