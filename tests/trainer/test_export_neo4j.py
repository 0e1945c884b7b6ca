"""Export against the real Neo4j started by the project's test fixtures (tests/conftest.py)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from neo4j import AsyncDriver

from app.cli.main import trainer_target
from tests.trainer.helpers import load_current
from trainer.read_graph import ExportSettings, export_interactions, fetch_interactions

pytestmark = pytest.mark.neo4j

AS_OF = datetime(2026, 6, 1, tzinfo=UTC)

SEED = """
UNWIND $users AS u
MERGE (usr:User {user_id: u.id})
WITH usr, u WHERE u.consent IS NOT NULL
MATCH (p:Purpose {name: 'personalization'})
MERGE (usr)-[c:CONSENTED]->(p)
SET c.status = u.consent, c.at = $as_of, c.source = 'test'
"""

EVENTS = """
UNWIND $events AS ev
MATCH (usr:User {user_id: ev.user})
CREATE (usr)-[:PERFORMED]->(e:Event {event_id: ev.id, type: ev.type, ts: ev.ts})
WITH e, ev
UNWIND ev.items AS item_id
MERGE (i:Item {item_id: item_id})
CREATE (e)-[:ON {quantity: 1, price: 1.0}]->(i)
"""


async def _seed(driver: AsyncDriver, database: str) -> None:
    users = [
        {"id": "u1", "consent": "granted"},
        {"id": "u2", "consent": "denied"},
        {"id": "u3", "consent": None},
        {"id": "u4", "consent": "granted"},
    ]
    day = timedelta(days=1)
    events = [
        {"id": "e1", "user": "u1", "type": "order_completed", "ts": AS_OF, "items": ["i1"]},
        {
            "id": "e2",
            "user": "u1",
            "type": "product_viewed",
            "ts": AS_OF - 30 * day,
            "items": ["i2"],
        },
        {"id": "e3", "user": "u1", "type": "product_removed", "ts": AS_OF, "items": ["i3"]},
        {"id": "e4", "user": "u1", "type": "page", "ts": AS_OF, "items": []},
        {"id": "e5", "user": "u2", "type": "product_viewed", "ts": AS_OF, "items": ["i1"]},
        {"id": "e6", "user": "u3", "type": "order_completed", "ts": AS_OF, "items": ["i2"]},
        {"id": "e7", "user": "u4", "type": "product_added", "ts": AS_OF, "items": ["i2"]},
        {"id": "e8", "user": "u4", "type": "product_added", "ts": AS_OF, "items": ["i2"]},
        {"id": "e9", "user": "u4", "type": "order_completed", "ts": AS_OF, "items": ["i1", "i3"]},
        {"id": "e10", "user": "u4", "type": "order_completed", "ts": AS_OF + day, "items": ["i4"]},
        {
            "id": "e11",
            "user": "u4",
            "type": "order_completed",
            "ts": AS_OF - 400 * day,
            "items": ["i4"],
        },
        # one history (no quiet stretch longer than the window): e11 is only too old
        {"id": "e12", "user": "u4", "type": "order_completed", "ts": AS_OF - 200 * day,
         "items": ["i4"]},
    ]
    await driver.execute_query(SEED, users=users, as_of=AS_OF, database_=database)
    await driver.execute_query(EVENTS, events=events, database_=database)


async def test_export_uses_only_granted_users_and_weights_events(
    graph: AsyncDriver, settings
) -> None:
    await _seed(graph, settings.neo4j_database)
    cfg = ExportSettings(half_life_days=30.0, window_days=365.0)
    data = await asyncio.to_thread(
        export_interactions, trainer_target(settings).connection, cfg, AS_OF
    )
    # u2 denied, u3 never consented: not exported. Removed, page, future and too-old events dropped.
    assert data.user_ids == ["u1", "u4"]
    assert data.item_ids == ["i1", "i2", "i3", "i4"]
    w = data.train_weight.toarray()
    # order now; view 1 half-life ago
    np.testing.assert_allclose(w[0], [3.0, 0.5, 0.0, 0.0], rtol=1e-4)
    # two adds; one order of two items; i4's order 200 days ago (the 400-day one left out)
    np.testing.assert_allclose(w[1], [3.0, 4.0, 3.0, 3.0 * 2 ** (-200 / 30)], rtol=1e-4)
    np.testing.assert_array_equal(data.train.toarray(), (w > 0).astype(np.float32))
    assert data.meta["snapshot_time"] == AS_OF.isoformat()
    assert data.meta["export"]["purpose"] == "personalization"
    # Every exported event's time, for the filter's time carve and recency weights: u1's
    # view 30 days before the snapshot, u4's two adds of i2 each an event.
    ev = data.train_events
    as_of_day = AS_OF.timestamp() / 86_400
    assert ev is not None and ev.end == as_of_day and len(ev.days) == 7
    got = sorted((data.user_ids[r], data.item_ids[c], round(as_of_day - d, 6))
                 for r, c, d in zip(ev.rows, ev.cols, ev.days, strict=True))
    assert got == [("u1", "i1", 0.0), ("u1", "i2", 30.0), ("u4", "i1", 0.0),
                   ("u4", "i2", 0.0), ("u4", "i2", 0.0), ("u4", "i3", 0.0),
                   ("u4", "i4", 200.0)]


async def test_train_command_exports_trains_and_promotes(
    graph: AsyncDriver, settings, tmp_path
) -> None:
    from trainer.cli.train import run_train
    from trainer.lightgcn.train import TrainConfig

    await _seed(graph, settings.neo4j_database)
    cfg = TrainConfig(
        embedding_dim=8, num_layers=2, batch_size=16, max_epochs=3, eval_every=1, val_fraction=0.0
    )
    promoted = await asyncio.to_thread(
        run_train,
        trainer_target(settings).connection,
        tmp_path,
        30.0,
        None,
        cfg,
    )
    assert promoted
    art = load_current(tmp_path)
    assert art is not None
    assert art.user_ids == ["u1", "u4"]  # consented users only
    assert art.manifest["data"]["export"]["purpose"] == "personalization"
    assert art.user_emb.shape == (2, 8)


async def test_a_history_from_2010_exports_with_its_own_latest_event_as_the_snapshot(
    graph: AsyncDriver, settings
) -> None:
    """No snapshot time given: the window and decay count back from the latest exported
    event, so an imported 2009-2010 history is not dropped by a window ending today."""
    last = datetime(2010, 12, 9, tzinfo=UTC)
    day = timedelta(days=1)
    await graph.execute_query(SEED, users=[{"id": "old", "consent": "granted"}], as_of=last,
                              database_=settings.neo4j_database)
    await graph.execute_query(EVENTS, events=[
        {"id": "o1", "user": "old", "type": "order_completed", "ts": last, "items": ["x"]},
        {"id": "o2", "user": "old", "type": "order_completed", "ts": last - 200 * day,
         "items": ["y"]},
        {"id": "o3", "user": "old", "type": "order_completed", "ts": last - 400 * day,
         "items": ["z"]},
    ], database_=settings.neo4j_database)
    data = await asyncio.to_thread(export_interactions, trainer_target(settings).connection,
                                   ExportSettings(half_life_days=30.0, window_days=365.0))
    assert data.user_ids == ["old"] and data.item_ids == ["x", "y"]
    np.testing.assert_allclose(data.train_weight.toarray(), [[3.0, 3.0 * 2 ** (-200 / 30)]],
                               rtol=1e-4)
    assert data.meta["as_of"] == last.isoformat()
    assert data.meta["export"]["anchor"] == "latest event"
    assert datetime.fromisoformat(data.meta["exported_at"]) > datetime(2025, 1, 1, tzinfo=UTC)


async def test_the_export_reads_in_pages_and_gets_the_same_rows(
    graph: AsyncDriver, settings
) -> None:
    """Keyset pages of users, each its own short transaction: one user per page reads
    exactly what one big page reads."""
    await _seed(graph, settings.neo4j_database)
    target = trainer_target(settings).connection
    cfg = ExportSettings(half_life_days=30.0, window_days=365.0)
    whole = await asyncio.to_thread(fetch_interactions, target, cfg, AS_OF, 10_000)
    paged = await asyncio.to_thread(fetch_interactions, target, cfg, AS_OF, 1)
    assert sorted(zip(paged.user_ids, paged.item_ids, paged.weights, strict=True)) == sorted(
        zip(whole.user_ids, whole.item_ids, whole.weights, strict=True))
    assert set(paged.user_ids) == {"u1", "u4"}
