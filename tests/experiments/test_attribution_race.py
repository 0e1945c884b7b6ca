"""The two attribution passes (from a written exposure, and from the shoppers' new events)
can run at once; an outcome event is linked to its exposure once, and counted once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from neo4j import AsyncDriver

from app.core.config import Settings
from app.db.database import Database
from app.experiments.experiment_repository import ExperimentRepository


async def test_concurrent_passes_link_each_event_once(graph: AsyncDriver,
                                                      settings: Settings) -> None:
    await graph.execute_query(
        "UNWIND range(1, 40) AS n "
        "CREATE (u:User {user_id: 'shopper-' + n}) "
        "CREATE (u)-[:SAW]->(x:Exposure {recommendation_id: 'rec-' + n, strategy: 'model', "
        "  variant: 'a'}) "
        "WITH u, n UNWIND range(1, 5) AS k "
        "CREATE (u)-[:PERFORMED]->(:Event {event_id: 'ev-' + n + '-' + k, "
        "  type: 'product_clicked', p_recommendation_id: 'rec-' + n, "
        "  received_at: datetime(), ts: datetime()})")
    repository = ExperimentRepository(Database(graph, settings.neo4j_database))
    users = [f"shopper-{n}" for n in range(1, 41)]
    since = datetime.now(UTC) - timedelta(hours=1)
    passes = [repository.attribute_user_events(users, since) for _ in range(4)]
    reports = await asyncio.gather(*passes)
    records, _, _ = await graph.execute_query(
        "MATCH (e:Event) RETURN count { (e)-[:ATTRIBUTED_TO]->() } AS links")
    assert sorted({r["links"] for r in records}) == [1]
    assert sum(row["events"] for report in reports for row in report) == 200
