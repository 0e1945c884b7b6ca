"""Imported events change segment membership at once, exactly as the same events sent to
`/v1/batch`: the CLI import opens the same services (and ingest listeners) as the API."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import orjson
from typer.testing import CliRunner

from app.cli.main import app as cli

SEGMENTS = [
    {"id": "viewed-then-bought", "name": "Viewed, then bought", "condition": {
        "type": "sequence", "first": {"event_type": "product_viewed"},
        "then": {"event_type": "order_completed"}, "within": {"days": 1}}},
    {"id": "recent-buyers", "name": "Bought this month", "condition": {
        "type": "event", "event_type": "order_completed", "within_days": 30}},
    {"id": "pro", "name": "Pro plan", "condition": {
        "type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}},
    {"id": "pro-buyers", "name": "Pro buyers", "condition": {"type": "and", "conditions": [
        {"type": "segment", "segment_id": "recent-buyers"},
        {"type": "segment", "segment_id": "pro"}]}},
]


def shoppers(prefix: str) -> list[dict[str, Any]]:
    """Three shoppers: one views then buys and is on the pro plan, one only views, one buys
    without viewing first."""
    now = datetime.now(UTC)

    def at(minutes: int) -> str:
        return (now - timedelta(hours=2) + timedelta(minutes=minutes)).isoformat()

    def msg(n: int, kind: str, user: str, **fields: Any) -> dict[str, Any]:
        return {"type": kind, "messageId": f"{prefix}-m{n}", "userId": f"{prefix}-{user}",
                **fields}

    order = {"order_id": "o", "revenue": 20.0,
             "products": [{"product_id": "sku-1", "price": 20.0, "quantity": 1}]}
    return [
        msg(1, "identify", "ann", traits={"plan": "pro"}, timestamp=at(0)),
        msg(2, "track", "ann", event="Product Viewed", properties={"product_id": "sku-1"},
            timestamp=at(1)),
        msg(3, "track", "ann", event="Order Completed",
            properties={**order, "order_id": f"{prefix}-o1"}, timestamp=at(5)),
        msg(4, "track", "ben", event="Product Viewed", properties={"product_id": "sku-1"},
            timestamp=at(2)),
        msg(5, "track", "cat", event="Order Completed",
            properties={**order, "order_id": f"{prefix}-o2"}, timestamp=at(3)),
    ]


async def memberships(client: httpx.AsyncClient, headers: dict[str, str],
                      prefix: str) -> dict[str, list[str]]:
    out = {}
    for user in ("ann", "ben", "cat"):
        r = await client.get(f"/v1/users/{prefix}-{user}/segments", headers=headers)
        assert r.status_code == 200, r.text
        out[user] = [s["segment_id"] for s in r.json()["segments"]]
    return out


async def test_cli_import_changes_membership_as_the_batch_route_does(
    client: httpx.AsyncClient, admin_headers: dict[str, str], opt_out: Any, tmp_path: Path
) -> None:
    for definition in SEGMENTS:
        r = await client.post("/v1/segments", json=definition, headers=admin_headers)
        assert r.status_code == 201, r.text

    r = await client.post("/v1/batch", json={"batch": shoppers("api")}, headers=admin_headers)
    assert r.status_code == 200, r.text
    path = tmp_path / "events.ndjson"
    path.write_bytes(b"\n".join(orjson.dumps(m) for m in shoppers("cli")))
    # The command runs its own event loop and driver, as from a shell.
    result = await asyncio.to_thread(CliRunner().invoke, cli,
                                     ["import", "segment-ndjson", str(path)])
    assert result.exit_code == 0, result.output

    sent = await memberships(client, admin_headers, "api")
    imported = await memberships(client, admin_headers, "cli")
    assert sent == {"ann": ["pro", "pro-buyers", "recent-buyers", "viewed-then-bought"],
                    "ben": [], "cat": ["recent-buyers"]}
    assert imported == sent
    changes = (await client.get("/v1/segments/viewed-then-bought/changes",
                                headers=admin_headers)).json()["changes"]
    assert sorted((c["user_id"], c["change"]) for c in changes) == [
        ("api-ann", "entered"), ("cli-ann", "entered")]
