"""Serving speed of GET /v1/users/{id}/recommendations?limit=20 in the combined state, with
wrk, one or more checkouts side by side (ABAB). Prints figures; not a test.

    PROFILEGRAPH_NEO4J_BOLT_PORT=... PROFILEGRAPH_NEO4J_HTTP_PORT=... \
    PROFILEGRAPH_NEO4J_HOME=... PYTHONPATH=. .venv/bin/python bench/serve_wrk.py \
        [--ref /path/to/other/checkout[@WORKERS][,VAR=VALUE]] [--rounds 2] \
        [--duration 30] [--warmup 5] [--connections 32] [--workers N] [--profile 15] \
        [--in-process 2000 [--in-process-rounds 6] [--in-process-profile]]

The combined state (set up once, idempotent, kept in the Neo4j the PROFILEGRAPH_NEO4J_*
variables name and in .cache/bench-serve-wrk/):
- UCI Online Retail II imported (`profilegraph import online-retail PATH`; PATH from
  BENCH_RETAIL_DATA, default the shared copy);
- the graph-filter model built on all of it as `make run` builds it (`profilegraph
  build-model --window-days 0`, the serving install without the train extra, so GF-CF; the
  data is from 2009-2010, a window on today's clock would drop it); --searched-model serves
  the one build-model makes with torch installed instead (the searched filter family);
- 24 segments (bench/live_data.py's ten, bench/segments.py's ten, four on the retail
  customers' own traits and orders);
- an experiment running: an A/A test of the live model (both arms `kind: model, live: true`)
  whose audience is the segment of shoppers with personalization consent, so every request
  is enrolled, takes the live path and journals an exposure;
- a read-scope API key, as a storefront holds.

For each round and each checkout (this one first, then each --ref, alternating: ABAB) the
API is started as `make run` starts it (`profilegraph serve`, the checkout's own defaults for
workers, log level and event loop; --workers overrides), warmed with --warmup seconds of the
same load, then wrk runs --duration seconds closed loop (--connections connections, 2
threads) over 2,000 customer ids in rotation (each thread its own starting point). Printed
per run: requests/s, p50/p90/p99, non-2xx and socket errors, and the CPU per request of the
API processes, Neo4j and wrk, read from /proc (CPU time moves much less than wall rates with
the other load of a shared machine, whose share is printed as `others`).

--profile S: after the measured rounds, one more run per checkout under py-spy (S seconds,
all API processes, idle time excluded) and its top-10 functions by own and by inclusive
samples. --in-process N: per checkout, the Python CPU of N recommendation requests called on
the ASGI app in one process (no HTTP server, no client): middleware, routing, validation,
the service, the Neo4j driver and the response, per request; one at a time, and with 32 in
flight as wrk's connections keep them (--in-process-concurrency); --in-process-rounds R
alternates the checkouts R times and prints the ratios to A; --in-process-profile runs each
once more under py-spy and prints its top-10 functions.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import resource
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
if os.environ.get("BENCH_WRK_CHILD") is None:
    sys.path.insert(0, str(ROOT))

# The state's files (artifacts, journal, key, ids); a checkout set up on its own store
# (`store=` in --ref) keeps them in a directory of its own, passed to its children.
BENCH_DIR = Path(os.environ.get("BENCH_WRK_STATE", ROOT / ".cache" / "bench-serve-wrk"))
# The checkout whose code sets a state up (a child setting up another checkout's store).
TREE = Path(os.environ.get("BENCH_WRK_TREE", ROOT))
DATA = Path(os.environ.get(
    "BENCH_RETAIL_DATA",
    "/work/shared/data/online_retail_ii/online_retail_II_2009-2010.parquet"))
API_PORT = int(os.environ.get("BENCH_SERVE_API_PORT", "8105"))
EXPERIMENT = "wrk-aa-live"
AUDIENCE = "wrk-personalizable"
CUSTOMERS = 2000
SERVER_ENV = {
    "PROFILEGRAPH_ARTIFACTS_DIR": str(BENCH_DIR / "artifacts"),
    "PROFILEGRAPH_EXPOSURE_JOURNAL_DIR": str(BENCH_DIR / "journal"),
    # The state is fixed: no model rebuild starts in a server during the runs (a checkout
    # without the refresh ignores the variable).
    "PROFILEGRAPH_MODEL_REFRESH_INTERVAL_S": "0",
}


# -- the combined state -------------------------------------------------------------------


def _prefixed(condition: dict, prefix: str) -> dict:
    """A condition whose segment references carry `prefix` (the ids are prefixed too)."""
    out = {k: v for k, v in condition.items()}
    if out.get("type") == "segment":
        out["segment_id"] = prefix + out["segment_id"]
    if "conditions" in out:
        out["conditions"] = [_prefixed(c, prefix) for c in out["conditions"]]
    if "condition" in out:
        out["condition"] = _prefixed(out["condition"], prefix)
    return out


def segment_documents() -> list[dict]:
    saved = dict(os.environ)  # bench/segments.py points the environment at its own Neo4j
    try:
        from bench.live_data import segments as live_segments
        from bench.segments import RULES
    finally:
        os.environ.clear()
        os.environ.update(saved)

    docs = live_segments("wrk-live")  # ids "wrk-live-...", references already prefixed
    docs += [{"id": f"wrk-seg-{r['id']}", "name": r["id"],
              "condition": _prefixed(r["condition"], "wrk-seg-")} for r in RULES]
    docs += [
        {"id": AUDIENCE, "name": "Personalization consent",
         "condition": {"type": "consent", "purpose": "personalization"}},
        {"id": "wrk-uk", "name": "Customers in the United Kingdom",
         "condition": {"type": "trait", "property": "trait_country", "op": "eq",
                       "value": "United Kingdom"}},
        {"id": "wrk-repeat", "name": "Two or more orders",
         "condition": {"type": "trait", "property": "order_count", "op": "gte", "value": 2}},
        {"id": "wrk-spring-2010", "name": "Ordered in the first half of 2010",
         "condition": {"type": "event", "event_type": "order_completed",
                       "between": {"start": "2010-01-01T00:00:00Z",
                                   "end": "2010-07-01T00:00:00Z"}}},
    ]
    assert len(docs) == 24, len(docs)
    return docs


def _bench_queries():
    from app.db.queries import CypherCatalog  # the statements of this file's own bench/

    return CypherCatalog(ROOT / "bench" / "cypher")


def _database(services):
    from app.db.database import Database

    return Database(services.driver, services.settings.neo4j_database)


CLI = "import sys; from app.cli import main; sys.argv[0] = 'profilegraph'; main()"
# `make run` installs the serving dependencies only: without torch, build-model builds the
# graph filter (GF-CF) alone. With the train extra it also searches the filter families,
# whose full-rank export on this catalogue is 4,017 items x 4,529 dimensions: 73 MB of item
# vectors read by every request (--searched-model).
# What it finds without torch, in the trainer's layout of the checkout that builds (the
# round's start: gnn/; looked up by file, as an installed copy of another checkout may be
# importable too).
BUILDER = ("gnn.filter_pipeline" if (TREE / "gnn" / "filter_pipeline.py").exists()
           else "trainer.build_model")
WITHOUT_TRAIN_EXTRA = (f"import importlib; p = importlib.import_module({BUILDER!r}); "
                       "p.search_available = lambda: False; ")


def cli(*args: str, env: dict | None = None, train_extra: bool = True) -> None:
    code = CLI if train_extra else WITHOUT_TRAIN_EXTRA + CLI
    subprocess.run([sys.executable, "-c", code, *args], cwd=TREE, check=True,
                   env={**os.environ, "PYTHONPATH": str(TREE), **(env or {})})


async def _state(services) -> dict:
    from app.core.errors import ApiError

    docs = json.loads((BENCH_DIR / "segments.json").read_text())
    existing = {s.segment_id for s in await services.segments.list_all()}
    for doc in docs:
        if doc["id"] not in existing:
            await services.segments.create(doc)
    # Segments of this bench no longer in the list (referrers go first).
    stale = sorted(i for i in existing if i.startswith("wrk-") and i not in {d["id"] for d in docs})
    while stale:
        left = []
        for segment_id in stale:
            try:
                await services.segments.delete(segment_id)
            except ApiError:  # still referred to by another stale one
                left.append(segment_id)
        if len(left) == len(stale):
            raise RuntimeError(f"cannot delete stale bench segments {left}")
        stale = left
    experiments = {e["experiment_id"]: e for e in await services.experiments.service.list_all()}
    if EXPERIMENT not in experiments:
        await services.experiments.service.create({
            "id": EXPERIMENT, "name": "A/A of the live model", "audience": {"segment_id": AUDIENCE},
            "variants": [{"name": "a", "weight": 0.5, "strategy": {"kind": "model", "live": True}},
                         {"name": "b", "weight": 0.5, "strategy": {"kind": "model", "live": True}}],
        })
    if experiments.get(EXPERIMENT, {}).get("status") != "running":
        await services.experiments.service.start(EXPERIMENT)
    key_file = BENCH_DIR / "read-key"
    if not key_file.exists():
        key, _ = await services.api_keys.create("bench-serve-wrk", ["read"])
        key_file.write_text(key)
    rows = await _database(services).read(_bench_queries()["list_user_ids"])
    ids = sorted(r["id"] for r in rows)[:CUSTOMERS]
    return {"key": key_file.read_text().strip(), "ids": ids,
            "segments": len(await services.segments.list_all()),
            "password": services.settings.resolved_neo4j_password()}


def setup(searched_model: bool) -> dict:
    from app.core.config import get_settings
    from app.ops import neo4j_server
    from app.wiring import open_services

    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    if os.environ.get("BENCH_WRK_CHILD") is None:  # a child reads the parent's
        (BENCH_DIR / "segments.json").write_text(json.dumps(segment_documents()))
    settings = get_settings()
    if not neo4j_server.status(settings).running:
        neo4j_server.start(settings)
    cli("migrate")

    async def users() -> int:
        async with open_services(settings) as services:
            rows = await _database(services).read(_bench_queries()["count_users"])
            return rows[0]["n"]

    if asyncio.run(users()) < 4000:
        cli("import", "online-retail", str(DATA))
    if not (BENCH_DIR / "artifacts" / "CURRENT").exists():
        cli("build-model", "--window-days", "0", env=SERVER_ENV, train_extra=searched_model)

    async def state() -> dict:
        async with open_services(settings) as services:
            await settle(services)
            return await _state(services)

    return asyncio.run(state())


async def settle(services: Any) -> None:
    """The background work the import left (items whose titles changed between invoices,
    marked for catalog-dependent segments, and the membership work they expand to) done
    before anything is measured: a serving process started for a 30-second run would
    otherwise spend part of its CPU on it, and the next one again."""
    from app.db.database import Database
    from app.segments.catalog_changes import CatalogChanges

    catalog = CatalogChanges(Database(services.driver, services.settings.neo4j_database))
    items = users = 0
    while n := await catalog.expand():
        items += n
    while (done := await services.membership.drain(2000)).claimed:
        users += done.users
    if items or users:
        print(f"settled: {items} changed items expanded, membership work of {users} "
              "profiles applied")


def pin_settings() -> None:
    """Servers from other checkouts reach this Neo4j: its address and password travel in
    the environment (each checkout would otherwise look in its own .cache)."""
    from app.core.config import get_settings

    settings = get_settings()
    os.environ.update({
        "PROFILEGRAPH_NEO4J_URI": settings.neo4j_uri,
        "PROFILEGRAPH_NEO4J_BOLT_PORT": str(settings.neo4j_bolt_port),
        "PROFILEGRAPH_NEO4J_HTTP_PORT": str(settings.neo4j_http_port),
        "PROFILEGRAPH_NEO4J_HOME": str(settings.neo4j_home),
        "PROFILEGRAPH_NEO4J_PASSWORD": settings.resolved_neo4j_password(),
    })


# -- load and measurement -----------------------------------------------------------------


def wrk_script(ids: list[str], key: str) -> Path:
    """Rotation over the customer ids; each of wrk's threads starts at its own offset."""
    script = Path(tempfile.mkstemp(suffix=".lua", dir=BENCH_DIR)[1])
    table = ",".join(json.dumps(i) for i in ids)
    script.write_text(f"""
local ids = {{{table}}}
local n = #ids
local headers = {{["Authorization"] = "Bearer {key}"}}
local threads = 0
function setup(thread)
  thread:set("thread_no", threads)
  threads = threads + 1
end
local i = 0
function init(args)
  i = (thread_no or 0) * 997
end
request = function()
  i = i % n + 1
  return wrk.format("GET", "/v1/users/" .. ids[i] .. "/recommendations?limit=20", headers)
end
""")
    return script


