"""Export the consented user-item interaction graph from Neo4j for training.

Runs in the trainer process (sync driver, read transaction). Only users whose
`(:User)-[:CONSENTED]->(:Purpose {name: 'personalization'})` edge has status
'granted' are exported; that edge is the current state written by intake.

Time is the data's, not the wall clock's: the snapshot time `as_of` is the latest event the
export reads (never later than the wall clock: events stamped in the future are left out),
and the window and the recency decay count back from it. A store whose history ended in
2010 trains exactly like one whose last order came in a minute ago (docs/graph-model.md,
"Time"). A caller may fix `as_of` instead (a snapshot: later events are left out).

A store may hold several histories of different ages (a 2010 import beside this year's
shop): the timeline splits wherever no event happened for longer than `history_gap_days`
(the window, 365 days), and each older history is moved forward so that it ends with the
latest one (`recmodel.histories.align_histories`, shared with the prediction refresh).
Inside one history nothing moves, so a store with one continuous history weighs exactly as
before; an old history is neither cut by the window nor decayed to nothing, and the time
carve sees the last part of every history.

Edge weight (documented in docs/benchmarks-gnn.md):
    weight(u, i) = sum over u's events on i of TYPE_WEIGHT[type] * 0.5 ** (age / half_life)
with age measured from `as_of`. `product_removed` and events without an item (`page`, ...)
are not interactions and are left out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from recmodel.histories import DAY_MS, HISTORY_GAP_DAYS, align_histories
from trainer.connection import Neo4jConnection
from trainer.data import Interactions, TimedEvents
from trainer.export_pages import PAGE_TIMEOUT_S, read_pages

QUERY_PATH = (Path(__file__).resolve().parents[1] / "cypher" / "trainer"
              / "export_interactions.cypher")
USERS_QUERY_PATH = QUERY_PATH.with_name("list_export_users.cypher")
# Users per page of the export: each page is its own read transaction, seconds at most.
PAGE_USERS = 500
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
    half_life_days: float = 30.0  # counted back from the snapshot time (the latest event)
    window_days: float | None = 365.0  # events older than this before the snapshot are left out
    min_user_items: int = 1  # users with fewer distinct items are dropped
    # A stretch with no event longer than this separates two histories (None: never split).
    history_gap_days: float | None = HISTORY_GAP_DAYS


@dataclass
class InteractionRows:
    """Raw export: one row per (user, item) with its summed weight."""

    user_ids: list[str]
    item_ids: list[str]
    weights: list[float]
    events: list[int]
    last_ts_ms: list[int]
    as_of: datetime  # the snapshot time: ages, the window and the time carve end here
    # Every event's time per row (epoch ms): the filter's time carve and recency weights.
    event_ms: list[list[int]] = field(default_factory=list)
    exported_at: datetime | None = None  # wall clock of the export
    # The histories the timeline split into: real first/last event and the days moved.
    histories: list[dict] = field(default_factory=list)


@dataclass
class RawRow:
    """One (user, item) row as the query returns it: every event's time and type weight."""

    user_id: str
    item_id: str
    event_ms: list[int]
    event_w: list[float]


def load_query() -> str:
    return QUERY_PATH.read_text()


def load_users_query() -> str:
    return USERS_QUERY_PATH.read_text()


def query_params(settings: ExportSettings, until: datetime) -> dict:
    return {
        "types": sorted(settings.type_weights),
        "weights": dict(settings.type_weights),
        "until": until,
    }


