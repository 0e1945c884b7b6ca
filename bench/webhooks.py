"""The webhook path under the live loop's load: ingest throughput with one webhook destination
subscribed to every segment's entries and exits, against the same load without it, and the
delivery lag. Prints figures; not a test.

    PROFILEGRAPH_NEO4J_BOLT_PORT=... PYTHONPATH=. .venv/bin/python bench/webhooks.py \
        --shoppers 1000 --seconds 20 --wipe

Uses bench/live.py's store, segments and load (4 senders on /v1/batch, recommendation
readers, probes): the store is built, the 10 segments uploaded, then three phases of the
same length: A without a destination, B with a webhook destination (a receiver in this
process on 127.0.0.1, answering 204) subscribed to every segment, A again with the
destination paused. B is compared with the mean of the two A phases (the store grows and the
machine's load drifts between phases). Delivery lag: the server's
profilegraph_delivery_lag_seconds (queued by the membership commit -> accepted) over phase B,
and the receiver's (the change's time -> arrival).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

import httpx
import orjson
from aiohttp import web

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.live import (
    HEADERS,
    ROOT,
    histogram_quantile,
    histogram_summary,
    metric,
    minus,
    pct,
    phase,
    report,
    start_server,
    wipe,
)
from bench.live_data import Storefront, segments


class Receiver:
    def __init__(self) -> None:
        self.ids: set[str] = set()
        self.requests = 0
        self.lags: list[float] = []
        self.port = 0

    async def handle(self, request: web.Request) -> web.Response:
        body = orjson.loads(await request.read())
        self.requests += 1
        self.ids.add(request.headers["webhook-id"])
        at = body.get("timestamp")
        if at:
            from datetime import datetime
            self.lags.append(time.time() - datetime.fromisoformat(at).timestamp())
        return web.Response(status=204)

    async def start(self) -> web.AppRunner:
        app = web.Application()
        app.router.add_post("/hook", self.handle)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        await web.TCPSite(runner, "127.0.0.1", 0).start()
        self.port = runner.addresses[0][1]
        return runner


async def main(args: argparse.Namespace) -> None:
    print(f"command: {' '.join(sys.argv)}; machine load average {os.getloadavg()[0]:.1f} "
          f"on {os.cpu_count()} cores", flush=True)
    if args.wipe:
        await wipe()
    receiver = Receiver()
    runner = await receiver.start()
    os.environ["PROFILEGRAPH_DESTINATION_ALLOW_NETWORKS"] = '["127.0.0.0/8"]'
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
        probe = f"{run}-big-spenders"
        rate_a = report("A no destination", await phase(base, store, args, probe))
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            r = await client.post("/v1/destinations", headers=HEADERS, json={
                "id": "bench-hook", "name": "bench", "kind": "webhook",
                "target": f"http://127.0.0.1:{receiver.port}/hook",
                "subscriptions": {"segments": {"ids": ["*"]}}})
            assert r.status_code == 201, r.text
            before = (await client.get("/metrics")).text
        receiver.lags.clear()
        rate_b = report("B webhook", await phase(base, store, args, probe))
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            during = minus((await client.get("/metrics")).text, before)
            lags_b = list(receiver.lags)
            await client.patch("/v1/destinations/bench-hook", json={"active": False},
                               headers=HEADERS)
        rate_a2 = report("A2 paused", await phase(base, store, args, probe))
        base_rate = (rate_a + rate_a2) / 2
        print(f"ratio B / mean(A, A2): {rate_b / base_rate:.2f} (load average now "
              f"{os.getloadavg()[0]:.1f})")
        name = "profilegraph_delivery_lag_seconds"
        print(f"delivery lag over B, server (queued -> accepted): "
              f"{histogram_summary(during, name)}; p50 <= "
              f"{histogram_quantile(during, name, .5)} s, p99 <= "
              f"{histogram_quantile(during, name, .99)} s (bucket bounds)")
        print(f"delivery lag over B, receiver (change -> arrival), {len(lags_b):,} webhooks: "
              f"p50 {pct(lags_b, .5) * 1000:.0f} ms, p90 {pct(lags_b, .9) * 1000:.0f} ms, "
              f"p99 {pct(lags_b, .99) * 1000:.0f} ms")
        async with httpx.AsyncClient(base_url=base, timeout=60) as client:
            await client.patch("/v1/destinations/bench-hook", json={"active": True},
                               headers=HEADERS)
            for _ in range(240):
                d = (await client.get("/v1/destinations/bench-hook", headers=HEADERS)).json()
                if d["deliveries"]["pending"] + d["deliveries"]["retrying"] == 0:
                    break
                await asyncio.sleep(0.5)
            text = (await client.get("/metrics")).text
        print(f"outbox after the run: {d['deliveries']}; receiver: {receiver.requests:,} "
              f"requests, {len(receiver.ids):,} distinct ids; failed attempts "
              f"{metric(text, 'profilegraph_delivery_failures_total'):.0f}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        await runner.cleanup()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shoppers", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--readers", type=int, default=32)
    parser.add_argument("--probes", type=int, default=4)
    parser.add_argument("--max-rate", type=float, default=5000)
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("PROFILEGRAPH_API_PORT", "8020")))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--wipe", action="store_true")
    asyncio.run(main(parser.parse_args()))
