"""A purchase history imported from 2010 trains and serves: the export anchors its window
and decay on the store's latest event, serving on the shopper's own (docs/graph-model.md,
"Time")."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import pytest

from app.cli.main import trainer_target
from app.core.config import Settings
from app.importers.online_retail import import_online_retail
from app.wiring import Services
from tests.recommend.retail_store import retail_rows, write_retail
from trainer.build_model import publish_graph_filter
from trainer.read_graph import export_interactions

pytestmark = pytest.mark.neo4j


async def wait_for_model(client: httpx.AsyncClient, headers: dict[str, str], user: str,
                         version: str, timeout_s: float = 10.0) -> dict:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    while True:
        body = (await client.get(f"/v1/users/{user}/recommendations",
                                 headers=headers)).json()
        if body.get("model_version") == version or loop.time() > deadline:
            return body
        await asyncio.sleep(0.05)


async def test_an_imported_2010_history_is_personalized(
        artifacts: Path, client: httpx.AsyncClient, services: Services, settings: Settings,
        admin_headers: dict[str, str], tmp_path: Path) -> None:
    path = write_retail(tmp_path / "retail.parquet", retail_rows())
    await import_online_retail(services.intake, services.items, path)
    data = await asyncio.to_thread(export_interactions, trainer_target(settings).connection)
    assert data.n_users == 40 and data.meta["as_of"].startswith("2010-")
    built = await asyncio.to_thread(publish_graph_filter, data, artifacts,
                                    families=("graph_filter",))
    assert built.promoted
    body = await wait_for_model(client, admin_headers, "20000", built.version)
    assert body["personalized"] is True and body["strategy"] == "gnn_live", body
    # a tea customer is offered tea first, with a reason naming what they bought
    assert body["items"][0]["item_id"].startswith("T"), body["items"]
    assert body["items"][0]["reason"].startswith("because you bought")
    static = (await client.get("/v1/users/20001/recommendations?mode=static",
                               headers=admin_headers)).json()
    assert static["strategy"] == "gnn" and static["items"][0]["item_id"].startswith("G")


async def test_a_2010_import_into_a_store_with_todays_events_trains_on_both(
        artifacts: Path, client: httpx.AsyncClient, services: Services, settings: Settings,
        admin_headers: dict[str, str], storefront: None, tmp_path: Path) -> None:
    """The newcomer's path: today's shop (the demo), then a 2010 history imported. The
    export's window and decay no longer drop the old history (the quiet years between the
    two split the timeline and the old one is moved to end with the new): the model holds
    both, and imported customers are served by it."""
    path = write_retail(tmp_path / "retail.parquet", retail_rows())
    await import_online_retail(services.intake, services.items, path)
    data = await asyncio.to_thread(export_interactions, trainer_target(settings).connection)
    assert {"alice", "20000", "20001"} <= set(data.user_ids)
    assert {"i4", "T0", "G0"} <= set(data.item_ids)
    histories = data.meta["export"]["histories"]
    assert histories[0]["last"][:4] == "2010" and len(histories) == 2
    assert data.meta["as_of"][:4] == histories[-1]["last"][:4] != "2010"
    built = await asyncio.to_thread(publish_graph_filter, data, artifacts,
                                    families=("graph_filter",))
    assert built.promoted
    body = await wait_for_model(client, admin_headers, "20000", built.version)
    assert body["personalized"] is True and body["strategy"] == "gnn_live", body
    assert body["model_version"] == built.version
    assert body["items"][0]["item_id"].startswith("T"), body["items"]
