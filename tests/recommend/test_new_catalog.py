"""A store whose catalog is replaced: new items only, bought by new shoppers. Their lists are
personalized before the automatic rebuild (the live graph around their history) and after it
(the rebuilt model), never the popularity fallback."""

from __future__ import annotations

import asyncio
import random
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from app.core.config import Settings
from app.importers.online_retail import import_online_retail
from app.wiring import Services
from tests.recommend.conftest import CONSENT_ALL, send
from tests.recommend.retail_store import retail_rows, write_retail

pytestmark = pytest.mark.neo4j
RANGES = {"lamps": [f"L{i}" for i in range(8)], "rugs": [f"R{i}" for i in range(8)]}


async def recs(client: httpx.AsyncClient, headers: dict[str, str], user: str) -> dict:
    r = await client.get(f"/v1/users/{user}/recommendations?limit=5", headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def served_version(client: httpx.AsyncClient, headers: dict[str, str], user: str,
                         other_than: str | None, timeout_s: float = 240.0) -> dict:
    """The user's list once the served model is a version other than `other_than`."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        body = await recs(client, headers, user)
        if body.get("model_version") not in (None, other_than):
            return body
        assert loop.time() < deadline, f"no automatic rebuild within {timeout_s} s: {body}"
        await asyncio.sleep(0.5)


def new_range_orders(shoppers: int = 24, seed: int = 3) -> list[dict]:
    """New shoppers, each buying 4 items of one of two new ranges, yesterday and today."""
    rnd = random.Random(seed)
    now = datetime.now(UTC)
    batch = []
    for n in range(shoppers):
        category = "lamps" if n % 2 == 0 else "rugs"
        for code in rnd.sample(RANGES[category], 4):
            props = {"product_id": code, "name": f"{category} {code}", "category": category,
                     "price": 20.0, "quantity": 1}
            batch.append({"type": "track", "messageId": str(uuid.uuid4()), "userId": f"new{n}",
                          "event": "Order Completed",
                          "timestamp": (now - timedelta(hours=rnd.uniform(0, 30))).isoformat(),
                          "properties": {"order_id": str(uuid.uuid4()), "revenue": 20.0,
                                         "products": [props]}})
    return batch


async def test_a_replaced_catalog_is_personalized_before_and_after_the_automatic_rebuild(
        artifacts: Path, refresh_on: Settings, client: httpx.AsyncClient, services: Services,
        admin_headers: dict[str, str], tmp_path: Path) -> None:
    # The old store: imported, built by the refresh on its own (no command), personalized.
    await import_online_retail(services.intake, services.items,
                               write_retail(tmp_path / "old.parquet", retail_rows()))
    old = await served_version(client, admin_headers, "20000", None)
    assert old["personalized"] and old["strategy"] == "gnn_live"

    # The catalog is replaced; the refresh is held back until the lists were checked.
    refresh_on.model_refresh_min_new_events = refresh_on.model_refresh_min_new_items = 10**9
    for n in range(24):
        r = await client.put(f"/v1/users/new{n}/consent", json={"purposes": CONSENT_ALL},
                             headers=admin_headers)
        assert r.status_code == 200, r.text
    await send(client, admin_headers, new_range_orders())
    before = await recs(client, admin_headers, "new0")
    assert before["model_version"] is None and before["fallback_reason"] is None, before
    assert before["personalized"] and before["strategy"] == "graph_neighbours"
    assert before["items"] and all(i["item_id"].startswith("L") for i in before["items"])
    assert before["items"][0]["reason"].startswith("often chosen with lamps ")

    # Enough new items: the refresh rebuilds on its own, the API reloads the new model.
    refresh_on.model_refresh_min_new_items = 1
    after = await served_version(client, admin_headers, "new1", old["model_version"])
    assert after["personalized"] and after["strategy"] in ("gnn_live", "gnn_inductive"), after
    assert after["items"][0]["item_id"].startswith("R")  # new1 bought rugs
    metrics = (await client.get("/metrics")).text
    assert 'profilegraph_model_refresh_last_outcome{outcome="promoted"} 1.0' in metrics
