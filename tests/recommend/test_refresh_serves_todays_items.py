"""After an import grows the store, the model refresh serves a model of today's items even when
the serving model's recipe beats the new build on today's split: that recipe refitted on
today's data is promoted, never the stale artifact kept (docs/design.md)."""

from __future__ import annotations

import asyncio
import random
from pathlib import Path

import pytest

from app.cli.main import trainer_target
from app.core.config import Settings
from app.importers.online_retail import import_online_retail
from app.wiring import Services
from recmodel.artifact_format import current_version, load_artifact, read_manifest
from tests.recommend.retail_store import write_retail
from trainer.build_model import publish_graph_filter
from trainer.read_graph import export_interactions

pytestmark = pytest.mark.neo4j
# The serving model's recipe: a graph filter outside the build's own grid, which beats the
# refresh's quick build (GF-CF grid, Turbo-CF) on this store's split.
RECIPE = (12, 0.5)


def shelf_rows(customers: int, first: int, prefix: str, seed: int, shelves: int = 6,
               per_shelf: int = 40, stray: float = 0.3) -> list[tuple]:
    """Online Retail II rows: customers buy mostly from their shelf, popular codes first, with
    strays to other shelves, 3-5 invoices each in 2010: a store no model ranks perfectly."""
    rnd = random.Random(seed)
    rows: list[tuple] = []
    for n in range(customers):
        for month in rnd.sample(range(1, 12), rnd.randint(3, 5)):
            invoice, day = f"{prefix}{first + n}{month:02d}", rnd.randint(1, 28)
            for _ in range(4):
                shelf = n % shelves if rnd.random() > stray else rnd.randrange(shelves)
                code = f"{prefix}S{shelf}-{min(int(rnd.expovariate(0.1)), per_shelf - 1)}"
                at = f"2010-{month:02d}-{day:02d} 10:00:00"
                rows.append((invoice, code, f"ITEM {code}", 1, at, 2.0, float(first + n),
                             "United Kingdom"))
    return rows


async def test_a_winning_serving_recipe_is_refitted_on_todays_items_and_promoted(
        artifacts: Path, refresh_on: Settings, services: Services, tmp_path: Path) -> None:
    await import_online_retail(services.intake, services.items,
                               write_retail(tmp_path / "a.parquet", shelf_rows(60, 20000, "", 7)))
    target = trainer_target(refresh_on)
    data = await asyncio.to_thread(export_interactions, target.connection)
    old = await asyncio.to_thread(publish_graph_filter, data, artifacts,
                                  families=("graph_filter",), grid=(RECIPE,))
    assert old.promoted
    services.models.reload_if_changed()
    # A second shop's history arrives: new customers on new shelves (item ids prefixed N)
    await import_online_retail(services.intake, services.items, write_retail(
        tmp_path / "b.parquet", shelf_rows(120, 30000, "N", 8)))
    decision = await services.model_refresh.check_once()
    assert decision.build, decision
    status = await services.model_refresh.status()
    version = current_version(artifacts)
    judged = read_manifest(artifacts / status.last["version"])["promotion"]
    assert judged["recipe_wins"], judged  # the case under test: the serving recipe won
    assert status.last["outcome"] == "promoted", status.last
    assert version == status.last["version"] != old.version
    assert services.models.current.version == version  # reloaded at once
    served = load_artifact(artifacts / version)
    assert (served.manifest["params"]["rank"], served.manifest["params"]["alpha"]) == RECIPE
    assert any(item.startswith("N") for item in served.item_row)  # today's items are served
    assert not any(item.startswith("N") for item in load_artifact(old.path).item_row)