def cpu_seconds(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / os.sysconf("SC_CLK_TCK")


def machine_busy_seconds() -> float:
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    idle = fields[3] + fields[4]  # idle, iowait
    return (sum(fields[:8]) - idle) / os.sysconf("SC_CLK_TCK")


def group_pids(pgid: int) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            if int(fields[2]) == pgid:
                pids.append(int(entry.name))
    return pids


def parse_wrk(text: str) -> dict:
    def ms(value: str) -> float:
        number, unit = re.match(r"([\d.]+)(\w+)", value).groups()
        return float(number) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}[unit]

    latency = dict(re.findall(r"^\s+(50|75|90|99)%\s+(\S+)", text, re.M))
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)",
                       text)
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    return {
        "requests": int(re.search(r"(\d+) requests in", text).group(1)),
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1)),
        "p50_ms": ms(latency["50"]), "p90_ms": ms(latency["90"]), "p99_ms": ms(latency["99"]),
        "errors": (int(non2xx.group(1)) if non2xx else 0)
        + (sum(int(g) for g in socket.groups()) if socket else 0),
    }


def neo4j_pid() -> int:
    from app.core.config import get_settings
    from app.ops import neo4j_server

    return neo4j_server.status(get_settings()).pid or 0


class Server:
    """`profilegraph serve` from a checkout, in its own process group."""

    def __init__(self, tree: Path, workers: int | None, log: Path,
                 env: tuple[tuple[str, str], ...] = ()) -> None:
        args = ["serve", "--port", str(API_PORT)]
        if workers is not None:
            args += ["--workers", str(workers)]
        code = "import sys; from app.cli import main; sys.argv[0] = 'profilegraph'; main()"
        env = {**os.environ, **SERVER_ENV, "PYTHONPATH": str(tree), **dict(env)}
        self.log = log.open("ab")
        self.proc = subprocess.Popen([sys.executable, "-c", code, *args], cwd=tree, env=env,
                                     stdout=self.log, stderr=self.log, start_new_session=True)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server from {tree} exited; see {log}")
            if _ready():
                return
            time.sleep(0.3)
        self.stop()
        raise RuntimeError(f"server from {tree} did not become ready; see {log}")

    def pids(self) -> list[int]:
        return group_pids(self.proc.pid)

    def stop(self) -> None:
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.log.close()


