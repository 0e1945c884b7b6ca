"""Single round-trip reads for the hot serving path.

`execute_query` wraps a read in BEGIN ... COMMIT (two network round trips) and retries with
back-off; an auto-commit query pipelines RUN and PULL in one. Serving reads are idempotent,
so one immediate retry on a dropped connection is all the resilience they need.
"""

from __future__ import annotations

from typing import Any, LiteralString

from neo4j import READ_ACCESS, AsyncDriver, Record
from neo4j.exceptions import ServiceUnavailable, SessionExpired


async def fast_read(driver: AsyncDriver, database: str, query: LiteralString,
                    params: dict[str, Any]) -> list[Record]:
    for attempt in (1, 2):
        try:
            async with driver.session(database=database, default_access_mode=READ_ACCESS) as s:
                result = await s.run(query, params)
                return [record async for record in result]
        except (ServiceUnavailable, SessionExpired):
            if attempt == 2:
                raise
    raise AssertionError("unreachable")
