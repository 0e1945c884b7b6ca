"""Whether this process can serve: Neo4j answers and the schema is fully migrated."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from neo4j import READ_ACCESS, AsyncDriver

from app.db.queries import queries
from app.migrate.runner import MigrationRunner

# Generous: the first queries after a server start are planned cold.
PING_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Readiness:
    ready: bool
    reason: str | None = None
    pending_migrations: tuple[str, ...] = ()


async def check_readiness(driver: AsyncDriver, runner: MigrationRunner, database: str) -> Readiness:
    try:
        async with asyncio.timeout(PING_TIMEOUT_S):
            # One auto-commit query: execute_query would retry with back-off and blur the answer.
            async with driver.session(database=database, default_access_mode=READ_ACCESS) as s:
                await (await s.run(queries["health/ping"])).consume()
            pending = await runner.pending()
    except TimeoutError:
        return Readiness(False, f"neo4j did not answer within {PING_TIMEOUT_S:.0f}s")
    except Exception as exc:  # any driver failure means not ready; the reason says which
        # the kind only: the driver's message names hosts and ports, and /readyz is public
        return Readiness(False, f"neo4j unavailable: {type(exc).__name__}")
    if pending:
        names = tuple(m.source for m in pending)
        return Readiness(False, f"{len(names)} migration(s) pending", names)
    return Readiness(True)
