"""What the benchmark scripts share: the API server started with uvicorn and polled until it
answers, migrations applied before a run, percentiles of timings, and the sides of a
comparison (a checkout with its own Neo4j store and ports, see `Side`).

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
from dataclasses import dataclass
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


@dataclass(frozen=True)
class Side:
    """One checkout in a side-by-side comparison, with its own Neo4j store and ports.

    Sides never share a store: a server refuses a store migrated by a newer checkout. Its
    scripts and server run with PYTHONPATH at its root, so each side imports its own
    packages (an older checkout may not have this one's modules)."""

    name: str
    root: Path
    bolt_port: int
    http_port: int
    api_port: int
    neo4j_home: Path
    # The server jars, shared: both sides pin the same Neo4j version.
    neo4j_lib_dir: Path = ROOT / ".cache" / "neo4j" / "lib"
    neo4j_memory: str = "1g"  # heap and page cache each, as bench/serve.py's own server
    extra_env: tuple[tuple[str, str], ...] = ()  # more settings, the same for both sides

    def env(self) -> dict[str, str]:
        """This process's environment with the side's checkout, Neo4j and API port."""
        env = {k: v for k, v in os.environ.items() if k not in {"PROFILEGRAPH_NEO4J_URI"}}
        return {
            **env,
            "PYTHONPATH": str(self.root),
            "PROFILEGRAPH_NEO4J_BOLT_PORT": str(self.bolt_port),
            "PROFILEGRAPH_NEO4J_HTTP_PORT": str(self.http_port),
            "PROFILEGRAPH_NEO4J_HOME": str(self.neo4j_home),
            "PROFILEGRAPH_NEO4J_LIB_DIR": str(self.neo4j_lib_dir),
            # With the store, so one store always meets the password it was created with.
            "PROFILEGRAPH_NEO4J_PASSWORD_FILE": str(self.neo4j_home / "bench-password"),
            "PROFILEGRAPH_NEO4J_HEAP": self.neo4j_memory,
            "PROFILEGRAPH_NEO4J_PAGECACHE": self.neo4j_memory,
            "BENCH_SERVE_API_PORT": str(self.api_port),
            **dict(self.extra_env),
        }

    def python(self, code: str) -> str:
        """Run `code` with this side's interpreter path and environment; its stdout."""
        proc = subprocess.run([sys.executable, "-c", code], cwd=self.root, env=self.env(),
                              capture_output=True, text=True, check=False)
        if proc.returncode != 0:
            raise RuntimeError(f"{self.name}: {proc.stderr[-2000:]}")
        return proc.stdout.strip()

    def neo4j(self, action: str) -> str:
        """`start` or `stop` this side's Neo4j with the side's own server code."""
        call = {"start": "neo4j_server.start(s).describe()",
                "stop": "'stopped' if neo4j_server.stop(s) else 'was not running'"}[action]
        return self.python("from app.core.config import get_settings\n"
                           "from app.ops import neo4j_server\n"
                           f"s = get_settings()\nprint({call})")

    def run_script(self, script: str, args: Sequence[str], *, echo: bool = True) -> str:
        """Run this side's own `bench/<script>` with `args`; its stdout (echoed line by line
        with the side's name while it runs). Fails when the script does."""
        proc = subprocess.Popen([sys.executable, str(self.root / "bench" / script), *args],
                                cwd=self.root, env=self.env(), stdout=subprocess.PIPE,
                                text=True)
        lines = []
        assert proc.stdout is not None
        for line in proc.stdout:
            lines.append(line)
            if echo:
                print(f"  [{self.name}] {line}", end="", flush=True)
        if proc.wait() != 0:
            raise RuntimeError(f"{self.name}: bench/{script} exited {proc.returncode}")
        return "".join(lines)
