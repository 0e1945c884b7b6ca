"""Ingest throughput: events/s through POST /v1/batch (batches of 100 and 500, concurrent
senders) against one event per POST /v1/track, with uvicorn on loopback in its own process;
and the wall time of the Online Retail II import. Prints figures; not a test.

    PROFILEGRAPH_NEO4J_BOLT_PORT=7691 ... .venv/bin/python bench/ingest.py [--events N]

Uses the Neo4j the settings point at (start it first); the events it sends carry a fresh run
prefix, so runs do not collide. Consent default is opt_out in the server it starts, so every
event is stored (the consent check still runs).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import time
import uuid
from pathlib import Path

import httpx
import orjson

from app.core.config import get_settings
from bench import _harness as harness
from bench._harness import percentile

ROOT = Path(__file__).resolve().parents[1]
RETAIL = ROOT.parent / "shared/data/online_retail_ii/online_retail_II_2009-2010.parquet"
ADMIN_KEY = "bench-admin-key-0123456789abcdef"
RUN = "bench" + uuid.uuid4().hex[:8]  # prefix of every id this run writes
CLEANUP = [
    "MATCH (e:Event) WHERE e.event_id STARTS WITH $run "
    "CALL (e) { DETACH DELETE e } IN TRANSACTIONS OF 5000 ROWS",
    "MATCH (u:User) WHERE u.user_id STARTS WITH $run "
    "CALL (u) { OPTIONAL MATCH (u)-[:CONSENT_CHANGED|MERGED_FROM]->(h) "
    "OPTIONAL MATCH (i:Identity)-[:IDENTIFIES]->(u) DETACH DELETE h, i, u } "
    "IN TRANSACTIONS OF 1000 ROWS",
    "MATCH (i:Item) WHERE i.item_id STARTS WITH $run "
    "CALL (i) { DETACH DELETE i } IN TRANSACTIONS OF 5000 ROWS",
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def make_events(n: int, run: str, users: int, items: int, seed: int = 1) -> list[dict]:
    """A storefront mix: 70% product views, 20% cart adds, 10% two-line orders."""
    rng = random.Random(seed)
    out = []
    for i in range(n):
        user = f"{run}-u{rng.randrange(users)}"
        item = rng.randrange(items)
        product = {
            "product_id": f"{run}-p{item}",
            "name": f"Product {item}",
            "category": f"cat-{item % 20}",
            "price": round(5 + item % 50, 2),
        }
        roll = rng.random()
        if roll < 0.7:
            event, props = "Product Viewed", product
        elif roll < 0.9:
            event, props = "Product Added", {**product, "quantity": 1}
        else:
            other = rng.randrange(items)
            event, props = (
                "Order Completed",
                {
                    "order_id": f"{run}-o{i}",
                    "revenue": 42.0,
                    "products": [
                        {**product, "quantity": 2},
                        {"product_id": f"{run}-p{other}", "price": 10.0, "quantity": 1},
                    ],
                },
            )
        out.append(
            {
                "type": "track",
                "messageId": f"{run}-m{i}",
                "userId": user,
                "event": event,
                "properties": props,
                "timestamp": "2026-11-20T10:00:00Z",
                "context": {"library": {"name": "bench"}},
            }
        )
    return out


async def send_all(
    url: str, key: str, bodies: list[bytes], concurrency: int, events_per_body: int
) -> tuple[float, list[float]]:
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    latencies: list[float] = []
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)

    async def sender(client: httpx.AsyncClient) -> None:
        while not queue.empty():
            body = queue.get_nowait()
            t = time.perf_counter()
            r = await client.post(url, content=body, headers=headers)
            latencies.append(time.perf_counter() - t)
            if r.status_code != 200:
                raise RuntimeError(f"{r.status_code}: {r.text[:300]}")

    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        started = time.perf_counter()
        await asyncio.gather(*(sender(client) for _ in range(concurrency)))
        return time.perf_counter() - started, latencies


def start_server(port: int, workers: int) -> subprocess.Popen:
    return harness.start_server(port, workers=workers, timeout_s=30, env={
        "PROFILEGRAPH_CONSENT_DEFAULT": "opt_out", "PROFILEGRAPH_ADMIN_API_KEY": ADMIN_KEY,
        "PROFILEGRAPH_LOG_LEVEL": "WARNING"})


def ingest_key(base: str) -> str:
    r = httpx.post(
        f"{base}/v1/admin/keys",
        json={"name": "bench", "scopes": ["ingest"]},
        headers={"Authorization": f"Bearer {ADMIN_KEY}"},
        timeout=30,
    )
    r.raise_for_status()
    return r.json()["key"]


def report(label: str, events: int, requests: int, seconds: float, lat: list[float]) -> None:
    p50, p95 = percentile(lat, 0.5), percentile(lat, 0.95)
    print(
        f"{label:38s} {events:>7,} events {seconds:7.2f} s {events / seconds:>9,.0f} ev/s  "
        f"{requests / seconds:>7,.0f} req/s  p50 {p50 * 1000:6.1f} ms  "
        f"p95 {p95 * 1000:6.1f} ms",
        flush=True,
    )


async def http_bench(args: argparse.Namespace) -> None:
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = start_server(port, args.workers)
    try:
        key = ingest_key(base)
        run = RUN
        # warm-up: creates the users and items, compiles the query plans
        warm = make_events(2000, run + "w", args.users, args.items)
        await send_all(
            f"{base}/v1/batch",
            key,
            [orjson.dumps({"batch": warm[i : i + 500]}) for i in range(0, 2000, 500)],
            2,
            500,
        )
        for size, conc in [(100, 4), (500, 4), (500, 8)]:
            events = make_events(args.events, f"{run}-{size}-{conc}", args.users, args.items)
            bodies = [
                orjson.dumps({"batch": events[i : i + size]}) for i in range(0, len(events), size)
            ]
            secs, lat = await send_all(f"{base}/v1/batch", key, bodies, conc, size)
            report(
                f"/v1/batch  size {size:3d}  senders {conc}", len(events), len(bodies), secs, lat
            )
        singles = make_events(args.single_events, f"{run}-single", args.users, args.items)
        secs, lat = await send_all(
            f"{base}/v1/track", key, [orjson.dumps(e) for e in singles], 8, 1
        )
        report("/v1/track  one event per request  8", len(singles), len(singles), secs, lat)
    finally:
        harness.stop_server(proc)


def neo4j_cpu_seconds() -> float | None:
    """CPU time used so far by the Neo4j the settings point at (when it runs here)."""
    try:
        pid = (get_settings().neo4j_home / "run" / "neo4j.pid").read_text().split()[0]
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def in_process_bench(args: argparse.Namespace) -> None:
    """The same events through IntakeService with no HTTP: one writer, batches of 500."""
    from datetime import UTC, datetime

    from app.intake.messages import parse_message
    from app.wiring import open_services

    settings = get_settings().model_copy(update={"consent_default": "opt_out"})
    async with open_services(settings) as services:
        service = services.intake
        events = make_events(args.events, RUN + "-inproc", args.users, args.items)
        latencies: list[float] = []
        neo4j_cpu, python_cpu = neo4j_cpu_seconds(), time.process_time()
        started = time.perf_counter()
        for i in range(0, len(events), 500):
            t = time.perf_counter()
            now = datetime.now(UTC)
            await service.ingest([parse_message(m, j, now)
                                  for j, m in enumerate(events[i:i + 500])], now)
            latencies.append(time.perf_counter() - t)
        report("in-process, no HTTP, size 500, 1 writer", len(events), len(latencies),
               time.perf_counter() - started, latencies)
        neo4j_after = neo4j_cpu_seconds()
        print(f"  cpu: python {time.process_time() - python_cpu:.2f} s, neo4j "
              + (f"{neo4j_after - neo4j_cpu:.2f} s" if neo4j_cpu is not None
                 and neo4j_after is not None else "n/a"), flush=True)


BARE_CREATE = """
UNWIND $rows AS r
MATCH (u:User {user_id: r.u})
CREATE (u)-[:PERFORMED]->(e:Event)
SET e.event_id = r.id, e.type = 'product_viewed', e.ts = datetime({epochMillis: r.ts})
"""


async def bare_create_bench(args: argparse.Namespace) -> None:
    """The floor of the write path on this machine: 500 bare Event nodes per transaction
    (3 properties, one edge to an existing user), no lookups, items or profile updates."""
    from app.db.driver import create_driver

    settings = get_settings()
    driver = create_driver(settings)
    run = RUN + "-bare"
    try:
        await driver.execute_query("UNWIND range(0, 1999) AS i MERGE (:User {user_id: $r + i})",
                                   r=run, database_=settings.neo4j_database)
        latencies: list[float] = []
        started = time.perf_counter()
        for b in range(args.events // 500):
            rows = [{"id": f"{run}-{b}-{i}", "u": f"{run}{(b * 500 + i) % 2000}",
                     "ts": 1_763_000_000_000 + i} for i in range(500)]
            t = time.perf_counter()
            await driver.execute_query(BARE_CREATE, rows=rows, database_=settings.neo4j_database)
            latencies.append(time.perf_counter() - t)
        report("bare CREATE floor, size 500, 1 writer", len(latencies) * 500, len(latencies),
               time.perf_counter() - started, latencies)
    finally:
        await driver.close()


async def cleanup() -> None:
    """Delete what this run wrote (events, profiles, identities, items), in small
    transactions."""
    from app.db.driver import create_driver

    settings = get_settings()
    driver = create_driver(settings)
    try:
        async with driver.session(database=settings.neo4j_database) as session:
            for statement in CLEANUP:
                await (await session.run(statement, run=RUN)).consume()
    finally:
        await driver.close()


async def import_bench() -> None:
    from app.importers.online_retail import import_online_retail
    from app.wiring import open_services

    if not RETAIL.exists():
        print(f"online retail import: skipped, {RETAIL} not found")
        return
    async with open_services(get_settings()) as services:
        for attempt in ("first run", "re-run (idempotent)"):
            s = await import_online_retail(services.intake, services.items, RETAIL)
            print(
                f"online retail import, {attempt:20s} {s.seconds:7.1f} s  "
                f"events stored {s.totals.events:,}  duplicates {s.totals.duplicates:,}  "
                f"lines {s.order_lines + s.refund_lines:,}",
                flush=True,
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=50_000, help="events per batch run")
    parser.add_argument("--single-events", type=int, default=3_000)
    parser.add_argument("--users", type=int, default=20_000)
    parser.add_argument("--items", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--skip-http", action="store_true")
    parser.add_argument("--skip-import", action="store_true")
    parser.add_argument("--in-process-only", action="store_true",
                        help="only the in-process scenario (with CPU seconds of both sides)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the generated events (default: delete them at the end)")
    args = parser.parse_args()
    print(
        f"cpus {os.cpu_count()}, uvicorn workers {args.workers}, neo4j {get_settings().neo4j_uri}"
    )
    if args.in_process_only:
        asyncio.run(in_process_bench(args))
        if not args.keep:
            asyncio.run(cleanup())
        return
    if not args.skip_http:
        asyncio.run(http_bench(args))
        asyncio.run(in_process_bench(args))
        asyncio.run(bare_create_bench(args))
        if not args.keep:
            asyncio.run(cleanup())
    if not args.skip_import:
        asyncio.run(import_bench())


if __name__ == "__main__":
    main()