def weigh_rows(raw: list[RawRow], settings: ExportSettings, as_of: datetime | None,
               exported_at: datetime) -> InteractionRows:
    """Rows weighted from the snapshot time: `as_of` when given, else the latest event of the
    export (the wall clock when it is empty). Events before the window carry nothing; a row
    left without events is dropped."""
    counts = np.fromiter((len(r.event_ms) for r in raw), dtype=np.int64, count=len(raw))
    ms = np.fromiter((t for r in raw for t in r.event_ms), dtype=np.float64,
                     count=int(counts.sum()))
    if as_of is None:
        as_of = (datetime.fromtimestamp(ms.max() / 1000.0, UTC) if len(ms) else exported_at)
    anchor = as_of.timestamp() * 1000.0
    ms, histories = align_histories(ms, anchor, settings.history_gap_days)
    w = np.fromiter((x for r in raw for x in r.event_w), dtype=np.float64, count=len(ms))
    keep = ms <= anchor
    if settings.window_days:
        keep &= ms >= anchor - settings.window_days * DAY_MS
    decayed = np.where(keep, w * 0.5 ** ((anchor - ms) / (settings.half_life_days * DAY_MS)), 0)
    row_of = np.repeat(np.arange(len(raw)), counts)
    weight = np.bincount(row_of, decayed, minlength=len(raw))
    n = np.bincount(row_of, keep, minlength=len(raw)).astype(np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)])
    rows = InteractionRows([], [], [], [], [], as_of, [], exported_at, histories)
    for index in np.flatnonzero(n > 0).tolist():
        r = raw[index]
        mask = keep[starts[index]:starts[index + 1]]
        shifted = ms[starts[index]:starts[index + 1]].astype(np.int64).tolist()
        kept = [t for t, ok in zip(shifted, mask.tolist(), strict=True) if ok]
        rows.user_ids.append(r.user_id)
        rows.item_ids.append(r.item_id)
        rows.weights.append(float(weight[index]))
        rows.events.append(int(n[index]))
        rows.last_ts_ms.append(max(kept))
        rows.event_ms.append(kept)
    return rows


def fetch_interactions(
    connection: Neo4jConnection,
    settings: ExportSettings | None = None,
    as_of: datetime | None = None,
    page_users: int = PAGE_USERS,
) -> InteractionRows:
    """Read the export in keyset pages of `page_users` consented users, each page its own
    short read transaction with its own timeout (`PAGE_TIMEOUT_S`; a page that times out is
    read again in halves, `read_pages`), and weigh its rows (`weigh_rows`). Every page reads
    events up to the same time, the export's start; pages are not one snapshot, but a user's
    rows come from one transaction and a rebuild only needs the store of roughly now."""
    import neo4j  # the driver is only needed when exporting

    settings = settings or ExportSettings()
    exported_at = datetime.now(UTC)
    params = query_params(settings, as_of or exported_at)
    users_query, rows_query = load_users_query(), load_query()
    raw: list[RawRow] = []

    @neo4j.unit_of_work(timeout=PAGE_TIMEOUT_S)
    def page_of_users(tx: neo4j.ManagedTransaction, after: str, limit: int) -> list[str]:
        return [str(v) for [v] in tx.run(users_query, purpose=PURPOSE, after=after,
                                         limit=limit).values("user_id")]

    @neo4j.unit_of_work(timeout=PAGE_TIMEOUT_S)
    def rows_of(tx: neo4j.ManagedTransaction, user_ids: list[str]) -> list[list]:
        # the records are pulled at once and converted after the transaction ends
        return tx.run(rows_query, params, user_ids=user_ids).values(
            "user_id", "item_id", "event_ms", "event_w")

    with (
        neo4j.GraphDatabase.driver(connection.uri,
                                   auth=(connection.user, connection.password)) as driver,
        driver.session(database=connection.database,
                       default_access_mode=neo4j.READ_ACCESS) as session,
    ):
        pages = read_pages(lambda after, limit: session.execute_read(page_of_users, after, limit),
                           lambda users: session.execute_read(rows_of, users), page_users)
        for values in pages:
            raw.extend(RawRow(str(u), str(i), [int(t) for t in ms], [float(x) for x in w])
                       for u, i, ms, w in values)
    return weigh_rows(raw, settings, as_of, exported_at)


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
            "exported_at": (rows.exported_at or rows.as_of).isoformat(),
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
        "anchor": "given" if as_of is not None else "latest event",
        "history_gap_days": settings.history_gap_days,
        "histories": rows.histories,
    }
    return data