def _ready() -> bool:
    import urllib.request

    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{API_PORT}/readyz", timeout=1) as r:
            return r.status == 200
    except OSError:
        return False


def run_wrk(script: Path, seconds: int, connections: int) -> tuple[str, float]:
    """wrk's report and the CPU seconds wrk itself used."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    out = subprocess.run(
        ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script),
         f"http://127.0.0.1:{API_PORT}"], capture_output=True, text=True, check=True).stdout
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return out, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def measure(server: Server, script: Path, args: argparse.Namespace, n4j: int) -> dict:
    run_wrk(script, args.warmup, args.connections)
    pids = server.pids()
    api0, neo0, busy0, t0 = cpu_seconds(pids), cpu_seconds([n4j]), machine_busy_seconds(), \
        time.monotonic()
    out, wrk_cpu = run_wrk(script, args.duration, args.connections)
    api, neo = cpu_seconds(pids) - api0, cpu_seconds([n4j]) - neo0
    busy, wall = machine_busy_seconds() - busy0, time.monotonic() - t0
    row = parse_wrk(out)
    n = max(row["requests"], 1)
    row.update({
        "api_cpu_ms": round(api * 1000 / n, 3), "neo4j_cpu_ms": round(neo * 1000 / n, 3),
        "wrk_cpu_ms": round(wrk_cpu * 1000 / n, 3),
        "api_cores": round(api / wall, 2), "neo4j_cores": round(neo / wall, 2),
        "others_cores": round(max(0.0, busy - api - neo - wrk_cpu) / wall, 2),
        "api_processes": len(pids),
    })
    return row


# -- profile -------------------------------------------------------------------------------


def profile(server: Server, script: Path, args: argparse.Namespace, out: Path) -> None:
    """py-spy over every API process during one wrk run; prints top-10 own and inclusive."""
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    run_wrk(script, args.warmup, args.connections)
    pids = [p for p in server.pids() if p != server.proc.pid] or [server.proc.pid]
    records = []
    for pid in pids:
        raw = out.with_suffix(f".{pid}.txt")
        records.append((raw, subprocess.Popen(
            [spy, "record", "--pid", str(pid), "--duration", str(args.profile), "--rate", "250",
             "--nonblocking", "--format", "raw", "--output", str(raw)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)))
    run_wrk(script, args.profile + 2, args.connections)
    for _, proc in records:
        proc.wait()
    print_top([raw for raw, _ in records], f"{out}.*.txt")


# Stacks of a process starting (imports, the app and its services), not of its requests,
# and waits py-spy counts as busy: an idle pool thread, the event loop's poll.
STARTUP = re.compile(r"_find_and_load|create_app|lifespan"
                     r"|(_worker \(\S*concurrent/futures/thread.py|select \(\S*selectors.py)"
                     r":\d+\)$")


def print_top(raws: list[Path], where: str, skip: re.Pattern[str] | None = None) -> None:
    """Top-10 functions of py-spy's raw records, by own and by inclusive samples; stacks
    with a frame `skip` finds are left out."""
    own: Counter[str] = Counter()
    inclusive: Counter[str] = Counter()
    total = 0
    for raw in raws:
        for line in raw.read_text().splitlines():
            stack, _, count = line.rpartition(" ")
            if skip is not None and skip.search(stack):
                continue
            frames = [_frame(f) for f in stack.split(";")[1:]]  # first: the thread
            if not frames:
                continue
            n = int(count)
            total += n
            own[frames[-1]] += n
            for frame in set(frames):
                inclusive[frame] += n
    print(f"  py-spy: {total} samples over {len(raws)} process(es), {where}")
    # Inclusive: the project's own functions (the server's loop holds nearly every sample).
    ours = Counter({f: n for f, n in inclusive.items()
                    if re.search(r"\((app|gnn|recmodel|trainer)/", f)})
    for title, counter in (("own", own), ("inclusive, project code", ours)):
        print(f"  top 10 by {title} samples:")
        for frame, n in counter.most_common(10):
            print(f"    {100 * n / max(total, 1):5.1f}%  {frame}")


def _frame(text: str) -> str:
    """'function (path/to/file.py:123)' without the line and the environment's prefix."""
    match = re.match(r"(.*) \((.*?):\d+\)$", text.strip())
    if not match:
        return text.strip()
    name, path = match.groups()
    path = re.sub(r".*/site-packages/", "", path)
    path = re.sub(r"^/work/wt/[^/]+/", "", path)
    return f"{name} ({path})"


