"""A build run by hand records itself on the model refresh's state in the graph (the
`(:ModelRefresh {key: 'model'})` node the API's refresh keeps, docs/design.md "The model
follows the store"), so the refresh counts new events from it instead of rebuilding at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from trainer.connection import Neo4jConnection

CYPHER = Path(__file__).resolve().parents[1] / "cypher" / "trainer"
REFRESH_KEY = "model"  # app/recommend/model_refresh_repository.py's key


@dataclass(frozen=True)
class StoreCounts:
    events: int
    items: int
    at: datetime


def _run(connection: Neo4jConnection, name: str, **params: object) -> list[dict]:
    import neo4j  # the driver is only needed against a graph

    query = (CYPHER / f"{name}.cypher").read_text()
    with neo4j.GraphDatabase.driver(connection.uri,
                                    auth=(connection.user, connection.password)) as driver:
        records, _, _ = driver.execute_query(query, params, database_=connection.database)
    return [r.data() for r in records]


def store_counts(connection: Neo4jConnection) -> StoreCounts:
    [row] = _run(connection, "count_store")
    return StoreCounts(int(row["events"]), int(row["items"]), datetime.now(UTC))


def record_build(connection: Neo4jConnection, counts: StoreCounts, outcome: str, reason: str,
                 version: str | None, duration_s: float, cpu_s: float) -> None:
    _run(connection, "record_build", key=REFRESH_KEY, started=counts.at, now=datetime.now(UTC),
         events=counts.events, items=counts.items, outcome=outcome, reason=reason[:1000],
         version=version, duration_s=duration_s, cpu_s=cpu_s)
