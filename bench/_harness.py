"""What the benchmark scripts share: the API server started with uvicorn and polled until it
answers, migrations applied before a run, and percentiles of timings.

Each script keeps its own storefront, load and report; this holds only the plumbing they
all need, so a change to how the app is served or migrated is made once.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


def start_server(port: int, *, root: Path = ROOT, env: Mapping[str, str] | None = None,
                 workers: int | None = None, ready_path: str = "/healthz",
                 timeout_s: float = 60.0, poll_s: float = 0.3) -> subprocess.Popen:
    """uvicorn serving the app of the checkout `root` (another branch's, to compare) on
    127.0.0.1:`port`, in its own process group, returned once `ready_path` answers 200.
    `env` is added to this process's environment."""
    command = [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host",
               "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"]
    if workers is not None:
        command += ["--workers", str(workers)]
    proc = subprocess.Popen(command, cwd=root, start_new_session=True,
                            env={**os.environ, "PYTHONPATH": str(root), **(env or {})})
    try:
        wait_ready(f"http://127.0.0.1:{port}", proc, ready_path, timeout_s, poll_s)
    except BaseException:
        stop_server(proc)
        raise
    return proc


def wait_ready(url: str, proc: subprocess.Popen, path: str = "/healthz",
               timeout_s: float = 60.0, poll_s: float = 0.3) -> None:
    """Poll `url + path` until it answers 200; fails when the server exits or the time runs
    out."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the server exited ({proc.returncode})")
        try:
            if httpx.get(url + path, timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(poll_s)
    raise RuntimeError(f"the server at {url} did not answer {path} in {timeout_s:.0f} s")


def stop_server(proc: subprocess.Popen) -> None:
    """SIGTERM to the server's process group (its uvicorn workers too), then wait."""
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
    proc.wait(timeout=30)


async def migrate(driver: object | None = None) -> None:
    """Apply the project's migrations to the configured database (over `driver`, or a new
    one closed after)."""
    from app.core.config import get_settings
    from app.core.paths import MIGRATIONS_DIR
    from app.db.driver import create_driver
    from app.migrate.runner import MigrationRunner

    settings = get_settings()
    own = create_driver(settings) if driver is None else None
    try:
        await MigrationRunner(own or driver, MIGRATIONS_DIR,  # type: ignore[arg-type]
                              database=settings.neo4j_database).migrate()
    finally:
        if own is not None:
            await own.close()


async def wipe_graph() -> None:
    """Delete every node of the configured database but the migration history and the
    consent purposes, in short transactions (bench/cypher/wipe_*), then migrate. A bench or
    test database only."""
    from app.core.config import get_settings
    from app.db.driver import create_driver
    from app.db.queries import CypherCatalog

    queries = CypherCatalog(ROOT / "bench" / "cypher")
    settings = get_settings()
    driver = create_driver(settings)
    try:
        for step in ("wipe_edges", "wipe_nodes"):  # until nothing is left
            deleted = 1
            while deleted:
                records, _, _ = await driver.execute_query(
                    queries[step], batch=20_000, database_=settings.neo4j_database)
                deleted = records[0]["deleted"]
        await migrate(driver)
    finally:
        await driver.close()


def percentile(values: Sequence[float], q: float) -> float:
    """The nearest-rank percentile (q in 0..1): the value below which a share q of the sorted
    values falls; NaN for no values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