# -- in-process ----------------------------------------------------------------------------


def in_process(tree: Path, n: int, concurrency: int,
               variables: tuple[tuple[str, str], ...] = (), spy: Path | None = None) -> dict:
    """Runs this file in a child with the checkout on PYTHONPATH; returns its figures.
    `spy`: under py-spy (1 kHz, idle time excluded), its raw record written there (the
    warm-up included; the figures are then the profiler's too, not to be compared)."""
    env = {**os.environ, **SERVER_ENV, "PYTHONPATH": str(tree), "BENCH_WRK_CHILD": "1",
           "BENCH_WRK_STATE": str(BENCH_DIR), **dict(variables)}
    log = BENCH_DIR / "in-process.log"
    command = [sys.executable, __file__, "--in-process-child", str(n),
               "--in-process-concurrency", str(concurrency)]
    if spy is not None:
        command = [shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy"),
                   "record", "--rate", "1000", "--format", "raw", "--output", str(spy),
                   "--", *command]
    with log.open("ab") as err:  # the access log goes here, as a server's would
        out = subprocess.run(command, cwd=tree, env=env, stdout=subprocess.PIPE, stderr=err,
                             text=True)
    if out.returncode != 0:
        raise RuntimeError(f"in-process run from {tree} failed; see {log}")
    return json.loads(next(line for line in reversed(out.stdout.strip().splitlines())
                           if line.startswith("{")))


