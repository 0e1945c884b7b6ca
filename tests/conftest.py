"""Shared fixtures. Tests that touch data run against a real Neo4j started by the project.

The test server is separate from the development one (own ports and data directory), so the
suite never wipes demo data. Override with PROFILEGRAPH_NEO4J_* variables, e.g. to run two
suites side by side.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import AsyncIterator, Iterator

from app.core.paths import CACHE_DIR

os.environ.setdefault("PROFILEGRAPH_ENVIRONMENT", "test")
os.environ.setdefault("PROFILEGRAPH_NEO4J_BOLT_PORT", "7688")
os.environ.setdefault("PROFILEGRAPH_NEO4J_HTTP_PORT", "7475")
os.environ.setdefault("PROFILEGRAPH_NEO4J_HOME", str(CACHE_DIR / "neo4j" / "test-server"))
os.environ.setdefault("PROFILEGRAPH_NEO4J_HEAP", "1g")
os.environ.setdefault("PROFILEGRAPH_NEO4J_PAGECACHE", "512m")
os.environ.setdefault("PROFILEGRAPH_ADMIN_API_KEY", "test-admin-key-0123456789")
os.environ.setdefault("PROFILEGRAPH_LOG_LEVEL", "WARNING")
# Models of the suite's own: the demo model `make run` promotes in the checkout (CI runs it
# first) must not be what tests that expect no model, or their own, are served.
os.environ.setdefault("PROFILEGRAPH_ARTIFACTS_DIR",
                      tempfile.mkdtemp(prefix="profilegraph-test-artifacts-"))
os.environ.setdefault("PROFILEGRAPH_EXPOSURE_JOURNAL_DIR",
                      tempfile.mkdtemp(prefix="profilegraph-test-journal-"))
# Tests read their own writes: an ingest call waits for its membership changes however
# loaded the machine is (the service answers after 2 s and applies them later).
os.environ.setdefault("PROFILEGRAPH_SEGMENT_MEMBERSHIP_WAIT_S", "30")
# Predicted traits are refreshed when a test asks (a background refresh would overwrite the
# values tests set).
os.environ.setdefault("PROFILEGRAPH_PREDICTION_REFRESH_INTERVAL_S", "0")
# No automatic model builds behind tests' backs; tests of the refresh turn it on themselves.
os.environ.setdefault("PROFILEGRAPH_MODEL_REFRESH_INTERVAL_S", "0")

import httpx
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings, get_settings
from app.core.paths import MIGRATIONS_DIR
from app.db.driver import create_driver
from app.main import create_app
from app.migrate.runner import MigrationRunner
from app.ops import neo4j_server
from app.wiring import Services, open_services
from tests.helpers import create_key

ADMIN_KEY = os.environ["PROFILEGRAPH_ADMIN_API_KEY"]


@pytest.fixture(scope="session")
def settings() -> Settings:
    return get_settings()


@pytest.fixture(scope="session")
def neo4j_running(settings: Settings) -> Iterator[Settings]:
    """Starts the test Neo4j when it is not running, and stops it afterwards only if it did."""
    started_here = not neo4j_server.status(settings).running
    if started_here:
        neo4j_server.start(settings)
    yield settings
    if started_here:
        neo4j_server.stop(settings)


@pytest.fixture(scope="session")
async def driver(neo4j_running: Settings) -> AsyncIterator[AsyncDriver]:
    drv = create_driver(neo4j_running)
    yield drv
    await drv.close()


async def run_implicit(driver: AsyncDriver, query: str, database: str) -> None:
    """CALL { } IN TRANSACTIONS needs an auto-commit transaction, which execute_query is not."""
    async with driver.session(database=database) as session:
        result = await session.run(query)
        await result.consume()


async def wipe_data(driver: AsyncDriver, database: str) -> None:
    """Delete every node but the migration history and consent purposes (schema stays)."""
    await run_implicit(
        driver,
        "MATCH (n) WHERE NOT (n:__Neo4jMigration OR n:__Neo4jMigrationsLock OR n:Purpose) "
        "CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS",
        database,
    )


async def drop_everything(driver: AsyncDriver, database: str) -> None:
    """An empty database: no nodes, constraints or indexes (token lookup indexes stay)."""
    await run_implicit(
        driver, "MATCH (n) CALL (n) { DETACH DELETE n } IN TRANSACTIONS OF 5000 ROWS", database
    )
    for kind, plural in (("CONSTRAINT", "CONSTRAINTS"), ("INDEX", "INDEXES")):
        records, _, _ = await driver.execute_query(
            f"SHOW {plural} YIELD name, type RETURN name, type", database_=database
        )
        for r in records:
            if r["type"] == "LOOKUP":
                continue
            await driver.execute_query(f"DROP {kind} `{r['name']}` IF EXISTS", database_=database)


@pytest.fixture(scope="session")
async def migrated(driver: AsyncDriver, settings: Settings) -> AsyncDriver:
    """The schema at the newest migration, whatever state the database was left in."""
    runner = MigrationRunner(driver, MIGRATIONS_DIR, database=settings.neo4j_database)
    if await runner.validate():
        await drop_everything(driver, settings.neo4j_database)
    await runner.migrate()
    return driver


@pytest.fixture
async def graph(migrated: AsyncDriver, settings: Settings) -> AsyncDriver:
    """A migrated database holding no data: each test starts from a clean graph."""
    await wipe_data(migrated, settings.neo4j_database)
    return migrated


@pytest.fixture
async def opt_out(settings: Settings) -> AsyncIterator[Settings]:
    """Consent default opt-out (events stored unless refused) for tests about other rules."""
    previous = settings.consent_default
    settings.consent_default = "opt_out"
    yield settings
    settings.consent_default = previous


@pytest.fixture
async def opt_in(settings: Settings) -> AsyncIterator[Settings]:
    """Consent default opt-in (nothing stored without analytics consent)."""
    previous = settings.consent_default
    settings.consent_default = "opt_in"
    yield settings
    settings.consent_default = previous


@pytest.fixture
async def ingest_headers(client: httpx.AsyncClient, admin_headers: dict[str, str]
                         ) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_key(client, admin_headers, 'ingest')}"}


@pytest.fixture
async def read_headers(client: httpx.AsyncClient, admin_headers: dict[str, str]
                       ) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_key(client, admin_headers, 'read')}"}


@pytest.fixture
async def services(graph: AsyncDriver, settings: Settings) -> AsyncIterator[Services]:
    """The composition root over a clean migrated graph, as the CLI and importers open it."""
    async with open_services(settings, driver=graph) as opened:
        yield opened


@pytest.fixture
async def client(graph: AsyncDriver, settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """The app in-process, lifespan included, over a clean migrated graph."""
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
            yield c


@pytest.fixture
def admin_headers() -> dict[str, str]:
    return {"Authorization": f"Bearer {ADMIN_KEY}"}
