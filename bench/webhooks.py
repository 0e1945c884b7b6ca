"""The webhook path under the live loop's load: ingest throughput with one webhook destination
subscribed to every segment's entries and exits, against the same load without it, and the
delivery lag. Prints figures; not a test.

    PROFILEGRAPH_NEO4J_BOLT_PORT=... PYTHONPATH=. .venv/bin/python bench/webhooks.py \
        --shoppers 1000 --seconds 20 --pairs 2 --wipe

Uses bench/live.py's store, segments and load (4 senders on /v1/batch, recommendation
readers, probes). The store is built, the 10 segments uploaded, the destination created
(paused); one warm-up phase is run and not counted; then --pairs ABAB pairs of phases of
the same length and the same load: A with the destination paused (nothing is queued or
sent), B with it active. Alternating cancels the drift of a growing store and of the
shared machine's load; each B is compared with the A before it, and the sums of B with the
sums of A. After each B the outbox is drained (the
worker's catch-up is not charged to the next A). The receiver runs in its own process
(bench/webhook_receiver.py, answering 204), so receiving webhooks takes nothing from the
load generator. Delivery lag: the server's profilegraph_delivery_lag_seconds (the membership
commit that queued a delivery -> accepted by the receiver) over the B phases, and the
receiver's (the change's time -> arrival).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._harness import wipe_graph
from bench.kafka_intake import cpu_seconds
from bench.live import (
    HEADERS,
    ROOT,
    histogram_quantile,
    histogram_summary,
    metric,
    minus,
    phase,
    report,
    start_server,
)
from bench.live_data import Storefront, segments


def neo4j_pid() -> int | None:
    """The bench's Neo4j server (started by the project: its pid file), to charge it its CPU."""
    from app.core.config import get_settings
    path = Path(get_settings().neo4j_home) / "run" / "neo4j.pid"
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_receiver(port: int) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, str(ROOT / "bench" / "webhook_receiver.py"),
                             "--port", str(port)])


async def drained(client: httpx.AsyncClient, limit_s: float = 120) -> tuple[dict, float]:
    t = time.perf_counter()
    while True:
        d = (await client.get("/v1/destinations/bench-hook", headers=HEADERS)).json()
        left = d["deliveries"]["pending"] + d["deliveries"]["retrying"]
        if left == 0 or time.perf_counter() - t > limit_s:
            return d["deliveries"], time.perf_counter() - t
        await asyncio.sleep(0.5)