async def _in_process_child(n: int, concurrency: int) -> dict:
    from app.main import create_app

    ids = json.loads((BENCH_DIR / "ids.json").read_text())
    key = (BENCH_DIR / "read-key").read_text().strip()
    app = create_app()
    headers = [(b"host", b"bench"), (b"authorization", f"Bearer {key}".encode())]
    statuses: Counter[int] = Counter()

    async def call(user_id: str) -> None:
        path = f"/v1/users/{user_id}/recommendations"
        scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                 "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
                 "query_string": b"limit=20", "root_path": "", "headers": headers,
                 "client": ("127.0.0.1", 5000), "server": ("127.0.0.1", 80)}

        async def receive() -> dict:
            return {"type": "http.request", "body": b"", "more_body": False}

        async def send(message: dict) -> None:
            if message["type"] == "http.response.start":
                statuses[message["status"]] += 1

        await app(scope, receive, send)

    async with app.router.lifespan_context(app):
        for user_id in ids[:200]:  # warm caches, plans and the JIT of Neo4j
            await call(user_id)
        statuses.clear()
        n4j = int(os.environ.get("BENCH_WRK_NEO4J_PID") or neo4j_pid())
        turns = iter(range(n))

        async def client() -> None:  # `concurrency` of these, as many connections
            for i in turns:
                await call(ids[i % len(ids)])

        neo0, cpu0, wall0 = cpu_seconds([n4j]), time.process_time(), time.perf_counter()
        await asyncio.gather(*(client() for _ in range(concurrency)))
        cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
        neo = cpu_seconds([n4j]) - neo0
    groups = _histogram("profilegraph_recommend_read_group_size")
    return {"requests": n, "concurrency": concurrency, **groups,
            "python_cpu_ms": round(cpu * 1000 / n, 3), "wall_ms": round(wall * 1000 / n, 3),
            "neo4j_cpu_ms": round(neo * 1000 / n, 3), "statuses": dict(statuses)}


