"""The migration runner against the real Neo4j."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from neo4j import AsyncDriver

from app.core.config import Settings
from app.core.paths import MIGRATIONS_DIR
from app.migrate.runner import MigrationError, MigrationRunner, MigrationState
from tests.conftest import drop_everything


@pytest.fixture
async def empty_db(driver: AsyncDriver, settings: Settings) -> AsyncIterator[AsyncDriver]:
    """An empty database; afterwards the project schema is restored for the other tests."""
    await drop_everything(driver, settings.neo4j_database)
    yield driver
    await drop_everything(driver, settings.neo4j_database)
    await MigrationRunner(driver, MIGRATIONS_DIR, database=settings.neo4j_database).migrate()


@pytest.fixture
def migrations_dir(tmp_path: Path) -> Path:
    for path in MIGRATIONS_DIR.glob("V*.cypher"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def runner_for(driver: AsyncDriver, directory: Path, settings: Settings) -> MigrationRunner:
    return MigrationRunner(driver, directory, database=settings.neo4j_database, lock_timeout_s=30)


async def constraint_names(driver: AsyncDriver) -> set[str]:
    records, _, _ = await driver.execute_query("SHOW CONSTRAINTS YIELD name RETURN name")
    return {r["name"] for r in records}


async def test_migrate_empty_database_then_rerun_is_noop(
    empty_db: AsyncDriver, migrations_dir: Path, settings: Settings
) -> None:
    runner = runner_for(empty_db, migrations_dir, settings)
    applied = await runner.migrate()
    assert [m.version for m in applied] == [m.version for m in runner.local()]
    assert {"user_user_id", "event_event_id", "identity_kind_value"} <= await constraint_names(
        empty_db
    )
    records, _, _ = await empty_db.execute_query(
        "SHOW INDEXES YIELD name, type WHERE name IN ['event_ts', 'event_type'] RETURN type"
    )
    assert [r["type"] for r in records] == ["RANGE", "RANGE"]
    purposes, _, _ = await empty_db.execute_query("MATCH (p:Purpose) RETURN p.name AS n ORDER BY n")
    assert [r["n"] for r in purposes] == ["analytics", "marketing", "personalization"]

    assert await runner.migrate() == []
    history, _, _ = await empty_db.execute_query(
        "MATCH (b:__Neo4jMigration {version: 'BASELINE'})-[r:MIGRATED_TO*]->(m) "
        "RETURN m.version AS v, m.checksum AS c, m.type AS t, m.repeatable AS rep"
    )
    assert len(history) == len(applied)
    assert all(r["t"] == "CYPHER" and r["rep"] is False and r["c"].isdigit() for r in history)


async def test_info_lists_applied_and_pending(
    empty_db: AsyncDriver, migrations_dir: Path, settings: Settings
) -> None:
    runner = runner_for(empty_db, migrations_dir, settings)
    await runner.migrate()
    (migrations_dir / "V0999__late_addition.cypher").write_text(
        "CREATE INDEX late_idx IF NOT EXISTS FOR (n:Late) ON (n.x);"
    )
    rows = await runner.info()
    states = {row.version: row.state for row in rows}
    assert states["0001"] == MigrationState.applied
    assert states["0999"] == MigrationState.pending
    assert next(r for r in rows if r.version == "0001").installed_on is not None
    assert [m.source for m in await runner.pending()] == ["V0999__late_addition.cypher"]


async def test_edited_applied_migration_is_refused(
    empty_db: AsyncDriver, migrations_dir: Path, settings: Settings
) -> None:
    runner = runner_for(empty_db, migrations_dir, settings)
    await runner.migrate()
    edited = migrations_dir / "V0002__event_indexes.cypher"
    edited.write_text(edited.read_text() + "\n// a harmless looking edit\n")
    (migrations_dir / "V0999__late_addition.cypher").write_text(
        "CREATE INDEX late_idx IF NOT EXISTS FOR (n:Late) ON (n.x);"
    )
    problems = await runner.validate()
    assert any("V0002__event_indexes.cypher was edited" in p for p in problems)
    with pytest.raises(MigrationError, match="edited after it was applied"):
        await runner.migrate()
    names = await empty_db.execute_query(
        "SHOW INDEXES YIELD name WHERE name = 'late_idx' RETURN name"
    )
    assert names.records == []  # nothing after the refusal ran


async def test_concurrent_runners_apply_each_migration_once(
    empty_db: AsyncDriver, migrations_dir: Path, settings: Settings
) -> None:
    runners = [runner_for(empty_db, migrations_dir, settings) for _ in range(3)]
    results = await asyncio.gather(*(r.migrate() for r in runners))
    applied = sorted(m.version for result in results for m in result)
    assert applied == sorted(m.version for m in runners[0].local())
    records, _, _ = await empty_db.execute_query(
        "MATCH (m:__Neo4jMigration) WHERE m.version <> 'BASELINE' RETURN count(m) AS n"
    )
    assert records[0]["n"] == len(applied)
    locks, _, _ = await empty_db.execute_query(
        "MATCH (l:__Neo4jMigrationsLock) RETURN count(l) AS n"
    )
    assert locks[0]["n"] == 0


async def test_data_migration_failure_leaves_nothing_behind(
    empty_db: AsyncDriver, tmp_path: Path, settings: Settings
) -> None:
    (tmp_path / "V1__seed.cypher").write_text(
        "CREATE (:Seeded {n: 1});\nRETURN 1 / 0;"
    )
    runner = runner_for(empty_db, tmp_path, settings)
    with pytest.raises(Exception, match=r"/ by zero|divide"):
        await runner.migrate()
    seeded, _, _ = await empty_db.execute_query("MATCH (n:Seeded) RETURN count(n) AS n")
    assert seeded[0]["n"] == 0
    assert await runner.applied() == []
