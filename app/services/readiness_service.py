"""Whether this process can serve: Neo4j answers and the schema is fully migrated."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from neo4j import AsyncDriver, RoutingControl

from app.db.queries import queries
from app.migrate.runner import MigrationRunner

PING_TIMEOUT_S = 2.0


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str | None = None
    pending_migrations: tuple[str, ...] = ()


async def check_readiness(driver: AsyncDriver, runner: MigrationRunner, database: str) -> Readiness:
    try:
        async with asyncio.timeout(PING_TIMEOUT_S):
            await driver.execute_query(
                queries["health/ping"], routing_=RoutingControl.READ, database_=database
            )
            pending = await runner.pending()
    except TimeoutError:
        return Readiness(False, "neo4j did not answer within 2s")
    except Exception as exc:  # any driver failure means not ready; the reason says which
        return Readiness(False, f"neo4j unavailable: {type(exc).__name__}: {exc}"[:300])
    if pending:
        names = tuple(m.source for m in pending)
        return Readiness(False, f"{len(names)} migration(s) pending", names)
    return Readiness(True)
