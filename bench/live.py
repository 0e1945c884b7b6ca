"""The live loop under load: concurrent ingest with real-time segments, a model loaded, and
recommendation readers, all at once against uvicorn on 127.0.0.1. Prints figures; not a test.

    PROFILEGRAPH_NEO4J_BOLT_PORT=... PYTHONPATH=. .venv/bin/python bench/live.py \
        --shoppers 3000 --seconds 30 --wipe

1. Builds a store (bench/live_data.py: anonymous browsing, identify, alias, consent) through
   /v1/batch, trains a small LightGCN on it (gnn/) and publishes it; the server loads it.
2. Phase "without segments": 4 senders on /v1/batch (batches of --batch messages) and 32
   readers of /v1/users/{id}/recommendations, for --seconds.
3. Uploads 10 segments (every condition type), then phase "with segments": the same load.
   In both phases --probes loops each send a 200.00 order for a fresh shopper and poll
   until the shopper is in the big-spenders segment: membership lag from the send, and
   from the POST's answer (which comes after the ingest commit) to the first read that
   shows the membership; and the server's lag histogram over that phase alone.
4. Waits for pending membership work to drain, then compares every segment's materialized
   members with what its compiled query returns now (a full refresh, read-only).
--wipe deletes every node first (use a bench or test database only).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import aiohttp
import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.queries import CypherCatalog
from bench import _harness as harness
from bench._harness import percentile as pct
from bench.live_data import Storefront, segments

ROOT = Path(__file__).resolve().parents[1]
ADMIN_KEY = "bench-admin-key-0123456789abcdef"
HEADERS = {"Authorization": f"Bearer {ADMIN_KEY}"}
BENCH_QUERIES = CypherCatalog(ROOT / "bench" / "cypher")
PROBE_POLL_S = 0.05
PROBE_PAUSE_S = 0.2  # between one probe's visible membership and the next order
PROBE_IDLE_S = 1.0  # without segments: as long as a probe takes to see its membership


def start_server(port: int, artifacts: Path, membership_wait_s: float | None,
                 root: Path = ROOT) -> subprocess.Popen:
    """uvicorn serving the app from the checkout `root` (another branch's, to compare)."""
    wait = {} if membership_wait_s is None else {
        "PROFILEGRAPH_SEGMENT_MEMBERSHIP_WAIT_S": str(membership_wait_s)}
    return harness.start_server(port, root=root, env={
        **wait, "PROFILEGRAPH_CONSENT_DEFAULT": "opt_out",
        "PROFILEGRAPH_ADMIN_API_KEY": ADMIN_KEY, "PROFILEGRAPH_LOG_LEVEL": "WARNING",
        "PROFILEGRAPH_ARTIFACTS_DIR": str(artifacts), "PROFILEGRAPH_MODEL_POLL_INTERVAL_S": "1"})


def train_model(artifacts: Path) -> str:
    """A small LightGCN on the store's consented interactions, published to `artifacts`."""
    from app.cli.main import trainer_target
    from app.core.config import get_settings
    from trainer.lightgcn.train import TrainConfig
    from trainer.publish_lightgcn import train_and_publish
    from trainer.read_graph import ExportSettings, export_interactions

    data = export_interactions(trainer_target(get_settings()).connection, ExportSettings())
    cfg = TrainConfig(embedding_dim=32, max_epochs=40, max_seconds=60, init="svd")
    result = train_and_publish(data, artifacts, cfg)
    return (f"{data.summary()}; val recall@20 {result.val.as_dict().get('recall@20', 0):.3f}; "
            f"{result.reason}")


class Load:
    """One phase's traffic. Batches are generated and serialized before the phase starts, and
    the client is aiohttp, so the load generator takes as little of the shared CPU as it can
    (it runs on the same machine as the server and Neo4j)."""

    def __init__(self, store: Storefront, batch: int, bodies: list[bytes],
                 probe_segment: str | None) -> None:
        self.store, self.batch = store, batch
        self.bodies = iter(bodies)
        self.probe_segment = probe_segment
        self.stop = asyncio.Event()
        self.events = 0
        self.errors: list[str] = []
        self.ingest_lat: list[float] = []
        self.rec_lat: list[float] = []
        self.lags: list[float] = []  # probe: send -> visible
        self.commit_lags: list[float] = []  # probe: the POST's answer (after commit) -> visible
        self.commit_lags_low: list[float] = []  # ... lower bound: the last read that missed it
        self.seen_read: list[float] = []  # probe: latency of the read that showed it
        self.probe_post: list[float] = []  # probe: the POST's own latency
        self.polls = 0

    async def sender(self, http: aiohttp.ClientSession) -> None:
        headers = {**HEADERS, "Content-Type": "application/json"}
        while not self.stop.is_set():
            body = next(self.bodies, None)
            if body is None:
                self.errors.append("ran out of pre-generated batches (raise --max-rate)")
                return
            t = time.perf_counter()
            async with http.post("/v1/batch", data=body, headers=headers) as r:
                payload = await r.read()
                self.ingest_lat.append(time.perf_counter() - t)
                if r.status != 200:
                    self.errors.append(f"{r.status} {payload[:200]!r}")
                else:
                    self.events += orjson.loads(payload)["stored"]

    async def reader(self, http: aiohttp.ClientSession, ids: list[str]) -> None:
        rng = self.store.rng
        while not self.stop.is_set():
            id_ = rng.choice(ids)
            t = time.perf_counter()
            async with http.get(f"/v1/users/{id_}/recommendations?limit=10",
                                headers=HEADERS) as r:
                payload = await r.read()
                self.rec_lat.append(time.perf_counter() - t)
                if r.status != 200:
                    self.errors.append(f"recs {r.status} {payload[:200]!r}")

    async def probe(self, http: aiohttp.ClientSession) -> None:
        """Ingest -> visible membership for fresh shoppers, polling every PROBE_POLL_S: from
        the send, and from the POST's answer (after the ingest commit), to the answer of the
        first read that shows it. Without segments (probe_segment None) it sends the same
        orders and polls for PROBE_IDLE_S, so both phases carry the same probe traffic."""
        headers = {**HEADERS, "Content-Type": "application/json"}
        while not self.stop.is_set():
            user = f"probe-{uuid.uuid4().hex[:10]}"
            order = {"type": "track", "messageId": str(uuid.uuid4()), "userId": user,
                     "event": "Order Completed", "properties": {
                         "order_id": user, "revenue": 200.0,
                         "products": [{"product_id": self.store.items[0], "price": 200.0}]}}
            t = time.perf_counter()
            async with http.post("/v1/batch", data=orjson.dumps({"batch": [order]}),
                                 headers=headers) as r:
                await r.read()
                if r.status != 200:
                    self.errors.append(f"probe {r.status}")
                    continue
            answered = time.perf_counter()
            self.probe_post.append(answered - t)
            limit = 30 if self.probe_segment else PROBE_IDLE_S
            missed = answered  # the membership became visible after the last read that missed
            while time.perf_counter() - t < limit:  # it began: that read ran after this
                self.polls += 1
                asked = time.perf_counter()
                async with http.get(f"/v1/users/{user}/segments", headers=HEADERS) as got:
                    body = await got.read()
                if self.probe_segment and got.status == 200 and any(
                        s["segment_id"] == self.probe_segment
                        for s in orjson.loads(body)["segments"]):
                    seen = time.perf_counter()
                    self.lags.append(seen - t)
                    self.commit_lags.append(seen - answered)
                    self.commit_lags_low.append(missed - answered)
                    self.seen_read.append(seen - asked)
                    break
                missed = asked
                await asyncio.sleep(PROBE_POLL_S)
            else:
                if self.probe_segment:
                    self.errors.append(f"probe {user} not visible after 30 s")
            await asyncio.sleep(PROBE_PAUSE_S)


def pregenerate(store: Storefront, args: argparse.Namespace) -> list[bytes]:
    """Enough serialized batches for --max-rate events/s over the phase."""
    count = int(args.max_rate * args.seconds / args.batch) + args.senders
    return [orjson.dumps({"batch": store.live_batch(args.batch)}) for _ in range(count)]


async def phase(base: str, store: Storefront, args: argparse.Namespace,
                probe_segment: str | None) -> Load:
    load = Load(store, args.batch, pregenerate(store, args), probe_segment)
    ids = store.known_ids()
    connector = aiohttp.TCPConnector(limit=64)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(base_url=base, connector=connector,
                                     timeout=timeout) as http:
        tasks = [asyncio.create_task(load.sender(http)) for _ in range(args.senders)]
        tasks += [asyncio.create_task(load.reader(http, ids)) for _ in range(args.readers)]
        tasks += [asyncio.create_task(load.probe(http)) for _ in range(args.probes)]
        started = time.perf_counter()
        # a line other benches wait for to run beside the load (bench/decisions.py --live)
        print(f"live load: phase {'with' if probe_segment else 'without'} segments started",
              flush=True)
        await asyncio.sleep(args.seconds)
        load.stop.set()
        await asyncio.gather(*tasks)
        load.seconds = time.perf_counter() - started  # type: ignore[attr-defined]
    return load


def histogram_quantile(text: str, name: str, q: float, label: str = "") -> float:
    """Upper bound of the bucket holding quantile q of a Prometheus histogram (of the
    series whose labels include `label`, e.g. 'phase="apply"')."""
    buckets = []
    for line in text.splitlines():
        if line.startswith(name + "_bucket") and label in line:
            le = line.split('le="')[1].split('"')[0]
            buckets.append((float(le), float(line.rsplit(" ", 1)[1])))
    total = buckets[-1][1] if buckets else 0
    for le, count in buckets:
        if total and count >= q * total:
            return le
    return float("nan")


def histogram_summary(text: str, name: str, label: str = "") -> str:
    count = metric(text, name + "_count", label)
    mean = metric(text, name + "_sum", label) / max(count, 1)
    bounds = ", ".join(f"p{q * 100:.0f} <= {histogram_quantile(text, name, q, label) * 1000:.0f}"
                       for q in (.5, .9, .99))
    return f"{count:,.0f}, mean {mean * 1000:.0f} ms, {bounds} ms"


def minus(after: str, before: str) -> str:
    """Prometheus text: each sample's value in `after` less its value in `before`."""
    earlier = {}
    for line in before.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            earlier[key] = float(value)
    out = []
    for line in after.splitlines():
        if line and not line.startswith("#"):
            key, value = line.rsplit(" ", 1)
            out.append(f"{key} {float(value) - earlier.get(key, 0.0)}")
    return "\n".join(out)


def quantiles(values: list[float]) -> str:
    return (f"p50 {pct(values, .5) * 1000:.0f} / p90 {pct(values, .9) * 1000:.0f} / "
            f"p99 {pct(values, .99) * 1000:.0f} ms")


def git_head(root: Path) -> str:
    done = subprocess.run(["git", "-C", str(root), "log", "-1", "--format=%h %s"],
                          capture_output=True, text=True)
    return done.stdout.strip()[:70] or "?"


def metric(text: str, name: str, label: str = "") -> float:
    return sum(float(line.rsplit(" ", 1)[1]) for line in text.splitlines()
               if line.startswith(name) and label in line)


async def differences(defs: list[dict]) -> dict[str, int]:
    """Materialized members against the compiled query's users now, per segment."""
    from datetime import UTC, datetime

    from app.core.config import get_settings
    from app.db.driver import create_driver
    from app.segments.compiler import compile_condition
    from app.segments.definition import SegmentDefinition

    settings = get_settings()
    driver = create_driver(settings)
    out = {}
    try:
        for d in defs:
            compiled = compile_condition(SegmentDefinition.model_validate(d).condition)
            now = datetime.now(UTC)
            records, _, _ = await driver.execute_query(
                compiled.cypher, compiled.parameters(now), database_=settings.neo4j_database)
            expected = {r["user_id"] for r in records}
            records, _, _ = await driver.execute_query(
                BENCH_QUERIES["list_segment_members"], s=d["id"], database_=settings.neo4j_database)
            actual = {r["id"] for r in records}
            out[d["id"]] = len(expected ^ actual)
    finally:
        await driver.close()
    return out


def report(label: str, load: Load) -> float:
    rate = load.events / load.seconds  # type: ignore[attr-defined]
    print(f"{label:16s} {load.events:>7,} events in {load.seconds:5.1f} s = "  # type: ignore
          f"{rate:>6,.0f} ev/s; /v1/batch p50 {pct(load.ingest_lat, .5) * 1000:6.0f} ms "
          f"p99 {pct(load.ingest_lat, .99) * 1000:6.0f} ms; recommendations "
          f"p50 {pct(load.rec_lat, .5) * 1000:5.1f} ms p99 {pct(load.rec_lat, .99) * 1000:6.1f}"
          f" ms ({len(load.rec_lat):,} reads); probe polls {load.polls:,}; errors "
          f"{len(load.errors)}", flush=True)
    for e in load.errors[:5]:
        print("   ", e)
    return rate


async def main(args: argparse.Namespace) -> None:
    print(f"command: {' '.join(sys.argv)}; machine load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores", flush=True)
    if args.wipe:
        await harness.wipe_graph()
    run = args.reuse or "live" + uuid.uuid4().hex[:6]
    store = Storefront(run, args.shoppers, seed=args.seed)
    artifacts = (ROOT / ".cache" / "bench-live" / run if args.reuse
                 else Path(tempfile.mkdtemp(prefix="pg-live-artifacts-")))
    reused = bool(args.reuse) and not args.wipe and (artifacts / "CURRENT").exists()
    base = f"http://127.0.0.1:{args.port}"
    print(f"server: {args.server_root} at {git_head(args.server_root)}", flush=True)
    server = start_server(args.port, artifacts, args.membership_wait, args.server_root)
    try:
        t = time.perf_counter()
        n = 0
        async with httpx.AsyncClient(base_url=base, timeout=120) as client:
            batches = store.backfill(args.sessions, 250)
            if reused:  # the store is there: only replay the generator's state
                n = sum(len(b) for b in batches)

            async def loader() -> None:
                nonlocal n
                for b in batches:  # shared generator: each batch goes to one loader
                    r = await client.post("/v1/batch", json={"batch": b}, headers=HEADERS)
                    r.raise_for_status()
                    n += len(b)
            await asyncio.gather(*(loader() for _ in range(args.senders)))
        print(f"store: {len(store.shoppers):,} shoppers, {n:,} messages in "
              f"{time.perf_counter() - t:.0f} s", flush=True)
        t = time.perf_counter()
        if not reused:
            artifacts.mkdir(parents=True, exist_ok=True)
            print(f"model: {await asyncio.to_thread(train_model, artifacts)} "
                  f"({time.perf_counter() - t:.0f} s)", flush=True)
        await asyncio.sleep(2)  # the server polls the artifacts every second

        defs = segments(run)
        if reused:  # a previous run's segments: the first phase runs without any
            async with httpx.AsyncClient(base_url=base, timeout=300) as client:
                for d in reversed(defs):
                    await client.delete(f"/v1/segments/{d['id']}", headers=HEADERS)
        without = report("without segments", await phase(base, store, args, None))
        async with httpx.AsyncClient(base_url=base, timeout=300) as client:
            t = time.perf_counter()
            for d in defs:
                r = await client.post("/v1/segments", json=d, headers=HEADERS)
                assert r.status_code == 201, r.text
            print(f"{len(defs)} segments uploaded and materialized in "
                  f"{time.perf_counter() - t:.1f} s", flush=True)
            before = (await client.get("/metrics")).text  # the phase's drains: the difference
        with_load = await phase(base, store, args, f"{run}-big-spenders")
        rate = report("with segments", with_load)
        print(f"ratio with/without: {rate / without:.2f} (load average now "
              f"{os.getloadavg()[0]:.1f})", flush=True)
        if args.hold:  # another bench still measures against this server
            print("live load: holding the server until stdin closes", flush=True)
            await asyncio.to_thread(sys.stdin.read)
        print(f"membership lag, probe ({args.probes} loops, {len(with_load.lags)} probes, "
              f"polls every {PROBE_POLL_S * 1000:.0f} ms): {quantiles(with_load.lags)} from "
              f"the send; {quantiles(with_load.commit_lags)} from the POST's answer (after "
              f"the ingest commit) to the answer of the first read that shows it, "
              f"{quantiles(with_load.commit_lags_low)} to the start of the last read that "
              f"did not (lower bound); the probe's POST itself "
              f"{quantiles(with_load.probe_post)}, the read that showed it "
              f"{quantiles(with_load.seen_read)}")
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for _ in range(300):
                text = (await client.get("/metrics")).text
                if metric(text, "profilegraph_membership_pending_users") == 0:
                    break
                await asyncio.sleep(0.5)
            # the drains of the first phase (no segments to evaluate) left out
            during = minus(text, before)
            count = metric(during, "profilegraph_membership_lag_seconds_count")
            lag = histogram_summary(during, "profilegraph_membership_lag_seconds")
            drains = "; ".join(
                f"{phase} " + histogram_summary(during, "profilegraph_membership_drain_seconds",
                                                f'phase="{phase}"')
                for phase in ("evaluate", "apply"))
            print(f"server, phase with segments: membership work applied for {count:,.0f} "
                  f"profiles; lag "
                  f"(profilegraph_membership_lag_seconds) {lag} (bucket bounds); drains "
                  f"(profilegraph_membership_drain_seconds): {drains or 'not measured'}; "
                  f"pending "
                  f"{metric(text, 'profilegraph_membership_pending_users'):.0f}, failed "
                  f"{metric(text, 'profilegraph_membership_failed_users'):.0f}; drain failures "
                  f"{metric(text, 'profilegraph_membership_drain_failures_total'):.0f}; "
                  f"evaluated again under lock (work moved) "
                  f"{metric(during, 'profilegraph_membership_redone_users_total'):.0f}; "
                  f"listener failures "
                  f"{metric(text, 'profilegraph_ingest_listener_failures_total'):.0f}")
        diff = await differences(defs)
        print(f"materialized vs full refresh, per segment (symmetric difference): {diff}")
        print(f"total differences: {sum(diff.values())}")
        async with httpx.AsyncClient(base_url=base, timeout=300) as client:
            swept = (await client.post("/v1/segments/sweep", headers=HEADERS)).json()
        print("after the sweep (what the periodic sweep does for segments the clock alone "
              f"changes: {[r['segment_id'] for r in swept['refreshed']]}):")
        diff = await differences(defs)
        print(f"materialized vs full refresh: {diff}; total differences: "
              f"{sum(diff.values())}")
    finally:
        harness.stop_server(server)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shoppers", type=int, default=3000)
    parser.add_argument("--sessions", type=int, default=3, help="backfilled sessions each")
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--readers", type=int, default=32)
    parser.add_argument("--probes", type=int, default=4,
                        help="concurrent probe loops (membership lag samples), both phases")
    parser.add_argument("--server-root", default=None,
                        help="serve the app from this checkout (default: this one), to "
                             "compare branches with the same load and probes")
    parser.add_argument("--max-rate", type=float, default=5000,
                        help="events/s the pre-generated batches last for")
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("PROFILEGRAPH_API_PORT", "8020")))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wipe", action="store_true")
    parser.add_argument("--reuse", metavar="NAME", default=None,
                        help="keep the store and model under this name and reuse them when "
                             "they exist (no --wipe): repeated runs skip building them")
    parser.add_argument("--membership-wait", type=float, default=None,
                        help="seconds an ingest call waits for its membership changes "
                             "(server default when omitted; 0: answer at commit)")
    parser.add_argument("--hold", action="store_true",
                        help="after the phase with segments, keep the server up until stdin "
                             "closes (bench/decisions.py --live)")
    arguments = parser.parse_args()
    arguments.server_root = Path(arguments.server_root or ROOT).resolve()
    asyncio.run(main(arguments))
