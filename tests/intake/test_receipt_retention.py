"""Receipts of identify/alias/group messages are kept for the retention period: a replay
within it is a duplicate, older receipts are pruned (in batches) and counted on /metrics."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from neo4j import AsyncDriver

from app.core.config import Settings
from app.core.metrics import RECEIPTS_PRUNED
from app.wiring import Services


def _identify(user: str) -> dict[str, Any]:
    return {"type": "identify", "messageId": str(uuid.uuid4()), "userId": user,
            "timestamp": datetime.now(UTC).isoformat(), "traits": {"plan": "pro"}}


async def _receipt_ids(graph: AsyncDriver) -> set[str]:
    records, _, _ = await graph.execute_query(
        "MATCH (r:MessageReceipt) RETURN r.message_id AS id")
    return {r["id"] for r in records}


async def test_old_receipts_are_pruned_recent_ones_still_deduplicate(
        client: httpx.AsyncClient, graph: AsyncDriver, services: Services,
        admin_headers: dict, opt_out: Settings) -> None:
    recent, old = _identify("erin"), [_identify(f"old-{n}") for n in range(5)]
    r = await client.post("/v1/batch", json={"batch": [recent, *old]}, headers=admin_headers)
    assert r.status_code == 200 and r.json()["stored"] == 6, r.text
    old_ids = [m["messageId"] for m in old]
    await graph.execute_query(
        "MATCH (r:MessageReceipt) WHERE r.message_id IN $ids SET r.at = $at",
        ids=old_ids, at=datetime.now(UTC) - timedelta(days=31))
    before = RECEIPTS_PRUNED._value.get()

    retention = services.receipt_retention
    retention._batch = 2  # several batches: the prune loops until none is left
    assert await retention.prune() == 5
    assert await _receipt_ids(graph) == {recent["messageId"]}
    assert RECEIPTS_PRUNED._value.get() - before == 5

    again = await client.post("/v1/batch", json={"batch": [recent]}, headers=admin_headers)
    assert again.json()["duplicates"] == 1
    metrics = (await client.get("/metrics", headers=admin_headers)).text
    assert "profilegraph_message_receipts_pruned_total" in metrics
