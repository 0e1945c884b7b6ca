"""Console page latency on the demo store, with segments defined, a model loaded and
storefront events arriving at the same time.

Starts Neo4j from the PROFILEGRAPH_NEO4J_* settings when it is not running (own data home:
.cache/neo4j/bench-console unless PROFILEGRAPH_NEO4J_HOME says otherwise), migrates, loads
the demo store (`profilegraph demo-data`, --users visitors), defines segments, publishes a
model covering every user and item, serves the app with uvicorn on 127.0.0.1, signs in and
requests every console page --rounds times from --clients concurrent browsers while a sender
posts batches to /v1/batch. Prints p50/p95/max per page; the target is p95 < 300 ms.

With --baseline PATH (another checkout, e.g. `git worktree add ../base main`), that
checkout's app is served too, over the same Neo4j and data, and every page is requested from
both in turn (the order swapped each round) while the storefront batches alternate between
them: a noisy machine slows both alike, so the per-page ratios are what to read.

    .venv/bin/python bench/console.py [--users 60] [--rounds 40] [--clients 1]
                                      [--ingest-per-s 50] [--keep-neo4j] [--baseline PATH]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PROFILEGRAPH_NEO4J_HOME", str(ROOT / ".cache" / "neo4j" / "bench-console"))
os.environ.setdefault("PROFILEGRAPH_ADMIN_API_KEY", "bench-console-admin-" + "0" * 16)
os.environ.setdefault("PROFILEGRAPH_LOG_LEVEL", "WARNING")
os.environ.setdefault("PROFILEGRAPH_CONSENT_DEFAULT", "opt_out")

import httpx  # noqa: E402
import numpy as np  # noqa: E402

from app.core.config import get_settings  # noqa: E402
from app.db.queries import CypherCatalog  # noqa: E402
from app.importers.demo_data import catalog, load_demo_data  # noqa: E402
from app.ops import neo4j_server  # noqa: E402
from app.wiring import open_services  # noqa: E402
from bench import _harness as harness  # noqa: E402
from bench._harness import percentile  # noqa: E402
from recmodel.artifact import set_current, write_artifact  # noqa: E402

BENCH_QUERIES = CypherCatalog(ROOT / "bench" / "cypher")
SEGMENTS = [
    {"id": "pro-plan", "name": "Pro plan",
     "condition": {"type": "trait", "property": "trait_plan", "op": "eq", "value": "pro"}},
    {"id": "recent-buyers", "name": "Bought in 30 days",
     "condition": {"type": "event", "event_type": "order_completed", "within_days": 30}},
    {"id": "cart-abandoners", "name": "Added, did not buy",
     "condition": {"type": "sequence", "first": {"event_type": "product_added"},
                   "then": {"event_type": "order_completed"}, "within": {"days": 1},
                   "then_occurred": False}},
    {"id": "pro-buyers", "name": "Pro buyers", "condition": {"type": "and", "conditions": [
        {"type": "segment", "segment_id": "pro-plan"},
        {"type": "segment", "segment_id": "recent-buyers"}]}},
]
EXPERIMENT = {"id": "homepage-recs", "name": "Homepage recs", "variants": [
    {"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
    {"name": "gnn", "weight": 0.5, "strategy": {"kind": "model"}}]}
PREVIEW = {"editor_format": "json", "shopper": "demo-anon-0001", "editor": (
    '{"id": "p", "name": "p", "condition": {"type": "event", "event_type": "product_viewed",'
    ' "min_count": 2}}')}


async def prepare(users: int, artifacts: Path) -> tuple[list[str], list[str]]:
    async with open_services(get_settings()) as services:
        await services.migrations.migrate()
        await load_demo_data(services.intake, services.items, users=users)
        records, _, _ = await services.driver.execute_query(BENCH_QUERIES["list_user_ids"])
        user_ids = [r["id"] for r in records]
    item_ids = [i["item_id"] for i in catalog()]
    rng = np.random.default_rng(3)
    manifest = {"model": "lightgcn", "dataset": "demo", "trained_at": datetime.now(UTC)
                .isoformat(), "metrics": {"val": {"recall@20": 0.2, "ndcg@20": 0.1}},
                "baselines": {"val": {"popularity": {"recall@20": 0.1, "ndcg@20": 0.05}}}}
    path = write_artifact(artifacts, rng.normal(size=(len(user_ids), 64)).astype(np.float32),
                          rng.normal(size=(len(item_ids), 64)).astype(np.float32), user_ids,
                          item_ids, manifest)
    set_current(artifacts, path.name)
    return user_ids, item_ids


def serve(port: int, artifacts: Path, root: Path = ROOT) -> subprocess.Popen:
    # the password this checkout resolved: another checkout may have no password file
    return harness.start_server(port, root=root, timeout_s=60, poll_s=0.2, env={
        "PROFILEGRAPH_ARTIFACTS_DIR": str(artifacts),
        "PROFILEGRAPH_NEO4J_PASSWORD": get_settings().resolved_neo4j_password()})


async def signed_in(base: str, key: str) -> tuple[httpx.AsyncClient, str]:
    http = httpx.AsyncClient(base_url=base, timeout=30)
    page = await http.get("/console/signin")
    token = re.search(r'name="signin_token" value="([^"]+)"', page.text).group(1)
    r = await http.post("/console/signin", data={"api_key": key, "signin_token": token})
    assert r.status_code == 303, r.text
    csrf = re.search(r'"X-CSRF-Token": "([^"]+)"', (await http.get("/console")).text).group(1)
    return http, csrf


async def sender(bases: list[str], key: str, per_s: float, users: list[str], items: list[str],
                 stop: asyncio.Event) -> int:
    """Storefront traffic during the measurement: 10-event batches at `per_s` events/s in all,
    open loop (a slow answer does not slow the sender), at most 16 batches in flight; the
    batches go to each served app in turn."""
    rng, sent, in_flight = np.random.default_rng(5), [0], asyncio.Semaphore(16)
    users = [u for u in users if not u.startswith("anon:")]  # known shoppers send userId
    statuses: dict[int, int] = {}

    async def post(http: httpx.AsyncClient, base: str, batch: list[dict]) -> None:
        async with in_flight:
            r = await http.post(f"{base}/v1/batch", json={"batch": batch})
            statuses[r.status_code] = statuses.get(r.status_code, 0) + 1
            if r.status_code != 200 and statuses[r.status_code] == 1:
                print(f"ingest answered {r.status_code}: {r.text[:300]}")
            sent[0] += r.json()["stored"] if r.status_code == 200 else 0

    tasks = []
    async with httpx.AsyncClient(timeout=60,
                                 headers={"Authorization": f"Bearer {key}"}) as http:
        while not stop.is_set() and per_s > 0:
            batch = [{"type": "track", "messageId": str(uuid.uuid4()), "event": "Product Viewed",
                      "userId": users[int(rng.integers(len(users)))],
                      "properties": {"product_id": items[int(rng.integers(len(items)))]},
                      "timestamp": datetime.now(UTC).isoformat()} for _ in range(10)]
            base = bases[len(tasks) % len(bases)]
            tasks.append(asyncio.create_task(post(http, base, batch)))
            await asyncio.sleep(10 / per_s)
        await asyncio.gather(*tasks)
    print(f"ingest batches by status: {statuses}")
    return sent[0]


async def browse(targets: list[tuple[str, httpx.AsyncClient, str]], rounds: int,
                 timings: dict) -> None:
    """Every page from each target (label, signed-in client, CSRF token) in turn; with two
    targets the order is swapped each round. Timings are keyed by (label, page)."""
    pages = {
        "overview": ("GET", "/console", None),
        "overview live": ("GET", "/console/overview/live", None),
        "profile (anonymous id)": ("GET", "/console/profiles?id=demo-anon-0001", None),
        "segments": ("GET", "/console/segments", None),
        "segment detail": ("GET", "/console/segments/pro-buyers?base=1&target=2", None),
        "segment preview": ("POST", "/console/segments/preview", PREVIEW),
        "analyst": ("GET", "/console/analyst", None),
        "analyst saved query": ("POST", "/console/analyst/run", {"saved": "consent_coverage"}),
        "models": ("GET", "/console/models", None),
        "experiments": ("GET", "/console/experiments", None),
        "experiment results": ("GET", "/console/experiments/homepage-recs", None),
    }
    for n in range(rounds):
        for name, (method, path, form) in pages.items():
            for label, http, csrf in targets[::-1] if n % 2 else targets:
                start = time.perf_counter()
                r = await http.request(method, path, data=form,
                                       headers={"X-CSRF-Token": csrf})
                timings.setdefault((label, name), []).append(
                    (time.perf_counter() - start) * 1000)
                assert r.status_code == 200, (label, name, r.status_code, r.text[:300])


def percentiles(ms: list[float]) -> tuple[float, float, float]:
    return statistics.median(ms), percentile(ms, 0.95), max(ms)


def report(timings: dict, labels: list[str]) -> float:
    """Prints the table (side by side with ratios when two apps were measured); returns the
    worst p95 of the app in this checkout."""
    pages = list(dict.fromkeys(name for _, name in timings))
    worst = 0.0
    if len(labels) == 1:
        print(f"{'page':26} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
        for name in pages:
            ms = timings[(labels[0], name)]
            p50, p95, top = percentiles(ms)
            worst = max(worst, p95)
            print(f"{name:26} {len(ms):5d} {p50:8.1f} {p95:8.1f} {top:8.1f}")
        return worst
    base, this = labels
    print(f"{'':26} {'n':>5} {base + ' p50':>13} {'p95':>7} {this + ' p50':>13} {'p95':>7}"
          f" {'p50 ratio':>9} {'p95 ratio':>9}")
    for name in pages:
        b50, b95, _ = percentiles(timings[(base, name)])
        t50, t95, _ = percentiles(timings[(this, name)])
        worst = max(worst, t95)
        print(f"{name:26} {len(timings[(this, name)]):5d} {b50:13.1f} {b95:7.1f} {t50:13.1f}"
              f" {t95:7.1f} {t50 / b50:9.2f} {t95 / b95:9.2f}")
    return worst


async def measure(args: argparse.Namespace, bases: dict[str, str], users: list[str],
                  items: list[str]) -> None:
    key = os.environ["PROFILEGRAPH_ADMIN_API_KEY"]
    async with httpx.AsyncClient(base_url=bases["this"], timeout=60,
                                 headers={"Authorization": f"Bearer {key}"}) as admin:
        for doc in SEGMENTS:
            assert (await admin.post("/v1/segments", json=doc)).status_code == 201
        # a second version of one segment, so the detail page shows a diff
        assert (await admin.post("/v1/segments", json={**SEGMENTS[3], "name": "Pro buyers v2"}
                                 )).status_code == 201
        assert (await admin.post("/v1/experiments", json=EXPERIMENT)).status_code == 201
        assert (await admin.post("/v1/experiments/homepage-recs/start")).status_code == 200
    labels = list(bases)[::-1]  # the baseline first in the table
    clients = [[(label, *await signed_in(bases[label], key)) for label in labels]
               for _ in range(args.clients)]
    warm: dict = {}
    await browse(clients[0], 2, warm)
    stop, timings = asyncio.Event(), {}
    send = asyncio.create_task(sender(list(bases.values()), key, args.ingest_per_s, users,
                                      items, stop))
    began = time.perf_counter()
    await asyncio.gather(*(browse(targets, args.rounds, timings) for targets in clients))
    stop.set()
    sent = await send
    wall = time.perf_counter() - began
    print(f"\nconsole pages: {len(users)} profiles, {len(SEGMENTS)} segments, model loaded; "
          f"{args.clients} concurrent browsers x {args.rounds} rounds"
          f"{' per app' if len(bases) > 1 else ''}; "
          f"{sent / wall:.0f} events/s ingested meanwhile")
    worst = report(timings, labels)
    print("machine load average (1, 5, 15 min): "
          + ", ".join(f"{x:.1f}" for x in os.getloadavg()) + f" on {os.cpu_count()} CPUs")
    print(f"worst p95 of this checkout: {worst:.1f} ms (target < 300 ms): "
          f"{'PASS' if worst < 300 else 'FAIL'}")
    for targets in clients:
        for _, http, _ in targets:
            await http.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--users", type=int, default=60, help="demo visitors (demo-data: 60)")
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--clients", type=int, default=1, help="concurrent console users")
    parser.add_argument("--ingest-per-s", type=float, default=50.0)
    parser.add_argument("--port", type=int, default=int(os.environ.get(
        "PROFILEGRAPH_API_PORT", "8795")))
    parser.add_argument("--keep-neo4j", action="store_true")
    parser.add_argument("--baseline", type=Path, help="another checkout to serve and measure "
                        "side by side (on --port + 1)")
    args = parser.parse_args()
    settings = get_settings()
    started = not neo4j_server.status(settings).running
    if started:
        neo4j_server.start(settings)
    procs: list[subprocess.Popen] = []
    try:
        with tempfile.TemporaryDirectory(prefix="console-bench-") as tmp:
            artifacts = Path(tmp)
            users, items = asyncio.run(prepare(args.users, artifacts))
            roots = {"this": ROOT, **({"baseline": args.baseline.resolve()}
                                      if args.baseline else {})}
            bases = {}
            for n, (label, root) in enumerate(roots.items()):
                procs.append(serve(args.port + n, artifacts, root))
                bases[label] = f"http://127.0.0.1:{args.port + n}"
            asyncio.run(measure(args, bases, users, items))
    finally:
        for proc in procs:
            harness.stop_server(proc)
        if started and not args.keep_neo4j:
            neo4j_server.stop(settings)


if __name__ == "__main__":
    main()