async def main(args: argparse.Namespace) -> None:
    print(f"command: {' '.join(sys.argv)}; machine load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores",
          flush=True)
    if args.wipe:
        await wipe_graph()
    port = free_port()
    receiver = start_receiver(port)
    hooks = f"http://127.0.0.1:{port}"
    os.environ["PROFILEGRAPH_DESTINATION_ALLOW_NETWORKS"] = '["127.0.0.0/8"]'
    if args.no_worker:  # B writes the outbox, nothing claims or sends: its cost alone
        os.environ["PROFILEGRAPH_DELIVERY_WORKER"] = "false"
    run = "hooks" + uuid.uuid4().hex[:6]
    store = Storefront(run, args.shoppers, seed=args.seed)
    artifacts = Path(tempfile.mkdtemp(prefix="pg-hooks-artifacts-"))
    base = f"http://127.0.0.1:{args.port}"
    server = start_server(args.port, artifacts, None, ROOT)
    try:
        async with httpx.AsyncClient(base_url=base, timeout=300) as client:
            t = time.perf_counter()
            n = 0
            for b in store.backfill(args.sessions, 250):
                (await client.post("/v1/batch", json={"batch": b}, headers=HEADERS)
                 ).raise_for_status()
                n += len(b)
            print(f"store: {args.shoppers:,} shoppers, {n:,} messages in "
                  f"{time.perf_counter() - t:.0f} s (no model: readers get the popular "
                  "fallback)", flush=True)
            for d in segments(run):
                assert (await client.post("/v1/segments", json=d, headers=HEADERS)
                        ).status_code == 201
            r = await client.post("/v1/destinations", headers=HEADERS, json={
                "id": "bench-hook", "name": "bench", "kind": "webhook", "active": False,
                "target": f"{hooks}/hook", "subscriptions": {"segments": {"ids": ["*"]}}})
            assert r.status_code == 201, r.text
        probe = f"{run}-big-spenders"
        rates: dict[str, list[float]] = {"A": [], "B": []}
        cpu: dict[str, list[dict[str, float]]] = {"A": [], "B": []}
        pids = {"api": server.pid, "neo4j": neo4j_pid()}
        during_b: list[str] = []
        receiver_b: list[dict] = []
        # the first phase after the segments' upload runs slower (caches, their first
        # drains): run and discard one, so that it is not charged to A1
        report("warm-up (not counted)", await phase(base, store, args, probe))
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            for pair in range(args.pairs):
                for kind in ("A", "B"):
                    active = kind == "B"
                    await client.patch("/v1/destinations/bench-hook", headers=HEADERS,
                                       json={"active": active})
                    before = (await client.get("/metrics")).text
                    await client.get(f"{hooks}/stats?reset=1")
                    label = f"{kind}{pair + 1} {'webhook' if active else 'paused'}"
                    cpu0 = {k: cpu_seconds(p) for k, p in pids.items() if p}
                    t0 = time.perf_counter()
                    rates[kind].append(report(label, await phase(base, store, args, probe)))
                    took = time.perf_counter() - t0
                    use = {k: (cpu_seconds(p) - cpu0[k]) / took for k, p in pids.items() if p}
                    cpu[kind].append(use)
                    print(f"   CPU (cores) API {use.get('api', 0):.2f}, Neo4j "
                          f"{use.get('neo4j', 0):.2f}; load average {os.getloadavg()[0]:.1f}",
                          flush=True)
                    if active and args.no_worker:
                        d = (await client.get("/v1/destinations/bench-hook",
                                              headers=HEADERS)).json()
                        print(f"   outbox (no worker): {d['deliveries']}; load average "
                              f"{os.getloadavg()[0]:.1f}", flush=True)
                    elif active:
                        state, took = await drained(client)
                        during_b.append(minus((await client.get("/metrics")).text, before))
                        receiver_b.append((await client.get(f"{hooks}/stats")).json())
                        print(f"   outbox drained in {took:.1f} s after the phase: {state}; "
                              f"load average {os.getloadavg()[0]:.1f}", flush=True)
        pairs = [b / a for a, b in zip(rates["A"], rates["B"], strict=True)]
        print(f"ratio B / A per pair: {', '.join(f'{r:.2f}' for r in pairs)}; "
              f"sum(B) / sum(A): {sum(rates['B']) / sum(rates['A']):.2f} "
              f"(load average now {' '.join(f'{x:.1f}' for x in os.getloadavg())})")
        for kind in ("A", "B"):
            per_event = {k: sum(c[k] for c in cpu[kind]) / sum(rates[kind]) * 1e6
                         for k in cpu[kind][0]}
            print(f"{kind}: CPU per event "
                  + ", ".join(f"{k} {v:,.0f} µs" for k, v in per_event.items()))
        name = "profilegraph_delivery_lag_seconds"
        for i, (during, got) in enumerate(zip(during_b, receiver_b, strict=True)):
            print(f"B{i + 1} delivery lag, server (queued -> accepted): "
                  f"{histogram_summary(during, name)}; p99 <= "
                  f"{histogram_quantile(during, name, .99)} s (bucket bound); receiver "
                  f"(change -> arrival), {got['phase_webhooks']:,} webhooks: p50 "
                  f"{(got['lag_p50'] or 0) * 1000:.0f} ms, p90 {(got['lag_p90'] or 0) * 1000:.0f}"
                  f" ms, p99 {(got['lag_p99'] or 0) * 1000:.0f} ms")
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            text = (await client.get("/metrics")).text
            d = (await client.get("/v1/destinations/bench-hook", headers=HEADERS)).json()
            got = (await client.get(f"{hooks}/stats")).json()
        print(f"outbox after the run: {d['deliveries']}; receiver: {got['requests']:,} "
              f"requests, {got['distinct_ids']:,} distinct ids; failed attempts "
              f"{metric(text, 'profilegraph_delivery_failures_total'):.0f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        receiver.terminate()
        receiver.wait(timeout=10)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shoppers", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--pairs", type=int, default=2, help="ABAB: pairs of phases")
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--readers", type=int, default=32)
    parser.add_argument("--probes", type=int, default=4)
    parser.add_argument("--max-rate", type=float, default=5000)
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("PROFILEGRAPH_API_PORT", "8020")))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wipe", action="store_true")
    parser.add_argument("--no-worker", action="store_true",
                        help="no delivery worker: B phases write the outbox, nothing is sent")
    asyncio.run(main(parser.parse_args()))
