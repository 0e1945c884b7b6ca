"""Apply, list and validate versioned migrations, keeping history in the graph.

History uses the neo4j-migrations layout, so either tool can read it:
(:__Neo4jMigration {version:'BASELINE'})-[:MIGRATED_TO {at, in, by}]->(:__Neo4jMigration {...}).
"""

from __future__ import annotations

import asyncio
import getpass
import time
import uuid
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import LiteralString, cast

from neo4j import AsyncDriver
from neo4j.exceptions import ClientError, ConstraintError, TransientError

from app.db.queries import queries
from app.migrate.discovery import Migration, discover


class MigrationError(RuntimeError):
    pass


class MigrationState(StrEnum):
    applied = "applied"
    pending = "pending"
    changed = "changed"  # applied, but the file was edited since
    missing = "missing"  # applied, but the file is gone


@dataclass(frozen=True)
class AppliedMigration:
    version: str
    description: str
    checksum: str
    source: str
    installed_on: str | None
    installed_by: str | None


@dataclass(frozen=True)
class MigrationInfo:
    version: str
    description: str
    state: MigrationState
    source: str
    installed_on: str | None


class MigrationRunner:
    def __init__(
        self,
        driver: AsyncDriver,
        directory: Path,
        *,
        database: str = "neo4j",
        lock_timeout_s: float = 60.0,
        lock_stale_s: float = 600.0,
    ) -> None:
        self._driver = driver
        self._directory = directory
        self._database = database
        self._lock_timeout_s = lock_timeout_s
        self._lock_stale_s = lock_stale_s

    def local(self) -> list[Migration]:
        # Read on each call: files are small, and tests and `info` must see edits at once.
        return discover(self._directory)

    async def applied(self) -> list[AppliedMigration]:
        records, _, _ = await self._driver.execute_query(
            queries["migrate/get_applied_migrations"], database_=self._database
        )
        return [AppliedMigration(**r.data()) for r in records]

    async def info(self) -> list[MigrationInfo]:
        local = {m.version: m for m in self.local()}
        rows: list[MigrationInfo] = []
        applied = await self.applied()
        for a in applied:
            m = local.pop(a.version, None)
            if m is None:
                state = MigrationState.missing
            elif m.checksum != a.checksum:
                state = MigrationState.changed
            else:
                state = MigrationState.applied
            rows.append(MigrationInfo(a.version, a.description, state, a.source, a.installed_on))
        for m in local.values():
            rows.append(
                MigrationInfo(m.version, m.description, MigrationState.pending, m.source, None)
            )
        return rows

    async def validate(self) -> list[str]:
        """Problems that stop `migrate`: edited or missing applied files, out-of-order files."""
        problems: list[str] = []
        applied = await self.applied()
        highest = max((int(a.version) for a in applied), default=-1)
        for row in await self.info():
            if row.state == MigrationState.changed:
                problems.append(
                    f"{row.source} was edited after it was applied (checksum differs); "
                    "add a new migration instead of changing an applied one"
                )
            elif row.state == MigrationState.missing:
                problems.append(f"V{row.version} ({row.source}) is applied but its file is gone")
            elif row.state == MigrationState.pending and int(row.version) < highest:
                problems.append(
                    f"{row.source} is older than the newest applied migration; renumber it"
                )
        return problems

    async def pending(self) -> list[Migration]:
        done = {a.version for a in await self.applied()}
        return [m for m in self.local() if m.version not in done]

    async def migrate(self) -> list[Migration]:
        """Apply pending migrations in order, each in its own transaction, under a lock."""
        lock_id = await self._acquire_lock()
        try:
            problems = await self.validate()
            if problems:
                raise MigrationError("; ".join(problems))
            applied: list[Migration] = []
            for migration in await self.pending():
                await self._apply(migration)
                applied.append(migration)
            return applied
        finally:
            await self._driver.execute_query(
                queries["migrate/release_lock"], id=lock_id, database_=self._database
            )

    async def _apply(self, migration: Migration) -> None:
        started = time.monotonic()
        async with self._driver.session(database=self._database) as session:
            if migration.is_schema:
                # Schema changes cannot share a transaction with data writes, so the history
                # record follows in its own; schema files use IF NOT EXISTS and re-run safely.
                tx = await session.begin_transaction()
                try:
                    for statement in migration.statements:
                        await tx.run(cast(LiteralString, statement))
                    await tx.commit()
                finally:
                    await tx.close()
                await session.execute_write(self._record, migration, started)
            else:
                await session.execute_write(self._run_data_and_record, migration, started)

    async def _run_data_and_record(self, tx, migration: Migration, started: float) -> None:
        for statement in migration.statements:
            await tx.run(cast(LiteralString, statement))
        await self._record(tx, migration, started)

    async def _record(self, tx, migration: Migration, started: float) -> None:
        result = await tx.run(
            queries["migrate/record_migration"],
            version=migration.version,
            description=migration.description,
            checksum=migration.checksum,
            source=migration.source,
            in_ms=int((time.monotonic() - started) * 1000),
            by=_os_user(),
            connected_as="profilegraph",
        )
        await result.consume()

    async def _acquire_lock(self) -> str:
        await self._ensure_lock_constraint()
        lock_id = str(uuid.uuid4())
        deadline = time.monotonic() + self._lock_timeout_s
        while True:
            try:
                await self._driver.execute_query(
                    queries["migrate/acquire_lock"], id=lock_id, owner=_os_user(),
                    database_=self._database,
                )
                return lock_id
            except ConstraintError:
                await self._driver.execute_query(
                    queries["migrate/clear_stale_lock"], stale_s=self._lock_stale_s,
                    database_=self._database,
                )
                if time.monotonic() > deadline:
                    raise MigrationError(
                        "Another migration run holds the lock; gave up after "
                        f"{self._lock_timeout_s:.0f}s"
                    ) from None
                await asyncio.sleep(0.2)

    async def _ensure_lock_constraint(self) -> None:
        # Two runners may race to create it; the loser sees an error and simply retries.
        for attempt in range(10):
            try:
                await self._driver.execute_query(
                    queries["migrate/create_lock_constraint"], database_=self._database
                )
                return
            except (ClientError, TransientError):
                if attempt == 9:
                    raise
                await asyncio.sleep(0.2)


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
