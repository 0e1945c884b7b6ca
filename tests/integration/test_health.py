"""Liveness, readiness, metrics and error bodies of the running app."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings
from app.migrate.runner import MigrationRunner
from app.ops import neo4j_server


async def test_healthz_and_metrics(client: httpx.AsyncClient) -> None:
    assert (await client.get("/healthz")).json() == {"status": "ok"}
    await client.get("/healthz")
    metrics = await client.get("/metrics")
    assert metrics.status_code == 200
    assert 'profilegraph_http_requests_total{method="GET",route="/healthz",status="200"}' in (
        metrics.text
    )


async def test_unknown_route_gets_a_json_error(client: httpx.AsyncClient) -> None:
    response = await client.get("/v1/nope")
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"
    assert response.headers["x-request-id"]


async def test_readyz_reports_pending_migrations(
    client: httpx.AsyncClient, graph: AsyncDriver, settings: Settings, tmp_path: Path
) -> None:
    assert (await client.get("/readyz")).status_code == 200
    from app.core.paths import MIGRATIONS_DIR

    for path in MIGRATIONS_DIR.glob("V*.cypher"):
        (tmp_path / path.name).write_bytes(path.read_bytes())
    (tmp_path / "V9999__not_yet.cypher").write_text("CREATE (:NotYet);")
    app = client._transport.app  # type: ignore[attr-defined]
    app.state.services.migrations = MigrationRunner(graph, tmp_path,
                                                    database=settings.neo4j_database)
    response = await client.get("/readyz")
    assert response.status_code == 503
    assert response.json()["pending_migrations"] == ["V9999__not_yet.cypher"]
    assert "pending" in response.json()["reason"]


async def test_readyz_follows_neo4j_down_and_up_without_restarting_the_api(
    client: httpx.AsyncClient, settings: Settings
) -> None:
    assert (await client.get("/readyz")).status_code == 200
    neo4j_server.stop(settings)
    try:
        down = await client.get("/readyz")
        assert down.status_code == 503
        assert down.headers["retry-after"]
        assert "neo4j" in down.json()["reason"]
    finally:
        neo4j_server.start(settings)
    # The same app, no restart: readiness comes back once the server answers again (the
    # first queries after a start are planned cold, so allow a few probes).
    for _ in range(30):
        up = await client.get("/readyz")
        if up.status_code == 200:
            break
        await asyncio.sleep(1)
    assert up.status_code == 200, up.text
