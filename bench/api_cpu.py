"""CPU the API process spends per request on the live loop's traffic, one or more checkouts
side by side. Prints figures; not a test.

    PYTHONPATH=. .venv/bin/python bench/api_cpu.py --reuse NAME [--app-root OTHER_CHECKOUT]
        [--rounds 2] [--seconds 15] [--workers 1 [2 ...]]

Runs on the store and model `bench/live.py --reuse NAME` built (same Neo4j settings). For
each checkout in turn (this one, then each --app-root; alternating for --rounds) and each
--workers count, starts uvicorn from that checkout with that many worker processes, the
live bench's settings and the same model, warms it, then drives three sub-phases of
--seconds each with live.py's load generator:

- `reads`: 32 closed-loop readers of /v1/users/{id}/recommendations?limit=10;
- `intake`: 4 senders of /v1/batch, batches of 100;
- `both`: the two at once (the live loop without the probe).

For each it reads the CPU time (user + system, /proc/<pid>/stat) of the API processes (the
uvicorn process group) and of the Neo4j server, and prints it per request: ms per
recommendation in `reads`, ms per message in `intake`; in `both` the rates and the API
process's share of a core. Segments defined on the store are deleted first (as live.py's
first phase does), so this measures the request paths themselves; wall rates on a shared
machine move with other load, CPU per request much less.

`--statement-cost` instead measures the client CPU of one trivial statement through the
app's `Database.fast_read`, sequentially, with and without a receive timeout on the pooled
connection (what Neo4j's keep-alive hint for all requests makes the driver set).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _harness as harness
from bench._harness import percentile as pct
from bench._harness import stop_server
from bench.live import ADMIN_KEY, HEADERS, ROOT
from bench.live_data import Storefront, segments
from bench.serve import cpu_seconds, group_pids


def neo4j_pid() -> int:
    from app.core.config import get_settings

    return int((get_settings().neo4j_home / "run" / "neo4j.pid").read_text())


def start_server(app_root: Path, port: int, artifacts: Path, workers: int
                 ) -> subprocess.Popen:
    return harness.start_server(
        port, root=app_root, workers=workers, ready_path="/readyz", timeout_s=90,
        env={"PROFILEGRAPH_CONSENT_DEFAULT": "opt_out", "PROFILEGRAPH_ADMIN_API_KEY": ADMIN_KEY,
             "PROFILEGRAPH_LOG_LEVEL": "WARNING", "PROFILEGRAPH_ARTIFACTS_DIR": str(artifacts),
             "PROFILEGRAPH_MODEL_POLL_INTERVAL_S": "1"})


@dataclass
class Traffic:
    store: Storefront
    bodies: list[tuple[bytes, int]]  # serialized batch, messages in it
    ids: list[str]
    stop: asyncio.Event = field(default_factory=asyncio.Event)
    reads: int = 0
    messages: int = 0
    errors: list[str] = field(default_factory=list)
    read_lat: list[float] = field(default_factory=list)

    async def sender(self, http: aiohttp.ClientSession) -> None:
        headers = {**HEADERS, "Content-Type": "application/json"}
        while not self.stop.is_set() and self.bodies:
            body, messages = self.bodies.pop()
            async with http.post("/v1/batch", data=body, headers=headers) as r:
                payload = await r.read()
                if r.status != 200:
                    self.errors.append(f"batch {r.status} {payload[:200]!r}")
                else:
                    self.messages += messages

    async def reader(self, http: aiohttp.ClientSession) -> None:
        rng = self.store.rng
        while not self.stop.is_set():
            t = time.perf_counter()
            async with http.get(f"/v1/users/{rng.choice(self.ids)}/recommendations?limit=10",
                                headers=HEADERS) as r:
                payload = await r.read()
                if r.status != 200:
                    self.errors.append(f"recs {r.status} {payload[:200]!r}")
                    continue
            self.read_lat.append(time.perf_counter() - t)
            self.reads += 1


BATCH = 100


async def drive(base: str, traffic: Traffic, readers: int, senders: int, seconds: float
                ) -> float:
    async with aiohttp.ClientSession(base_url=base, connector=aiohttp.TCPConnector(limit=64),
                                     timeout=aiohttp.ClientTimeout(total=60)) as http:
        tasks = [asyncio.create_task(traffic.sender(http)) for _ in range(senders)]
        tasks += [asyncio.create_task(traffic.reader(http)) for _ in range(readers)]
        started = time.perf_counter()
        await asyncio.sleep(seconds)
        traffic.stop.set()
        await asyncio.gather(*tasks)
        return time.perf_counter() - started


PHASES = {"reads": (32, 0), "intake": (0, 4), "both": (32, 4)}


async def measure(app_root: Path, workers: int, args: argparse.Namespace, store: Storefront,
                  artifacts: Path) -> dict[str, dict[str, float]]:
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(app_root, args.port, artifacts, workers)
    out: dict[str, dict[str, float]] = {}
    try:
        await asyncio.sleep(2.5)  # the model poller loads the artifact within a second
        n4j = neo4j_pid()
        for name, (readers, senders) in [("warm", (32, 4)), *PHASES.items()]:
            count = int(args.max_rate * args.seconds / BATCH) + senders if senders else 0
            batches = [store.live_batch(BATCH) for _ in range(count)]
            bodies = [(orjson.dumps({"batch": b}), len(b)) for b in batches]
            traffic = Traffic(store, bodies, store.known_ids())
            pids = group_pids(server.pid)
            api0, neo0 = cpu_seconds(pids), cpu_seconds([n4j])
            seconds = await drive(base, traffic, readers, senders,
                                  args.warmup if name == "warm" else args.seconds)
            api, neo = cpu_seconds(pids) - api0, cpu_seconds([n4j]) - neo0
            if traffic.errors:
                print(f"   {app_root.name} {name}: {len(traffic.errors)} errors, first "
                      f"{traffic.errors[0]}", flush=True)
            out[name] = {
                "api_ms_per_read": api * 1000 / traffic.reads if traffic.reads else 0.0,
                "neo_ms_per_read": neo * 1000 / traffic.reads if traffic.reads else 0.0,
                "api_ms_per_msg": api * 1000 / traffic.messages if traffic.messages else 0.0,
                "neo_ms_per_msg": neo * 1000 / traffic.messages if traffic.messages else 0.0,
                "reads_s": traffic.reads / seconds, "msgs_s": traffic.messages / seconds,
                "api_core": api / seconds, "p50_ms": pct(traffic.read_lat, .5) * 1000,
                "p99_ms": pct(traffic.read_lat, .99) * 1000,
            }
    finally:
        stop_server(server)
    return out


ROWS = [
    ("reads", "api_ms_per_read", "API CPU ms / recommendation"),
    ("reads", "neo_ms_per_read", "Neo4j CPU ms / recommendation"),
    ("reads", "reads_s", "recommendations/s (readers alone)"),
    ("reads", "p50_ms", "recommendation p50 ms (readers alone)"),
    ("intake", "api_ms_per_msg", "API CPU ms / message (batches of 100)"),
    ("intake", "neo_ms_per_msg", "Neo4j CPU ms / message"),
    ("intake", "msgs_s", "messages/s (senders alone)"),
    ("both", "msgs_s", "live loop: messages/s"),
    ("both", "reads_s", "live loop: recommendations/s"),
    ("both", "p99_ms", "live loop: recommendation p99 ms"),
    ("both", "api_core", "live loop: API process, cores busy"),
]


async def statement_cost(rounds: int, n: int = 3000) -> None:
    """Client CPU per `RETURN 1` with the socket's receive timeout as the hint sets it
    (120 s) and without one, alternating. The pool is private driver state: bench only."""
    from app.core.config import get_settings
    from app.db.database import Database
    from app.db.driver import create_driver

    settings = get_settings()
    for _ in range(rounds):
        for timeout in (120.0, None):
            driver = create_driver(settings)
            db = Database(driver, settings.neo4j_database)
            await db.fast_read("RETURN 1 AS x")
            for connections in driver._pool.connections.values():
                for connection in connections:
                    connection.socket.settimeout(timeout)
            for _ in range(200):
                await db.fast_read("RETURN 1 AS x")
            started = time.process_time()
            for _ in range(n):
                await db.fast_read("RETURN 1 AS x")
            cpu_ms = (time.process_time() - started) * 1000 / n
            print(f"receive timeout {timeout}: {cpu_ms:.3f} ms client CPU per statement",
                  flush=True)
            await driver.close()


async def main(args: argparse.Namespace) -> None:
    if args.statement_cost:
        await statement_cost(args.rounds)
        return
    print(f"command: {' '.join(sys.argv)}; machine load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores", flush=True)
    if not args.reuse:
        sys.exit("--reuse NAME is needed: the store and model bench/live.py built")
    store = Storefront(args.reuse, args.shoppers, seed=args.seed)
    for _ in store.backfill(args.sessions, 250):  # replay the generator's state
        pass
    artifacts = ROOT / ".cache" / "bench-live" / args.reuse
    if not (artifacts / "CURRENT").exists():
        sys.exit(f"no model under {artifacts}: run bench/live.py --reuse {args.reuse} first")
    roots = [(root, w) for root in [ROOT, *args.app_root] for w in args.workers]
    server = start_server(ROOT, args.port, artifacts, 1)
    try:  # the store's segments are deleted: this measures the request paths
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{args.port}",
                                     timeout=300) as client:
            for d in reversed(segments(args.reuse)):
                await client.delete(f"/v1/segments/{d['id']}", headers=HEADERS)
    finally:
        stop_server(server)
    results: dict[tuple[Path, int], list[dict[str, dict[str, float]]]] = {r: [] for r in roots}
    for round_ in range(args.rounds):
        for root, workers in roots if round_ % 2 == 0 else list(reversed(roots)):
            got = await measure(root, workers, args, store, artifacts)
            results[root, workers].append(got)
            print(f"round {round_ + 1} {root} x{workers}: API ms/read "
                  f"{got['reads']['api_ms_per_read']:.2f}"
                  f", API ms/message {got['intake']['api_ms_per_msg']:.3f}, live loop "
                  f"{got['both']['msgs_s']:.0f} msg/s + {got['both']['reads_s']:.0f} reads/s "
                  f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    print(f"\nmedians of {args.rounds} round(s); checkout x worker processes: "
          + ", ".join(f"[{i}] {r} x{w}" for i, (r, w) in enumerate(roots)))
    header = f"{'':42s}" + "".join(f"{f'[{i}]':>10s}" for i in range(len(roots)))
    print(header + ("   ratio [0]/[1]" if len(roots) > 1 else ""))
    for phase, key, label in ROWS:
        values = [statistics.median(r[phase][key] for r in results[root]) for root in roots]
        ratio = f"   {values[0] / values[1]:.2f}" if len(roots) > 1 and values[1] else ""
        print(f"{label:42s}" + "".join(f"{v:10.3f}" for v in values) + ratio)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--statement-cost", action="store_true",
                        help="only the driver's client CPU per statement, receive timeout "
                             "or not")
    parser.add_argument("--reuse", metavar="NAME", default="",
                        help="the store and model bench/live.py --reuse NAME built")
    parser.add_argument("--app-root", action="append", default=[],
                        help="another checkout to serve the same way (repeatable)")
    parser.add_argument("--shoppers", type=int, default=3000)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=15)
    parser.add_argument("--warmup", type=float, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--workers", type=int, nargs="+", default=[1],
                        help="uvicorn worker processes; several counts are compared")
    parser.add_argument("--max-rate", type=float, default=5000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("PROFILEGRAPH_API_PORT", "8020")))
    parsed = parser.parse_args()
    import uvloop  # as uvicorn runs the server

    uvloop.install()
    parsed.app_root = [Path(p).resolve() for p in parsed.app_root]
    asyncio.run(main(parsed))