def _histogram(name: str) -> dict:
    """Mean of a histogram of the checkout's metrics, when it has it."""
    from prometheus_client import REGISTRY

    total = count = 0.0
    for metric in REGISTRY.collect():
        for sample in metric.samples:
            if sample.name == f"{name}_sum":
                total += sample.value
            elif sample.name == f"{name}_count":
                count += sample.value
    return {"mean_read_group": round(total / count, 2)} if count else {}


# -- main ----------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ref", action="append", default=[],
                        metavar="PATH[@WORKERS][,VAR=VALUE...]",
                        help="another checkout to serve from, alternating with this one "
                             "(@N: with N uvicorn workers; VAR=VALUE: in its environment)")
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--duration", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--prime", type=int, default=20,
                        help="seconds of load before the first round, not measured (a Neo4j "
                             "just started is slower for its first minute)")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--workers", type=int, default=None,
                        help="uvicorn workers (default: the checkout's `profilegraph serve`)")
    parser.add_argument("--searched-model", action="store_true",
                        help="serve the model build-model makes with the train extra (the "
                             "searched filter family; kept apart from the default one)")
    parser.add_argument("--profile", type=int, default=0, metavar="SECONDS")
    parser.add_argument("--in-process", type=int, default=0, metavar="N")
    parser.add_argument("--in-process-concurrency", type=int, nargs="+", default=[1, 32],
                        help="requests in flight at once in the in-process runs")
    parser.add_argument("--in-process-rounds", type=int, default=1,
                        help="in-process runs per checkout, alternating (A B, B A, ...); "
                             "prints the per-round ratios to A and their median")
    parser.add_argument("--in-process-profile", action="store_true",
                        help="one more in-process run per checkout under py-spy; prints its "
                             "top-10 functions by own and inclusive samples")
    parser.add_argument("--in-process-child", type=int, default=0, help=argparse.SUPPRESS)
    parser.add_argument("--setup-child", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_process_child:
        print(json.dumps(asyncio.run(_in_process_child(args.in_process_child,
                                                       args.in_process_concurrency[0]))))
        return
    if args.setup_child:  # another checkout's own store, set up by its own code
        print(json.dumps({**setup(args.searched_model), "neo4j_pid": neo4j_pid()}))
        return
    if shutil.which("wrk") is None:
        sys.exit("wrk is needed for this benchmark: apt-get install wrk")
    if args.searched_model:
        SERVER_ENV["PROFILEGRAPH_ARTIFACTS_DIR"] = str(BENCH_DIR / "artifacts-searched")
    state = setup(args.searched_model)
    (BENCH_DIR / "ids.json").write_text(json.dumps(state["ids"]))
    print(f"state: {len(state['ids'])} customer ids, {state['segments']} segments, "
          f"experiment {EXPERIMENT} running", flush=True)
    script = wrk_script(state["ids"], state["key"])
    runs = [Checkout("A", ROOT, args.workers), *(
        Checkout.parse(chr(ord("B") + i), spec, args.workers) for i, spec in enumerate(args.ref))]
    scripts = {c.name: script for c in runs}
    stores = {c.name: neo4j_pid() for c in runs}
    for i, c in enumerate(runs):
        if c.store:
            runs[i], scripts[c.name], stores[c.name] = own_store(c, state["ids"], args)
    pin_settings()
    for c in runs:
        print(f"{c.name}: {c.tree} ({_commit(c.tree)}), workers: "
              f"{c.workers or 'its serve default'}"
              + "".join(f", {k}={v}" for k, v in c.env if "PASSWORD" not in k), flush=True)
    log = BENCH_DIR / "server.log"
    if args.prime:  # Neo4j's page cache, JIT and plans, not measured
        for c in runs if any(c.store for c in runs) else runs[:1]:  # each store
            server = Server(c.tree, c.workers, log, c.env)
            try:
                run_wrk(scripts[c.name], args.prime, args.connections)
            finally:
                server.stop()
    for round_ in range(args.rounds):
        for c in runs:
            server = Server(c.tree, c.workers, log, c.env)
            try:
                row = measure(server, scripts[c.name], args, stores[c.name])
            finally:
                server.stop()
            print(json.dumps({"run": f"{c.name}{round_ + 1}", **row}), flush=True)
    for c in runs if args.profile else []:
        print(f"profile {c.name}:", flush=True)
        server = Server(c.tree, c.workers, log, c.env)
        try:
            profile(server, scripts[c.name], args, BENCH_DIR / f"profile-{c.name}")
        finally:
            server.stop()
    checkouts = list(dict(((c.tree, c.env), c) for c in runs).values())  # workers: no matter
    for concurrency in args.in_process_concurrency if args.in_process else []:
        cpu: dict[str, list[float]] = {c.name: [] for c in checkouts}
        for round_ in range(args.in_process_rounds):  # A B, then B A, ...
            for c in checkouts if round_ % 2 == 0 else checkouts[::-1]:
                load = os.getloadavg()[0]
                row = in_process(c.tree, args.in_process, concurrency,
                                 (("BENCH_WRK_NEO4J_PID", str(stores[c.name])), *c.env))
                cpu[c.name].append(row["python_cpu_ms"])
                print(json.dumps({"in_process": f"{c.name}{round_ + 1}", "load1": round(load, 1),
                                  **row}), flush=True)
        if args.in_process_rounds > 1:
            a = cpu[checkouts[0].name]
            for c in checkouts[1:]:
                ratios = [x / y for x, y in zip(a, cpu[c.name], strict=True)]
                print(f"in-process, {concurrency} in flight: A/{c.name} Python CPU per "
                      f"request by round {[round(r, 3) for r in ratios]}, median "
                      f"{statistics.median(ratios):.3f}; medians A "
                      f"{statistics.median(a):.3f} ms, {c.name} "
                      f"{statistics.median(cpu[c.name]):.3f} ms", flush=True)
    for c in dict(((c.tree, c.env), c) for c in runs).values() if args.in_process_profile else []:
        raw = BENCH_DIR / f"in-process-profile-{c.name}.txt"
        in_process(c.tree, args.in_process, args.in_process_concurrency[-1],
                   (("BENCH_WRK_NEO4J_PID", str(stores[c.name])), *c.env), spy=raw)
        print(f"in-process profile {c.name} ({args.in_process_concurrency[-1]} in flight):",
              flush=True)
        print_top([raw], f"{raw}, the process's start left out", STARTUP)


@dataclass(frozen=True)
class Checkout:
    name: str
    tree: Path
    workers: int | None  # None: what its `profilegraph serve` starts
    env: tuple[tuple[str, str], ...] = ()  # set for its server only
    store: tuple[int, int] | None = None  # its own Neo4j (bolt, http ports); None: this one's

    @classmethod
    def parse(cls, name: str, spec: str, workers: int | None) -> Checkout:
        """PATH[@WORKERS][,VAR=VALUE...][,store=BOLT:HTTP]: the same checkout may come twice,
        with other worker counts or variables (e.g. OPENBLAS_NUM_THREADS=1); `store`: it
        serves from a Neo4j of its own on those ports (a checkout whose migrations differ),
        set up by its own code."""
        head, *assignments = spec.split(",")
        path, _, count = head.partition("@")
        pairs = [tuple(a.split("=", 1)) for a in assignments]
        store = next((tuple(int(p) for p in v.split(":")) for k, v in pairs if k == "store"),
                     None)
        env = tuple(p for p in pairs if p[0] != "store")
        return cls(name, Path(path).resolve(), int(count) if count else workers, env,  # type: ignore[arg-type]
                   store)  # type: ignore[arg-type]


def own_store(c: Checkout, ids: list[str], args: argparse.Namespace
              ) -> tuple[Checkout, Path, int]:
    """Sets the combined state up in `c`'s own Neo4j with `c`'s code (a child process):
    the same data, model build, segments, experiment and key, its own migrations. Returns
    the checkout with that store in its environment, its wrk script and Neo4j's pid."""
    from app.core.config import get_settings

    bolt, http = c.store  # type: ignore[misc]
    state_dir = BENCH_DIR / f"store-{bolt}"  # beside this one's state, whichever tree runs
    state_dir.mkdir(parents=True, exist_ok=True)
    (state_dir / "segments.json").write_text(json.dumps(segment_documents()))
    env = {
        "PROFILEGRAPH_NEO4J_BOLT_PORT": str(bolt), "PROFILEGRAPH_NEO4J_HTTP_PORT": str(http),
        "PROFILEGRAPH_NEO4J_URI": f"bolt://127.0.0.1:{bolt}",
        "PROFILEGRAPH_NEO4J_HOME": str(state_dir / "neo4j"),
        "PROFILEGRAPH_NEO4J_LIB_DIR": str(get_settings().neo4j_lib_dir),
        "PROFILEGRAPH_ARTIFACTS_DIR": str(state_dir / "artifacts"),
        "PROFILEGRAPH_EXPOSURE_JOURNAL_DIR": str(state_dir / "journal"),
    }
    base = {k: v for k, v in os.environ.items() if k != "PROFILEGRAPH_NEO4J_PASSWORD"}
    out = subprocess.run(
        [sys.executable, __file__, "--setup-child",
         *(["--searched-model"] if args.searched_model else [])],
        cwd=c.tree, stdout=subprocess.PIPE, text=True, check=True,
        env={**base, **env, "PYTHONPATH": str(c.tree), "BENCH_WRK_CHILD": "1",
             "BENCH_WRK_TREE": str(c.tree), "BENCH_WRK_STATE": str(state_dir)})
    state = json.loads(out.stdout.strip().splitlines()[-1])
    if state["ids"] != ids:
        raise RuntimeError(f"{c.name}'s store holds other customers than this one's")
    (state_dir / "ids.json").write_text(json.dumps(state["ids"]))
    env.update({"PROFILEGRAPH_NEO4J_PASSWORD": state["password"],
                "BENCH_WRK_STATE": str(state_dir)})
    print(f"{c.name}: its own store on bolt {bolt} (pid {state['neo4j_pid']}, "
          f"{state['segments']} segments)", flush=True)
    script = wrk_script(state["ids"], state["key"])
    return (Checkout(c.name, c.tree, c.workers, (*c.env, *env.items()), c.store), script,
            state["neo4j_pid"])


def _commit(tree: Path) -> str:
    out = subprocess.run(["git", "-C", str(tree), "log", "-1", "--format=%h %s"],
                         capture_output=True, text=True)
    dirty = subprocess.run(["git", "-C", str(tree), "status", "--porcelain", "-uno"],
                           capture_output=True, text=True).stdout.strip()
    return out.stdout.strip()[:70] + (" +uncommitted changes" if dirty else "")


if __name__ == "__main__":
    main()
