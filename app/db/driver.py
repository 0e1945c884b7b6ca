"""One async Neo4j driver per process, opened and closed by the app lifespan."""

from __future__ import annotations

from neo4j import AsyncDriver, AsyncGraphDatabase

from app.core.config import Settings


def create_driver(settings: Settings) -> AsyncDriver:
    return AsyncGraphDatabase.driver(
        settings.neo4j_uri,
        auth=settings.neo4j_auth,
        max_connection_pool_size=100,
        connection_acquisition_timeout=5.0,
        connection_timeout=3.0,
        max_transaction_retry_time=5.0,
        # Check connections idle this long before reuse, so a restarted server does not hand
        # out dead sockets; busy connections skip the check.
        liveness_check_timeout=5.0,
        user_agent="profilegraph/0.1",
        # Unknown-label warnings on an empty graph are noise, not problems.
        notifications_min_severity="OFF",
    )
