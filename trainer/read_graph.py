"""Export the consented user-item interaction graph from Neo4j for training.

Runs in the trainer process (sync driver, read transaction). Only users whose
`(:User)-[:CONSENTED]->(:Purpose {name: 'personalization'})` edge has status
'granted' are exported; that edge is the current state written by intake.

Edge weight (documented in docs/benchmarks-gnn.md):
    weight(u, i) = sum over u's events on i of TYPE_WEIGHT[type] * 0.5 ** (age / half_life)
with age measured from the snapshot time `as_of`. `product_removed` and events
without an item (`page`, ...) are not interactions and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from trainer.connection import Neo4jConnection
from trainer.data import Interactions, TimedEvents

QUERY_PATH = (Path(__file__).resolve().parents[1] / "cypher" / "trainer"
              / "export_interactions.cypher")
PURPOSE = "personalization"
DEFAULT_TYPE_WEIGHTS: dict[str, float] = {
    "order_completed": 3.0,
    "product_added": 2.0,
    "product_added_to_wishlist": 1.5,
    "product_clicked": 1.0,
    "product_viewed": 1.0,
}


@dataclass
class ExportSettings:
    type_weights: dict[str, float] = field(default_factory=lambda: dict(DEFAULT_TYPE_WEIGHTS))
    half_life_days: float = 30.0
    window_days: float | None = 365.0  # ignore older events entirely; None keeps all
    min_user_items: int = 1  # users with fewer distinct items are dropped


@dataclass
class InteractionRows:
    """Raw export: one row per (user, item) with its summed weight."""

    user_ids: list[str]
    item_ids: list[str]
    weights: list[float]
    events: list[int]
    last_ts_ms: list[int]
    as_of: datetime
    # Every event's time per row (epoch ms): the filter's time carve and recency weights.
    event_ms: list[list[int]] = field(default_factory=list)


def load_query() -> str:
    return QUERY_PATH.read_text()


def query_params(settings: ExportSettings, as_of: datetime) -> dict:
    since = as_of - timedelta(days=settings.window_days) if settings.window_days else None
    return {
        "purpose": PURPOSE,
        "types": sorted(settings.type_weights),
        "weights": dict(settings.type_weights),
        "as_of": as_of,
        "since": since,
        "half_life_s": settings.half_life_days * 86400.0,
    }


def fetch_interactions(
    connection: Neo4jConnection,
    settings: ExportSettings | None = None,
    as_of: datetime | None = None,
) -> InteractionRows:
    """Run the export query in a read transaction and collect its rows."""
    import neo4j  # the driver is only needed when exporting

    settings = settings or ExportSettings()
    as_of = as_of or datetime.now(UTC)
    params = query_params(settings, as_of)
    rows = InteractionRows([], [], [], [], [], as_of)

    def work(tx: neo4j.ManagedTransaction) -> None:
        for rec in tx.run(load_query(), params):
            rows.user_ids.append(str(rec["user_id"]))
            rows.item_ids.append(str(rec["item_id"]))
            rows.weights.append(float(rec["weight"]))
            rows.events.append(int(rec["events"]))
            rows.last_ts_ms.append(int(rec["last_ts_ms"]))
            rows.event_ms.append([int(t) for t in rec["event_ms"]])

    with (
        neo4j.GraphDatabase.driver(connection.uri,
                                   auth=(connection.user, connection.password)) as driver,
        driver.session(database=connection.database,
                       default_access_mode=neo4j.READ_ACCESS) as session,
    ):
        session.execute_read(work)
    return rows


def rows_to_interactions(rows: InteractionRows, min_user_items: int = 1) -> Interactions:
    """Index ids (sorted, so rows are stable across exports) and build the binary train
    matrix plus the weight matrix. Test is empty: validation is carved out of train."""
    users = np.asarray(rows.user_ids, dtype=object)
    items = np.asarray(rows.item_ids, dtype=object)
    weights = np.asarray(rows.weights, dtype=np.float32)
    keep = np.ones(len(users), dtype=bool)
    if min_user_items > 1 and len(users):
        uniq, counts = np.unique(users, return_counts=True)
        keep = np.isin(users, uniq[counts >= min_user_items])
        users, items, weights = users[keep], items[keep], weights[keep]
    user_ids, u = (
        np.unique(users.astype(str), return_inverse=True) if len(users) else ([], np.zeros(0, int))
    )
    item_ids, i = (
        np.unique(items.astype(str), return_inverse=True) if len(items) else ([], np.zeros(0, int))
    )
    shape = (len(user_ids), len(item_ids))
    weight = sp.csr_matrix((weights, (u, i)), shape=shape, dtype=np.float32)
    weight.sum_duplicates()
    train = weight.copy()
    train.data[:] = 1.0
    last = max(rows.last_ts_ms, default=None)
    timed = len(rows.event_ms) == len(rows.user_ids) and len(users) > 0
    return Interactions(
        name="neo4j",
        train=train,
        test=sp.csr_matrix(shape, dtype=np.float32),
        user_ids=[str(x) for x in user_ids],
        item_ids=[str(x) for x in item_ids],
        train_weight=weight,
        meta={
            "as_of": rows.as_of.isoformat(),
            "snapshot_time": datetime.fromtimestamp(last / 1000, UTC).isoformat() if last else None,
            "rows": len(rows.user_ids),
            "events": int(sum(rows.events)),
        },
        train_events=timed_events(rows, keep, u, i) if timed else None,
    )


def timed_events(rows: InteractionRows, keep: np.ndarray, u: np.ndarray,
                 i: np.ndarray) -> TimedEvents:
    """One entry per event of the kept rows, in days since the epoch; the period ends at
    the snapshot time `as_of`."""
    kept = [t for t, k in zip(rows.event_ms, keep, strict=True) if k]
    counts = np.array([len(t) for t in kept])
    ms = np.concatenate([np.asarray(t, dtype=np.float64) for t in kept])
    return TimedEvents(np.repeat(u, counts), np.repeat(i, counts), ms / 86_400_000.0,
                       rows.as_of.timestamp() / 86_400.0)


def export_interactions(
    connection: Neo4jConnection,
    settings: ExportSettings | None = None,
    as_of: datetime | None = None,
) -> Interactions:
    """Consented interaction graph from Neo4j as `Interactions` (weights attached)."""
    settings = settings or ExportSettings()
    rows = fetch_interactions(connection, settings, as_of)
    data = rows_to_interactions(rows, settings.min_user_items)
    data.meta["export"] = {
        "type_weights": settings.type_weights,
        "half_life_days": settings.half_life_days,
        "window_days": settings.window_days,
        "purpose": PURPOSE,
    }
    return data
