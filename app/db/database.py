"""The one way the product talks to Neo4j.

Every repository holds a `Database` and calls one of four helpers:

- `read` / `write`: one statement through `execute_query` (a managed transaction the driver
  retries on transient errors, deadlocks included; reads routed to readers in a cluster).
- `read_tx` / `write_tx`: several statements in one managed transaction, retried as a whole
  by the driver.
- `fast_read`: the single-round-trip read for the hot serving path (an auto-commit query
  pipelines RUN and PULL; `execute_query` would add BEGIN and COMMIT).
- `autocommit`: statements that need an auto-commit transaction (`CALL ... IN TRANSACTIONS`)
  or one round trip on a write path, retried here with the driver's own rule for what is
  retryable, since the driver retries only managed transactions. Only idempotent statements
  belong here.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, LiteralString, TypeVar

from neo4j import (
    READ_ACCESS,
    WRITE_ACCESS,
    AsyncDriver,
    AsyncManagedTransaction,
    Record,
    RoutingControl,
)
from neo4j.exceptions import DriverError, Neo4jError

from app.db.queries import queries

T = TypeVar("T")
Params = Mapping[str, Any] | None
# The driver's managed-transaction retry budget (app/db/driver.py) applies here too.
RETRY_TIME_S = 5.0
FIRST_DELAY_S = 0.005


def retryable(exc: BaseException) -> bool:
    """The driver's own rule: transient server errors (deadlocks included) and lost
    connections are retryable; client errors and terminated transactions are not."""
    return isinstance(exc, Neo4jError | DriverError) and exc.is_retryable()


async def with_retry(attempt: Callable[[], Awaitable[T]], budget_s: float = RETRY_TIME_S) -> T:
    """Calls `attempt` until it succeeds, a non-retryable error occurs, or `budget_s` is spent
    (exponential back-off with jitter, as the driver does for managed transactions)."""
    deadline = time.monotonic() + budget_s
    delay = FIRST_DELAY_S
    while True:
        try:
            return await attempt()
        except Exception as exc:
            if not retryable(exc) or time.monotonic() + delay > deadline:
                raise
        await asyncio.sleep(delay * random.uniform(0.8, 1.2))
        delay = min(delay * 2, 1.0)


class Database:
    """One async driver and the database name every statement runs in."""

    def __init__(self, driver: AsyncDriver, name: str) -> None:
        self.driver = driver
        self.name = name

    # -- one statement, managed transaction ----------------------------------------------

    async def read_records(self, query: LiteralString, params: Params = None) -> list[Record]:
        records, _, _ = await self.driver.execute_query(
            query, dict(params or {}), routing_=RoutingControl.READ, database_=self.name)
        return records

    async def write_records(self, query: LiteralString, params: Params = None) -> list[Record]:
        records, _, _ = await self.driver.execute_query(
            query, dict(params or {}), routing_=RoutingControl.WRITE, database_=self.name)
        return records

    async def read(self, query: LiteralString, params: Params = None) -> list[dict[str, Any]]:
        return [r.data() for r in await self.read_records(query, params)]

    async def write(self, query: LiteralString, params: Params = None) -> list[dict[str, Any]]:
        return [r.data() for r in await self.write_records(query, params)]

    async def read_named(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        """`read` of the catalogue statement `cypher/<statement>.cypher`."""
        return await self.read(queries[statement], params)

    async def write_named(self, statement: str, /, **params: Any) -> list[dict[str, Any]]:
        """`write` of the catalogue statement `cypher/<statement>.cypher`."""
        return await self.write(queries[statement], params)

    # -- several statements, managed transaction -----------------------------------------

    async def write_tx(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        async with self.driver.session(database=self.name) as session:
            return await session.execute_write(work)

    async def read_tx(self, work: Callable[[AsyncManagedTransaction], Awaitable[T]]) -> T:
        async with self.driver.session(database=self.name) as session:
            return await session.execute_read(work)

    # -- auto-commit ---------------------------------------------------------------------

    async def _autocommit_once(self, query: str, params: Params, write: bool) -> list[Record]:
        mode = WRITE_ACCESS if write else READ_ACCESS
        async with self.driver.session(database=self.name, default_access_mode=mode) as s:
            result = await s.run(query, dict(params or {}))  # type: ignore[arg-type]
            return [record async for record in result]

    async def fast_read(self, query: LiteralString, params: Params = None) -> list[Record]:
        """A read in one round trip, retried like the others (serving reads are idempotent)."""
        return await with_retry(lambda: self._autocommit_once(query, params, write=False))

    async def autocommit(self, query: str, params: Params = None, *, write: bool = True
                         ) -> list[dict[str, Any]]:
        """An idempotent statement in an auto-commit transaction, retried when retryable.
        `query` may be generated segment Cypher (compiled from validated definitions)."""
        records = await with_retry(lambda: self._autocommit_once(query, params, write))
        return [r.data() for r in records]

    async def generated_read(self, query: str, params: Params = None) -> list[dict[str, Any]]:
        """Generated segment Cypher (compiled from validated definitions, never client text)
        in a managed read transaction."""
        return await self.read(query, params)  # type: ignore[arg-type]
