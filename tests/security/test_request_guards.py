"""Guards in front of every route: body limit, authentication before the body is read, gzip
with trailing data, request ids and log lines that cannot be forged, pseudonymized ids,
fail-fast while Neo4j is down, what public health endpoints show."""

from __future__ import annotations

import gzip
import logging
import time

import httpx
import orjson
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from tests.helpers import track
from tests.security.conftest import app_client, new_key


async def test_unauthenticated_body_is_never_read(client: httpx.AsyncClient) -> None:
    pulled = 0

    async def body():
        nonlocal pulled
        for _ in range(400):  # 400 MB if read
            pulled += 1
            yield b"x" * (1024 * 1024)

    r = await client.post("/v1/admin/keys", content=body(),
                          headers={"content-type": "application/json"})
    assert r.status_code == 401 and r.json()["error"]["code"] == "unauthorized"
    assert pulled <= 1


async def test_every_route_has_a_body_limit(client: httpx.AsyncClient, admin_headers: dict
                                            ) -> None:
    big = b'{"name": "' + b"x" * (2 * 1024 * 1024) + b'", "scopes": ["read"]}'
    r = await client.post("/v1/admin/keys", content=big,
                          headers={**admin_headers, "content-type": "application/json"})
    assert r.status_code == 413 and r.json()["error"]["fields"][0]["field"] == "body"

    async def chunked():
        for _ in range(4):
            yield b"x" * (512 * 1024)

    r = await client.post("/v1/items", content=chunked(),
                          headers={**admin_headers, "content-type": "application/json"})
    assert r.status_code == 413


async def test_gzip_with_trailing_garbage_is_refused(client: httpx.AsyncClient,
                                                     admin_headers: dict) -> None:
    raw = gzip.compress(orjson.dumps(track("u1"))) + b"GARBAGE"
    r = await client.post("/v1/track", content=raw, headers={
        **admin_headers, "content-type": "application/json", "content-encoding": "gzip"})
    assert r.status_code == 400 and "after its end" in r.json()["error"]["message"]


async def test_non_utf8_request_id_is_replaced(client: httpx.AsyncClient) -> None:
    for value in (b"\xff\xfe", b"abc\r\nforged: 1", b"x" * 500):
        r = await client.get("/healthz", headers=[(b"x-request-id", value)])
        assert r.status_code == 200
        assert r.headers["x-request-id"] not in (value.decode("latin-1"), "")
    r = await client.get("/healthz", headers={"x-request-id": "req-42.a"})
    assert r.headers["x-request-id"] == "req-42.a"


async def test_access_log_is_json_escaped_and_pseudonymous(
        client: httpx.AsyncClient, admin_headers: dict, caplog: pytest.LogCaptureFixture) -> None:
    from app.core.logging import JsonFormatter

    caplog.set_level(logging.INFO, logger="profilegraph.access")
    await client.get("/v1/nothing%0A2026-01-01 INFO profilegraph.access GET /v1/admin 200")
    await client.get("/v1/users/alice@example.com/profile", headers=admin_headers)
    lines = [JsonFormatter().format(r) for r in caplog.records
             if r.name == "profilegraph.access"]
    assert len(lines) == 2 and all("\n" not in line for line in lines)
    entries = [orjson.loads(line) for line in lines]
    assert entries[0]["path"].startswith("/v1/nothing")
    assert entries[1]["path"] == "/v1/users/{user_id}/profile"
    assert entries[1]["path_params"]["user_id"].startswith("p:")
    assert "alice" not in "".join(lines)


async def test_readyz_hides_host_and_port(graph: AsyncDriver, settings: Settings) -> None:
    async with app_client(settings, neo4j_uri="bolt://127.0.0.1:9") as c:
        r = await c.get("/readyz")
    assert r.status_code == 503
    assert "127.0.0.1" not in r.text and ":9" not in r.text


async def test_fails_fast_while_neo4j_is_down(graph: AsyncDriver, settings: Settings,
                                              admin_headers: dict) -> None:
    async with app_client(settings, neo4j_uri="bolt://127.0.0.1:9") as c:
        r = await c.post("/v1/batch", json={"batch": [track("u1")]}, headers=admin_headers)
        assert r.status_code == 503
        for _ in range(50):  # the probe confirms the outage
            if c._transport.app.state.db_breaker.open:  # type: ignore[attr-defined]
                break
            await __import__("asyncio").sleep(0.05)
        started = time.perf_counter()
        r = await c.get("/v1/users/u1/profile", headers=admin_headers)
        assert r.status_code == 503 and r.headers["Retry-After"]
        assert time.perf_counter() - started < 0.5


async def test_metrics_protection_is_a_setting(graph: AsyncDriver, settings: Settings,
                                               admin_headers: dict) -> None:
    async with app_client(settings, metrics_public=False) as c:
        assert (await c.get("/metrics")).status_code == 401
        assert (await c.get("/metrics", headers=admin_headers)).status_code == 200
    async with app_client(settings, metrics_public=True) as c:
        assert (await c.get("/metrics")).status_code == 200


async def test_revoked_key_stops_at_once_on_this_replica(client: httpx.AsyncClient,
                                                         admin_headers: dict) -> None:
    headers = await new_key(client, admin_headers, "read")
    key_id = headers["Authorization"].split("_")[1]
    assert (await client.get("/v1/users/x/profile", headers=headers)).status_code == 404
    assert (await client.delete(f"/v1/admin/keys/{key_id}", headers=admin_headers)
            ).status_code == 200
    assert (await client.get("/v1/users/x/profile", headers=headers)).status_code == 401
