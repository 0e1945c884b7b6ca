"""Decision latency: GET /v1/users/{id}/decisions at a fixed offered rate (open loop).

    PROFILEGRAPH_NEO4J_BOLT_PORT=... PYTHONPATH=. .venv/bin/python bench/decisions.py \
        [--rate 200] [--seconds 30] [--shoppers 2000] [--senders 0]
    # beside bench/live.py's live load, started and timed by this script
    PROFILEGRAPH_NEO4J_BOLT_PORT=... PYTHONPATH=. .venv/bin/python bench/decisions.py \
        --live --port 8123 --live-args="--wipe --shoppers 2000"
    # or point at a running server (it must share the Neo4j) with its key
    PYTHONPATH=. .venv/bin/python bench/decisions.py --url http://127.0.0.1:8091 \
        --key bench-admin-key-0123456789abcdef

Without --url it serves the API itself with uvicorn on --port over the configured Neo4j.
With --live it runs bench/live.py (its server on --port, its own load: senders on
/v1/batch, readers of recommendations, membership probes, ten real-time segments and a
model) and offers the decisions to that server while live.py's phase with segments runs;
live.py's own report of that phase is echoed (prefixed `live |`), so the load the
decisions met is on record. --read-port P serves the decisions from a second API process on
the same Neo4j (a storefront-facing replica, as the scale path deploys reads apart from
intake) while live.py's load runs on its own server: the decisions then queue behind no
batch or recommendation of that load in an event loop, only for the machine's cores.
Setup, through the public API (idempotent ids `dec-<n>`): shoppers with consent (a quarter
without), product views, a `plan` trait on some, predicted traits set on the profiles, a
segment and a placement of five rules (segment, prediction, trait, context, and an `or`).
Then requests leave on a Poisson schedule at --rate for --seconds (after --warmup), each
for a random shopper (a few unknown) and a random context; latency is measured from the
scheduled send time, so a slow server cannot hide behind a slowed client (no coordinated
omission). --senders N adds N loops posting 100-event batches to /v1/batch meanwhile.
Prints p50/p90/p99/max, the achieved rate and errors, and (for a server it started) the
API process's CPU time per decision: a cost that, unlike latency, does not depend on what
else the machine runs.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import shlex
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import aiohttp
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db.queries import CypherCatalog

ROOT = Path(__file__).resolve().parents[1]
BENCH_QUERIES = CypherCatalog(ROOT / "bench" / "cypher")
KEY = "bench-admin-key-0123456789abcdef"
PLACEMENT = {
    "name": "Bench banner",
    "variants": [{"id": "premium", "title": "Premium"}, {"id": "offer", "title": "Offer"},
                 {"id": "mobile", "title": "On the go"}, {"id": "picks",
                                                          "recommendation": {"limit": 4}},
                 {"id": "generic", "title": "Bestsellers"}],
    "rules": [
        {"name": "gold", "variant": "premium",
         "when": {"type": "segment", "segment_id": "dec-gold"}},
        {"name": "likely", "variant": "offer", "when": {
            "type": "prediction", "prediction": "purchase_30d", "op": "gte", "value": 0.7}},
        {"name": "browsers", "variant": "picks", "when": {
            "type": "and", "conditions": [
                {"type": "trait", "property": "count_product_viewed", "op": "gte", "value": 3},
                {"type": "not", "condition": {"type": "trait", "property": "order_count",
                                              "op": "gte", "value": 1}}]}},
        {"name": "mobile", "variant": "mobile", "when": {
            "type": "context", "field": "device", "op": "eq", "value": "mobile"}},
        {"name": "either", "variant": "offer", "when": {"type": "or", "conditions": [
            {"type": "context", "field": "page", "op": "contains", "value": "sale"},
            {"type": "trait", "property": "pred_value_90d", "op": "gte", "value": 500}]}},
    ],
    "default": "generic",
}
SEGMENT = {"id": "dec-gold", "name": "Gold plan (bench)", "condition": {
    "type": "trait", "property": "trait_plan", "op": "eq", "value": "gold"}}


def start_server(port: int, **more: str) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PROFILEGRAPH_ADMIN_API_KEY": KEY,
           "PROFILEGRAPH_LOG_LEVEL": "WARNING",
           "PROFILEGRAPH_PREDICTION_REFRESH_INTERVAL_S": "0", **more}
    proc = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "app.main:create_app", "--factory", "--host",
         "127.0.0.1", "--port", str(port), "--no-access-log", "--log-level", "warning"],
        cwd=ROOT, env=env)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("server did not start")


def _message(user: str, rng: random.Random, n: int) -> list[dict]:
    consent = {"Analytics": True, "Personalization": n % 4 != 0}
    out = [{"type": "identify", "messageId": f"dec-id-{user}", "userId": user,
            "traits": {"plan": "gold" if n % 10 == 0 else "basic"},
            "context": {"consent": {"categoryPreferences": consent}}}]
    for k in range(rng.randint(1, 6)):
        out.append({"type": "track", "messageId": f"dec-v-{user}-{k}", "userId": user,
                    "event": "Product Viewed",
                    "properties": {"product_id": f"dec-sku-{rng.randint(1, 200)}"},
                    "context": {"consent": {"categoryPreferences": consent}}})
    return out


async def setup(url: str, headers: dict[str, str], shoppers: int) -> list[str]:
    rng = random.Random(7)
    users = [f"dec-{n}" for n in range(shoppers)]
    async with httpx.AsyncClient(base_url=url, headers=headers, timeout=120) as client:
        for start in range(0, shoppers, 100):
            batch = [m for n in range(start, min(start + 100, shoppers))
                     for m in _message(users[n], rng, n)]
            r = await client.post("/v1/batch", json={"batch": batch})
            r.raise_for_status()
        r = await client.post("/v1/segments", json=SEGMENT)
        r.raise_for_status()
        r = await client.put("/v1/placements/dec_bench_banner", json=PLACEMENT)
        r.raise_for_status()
    await set_predictions(users, rng)
    return users


async def set_predictions(users: list[str], rng: random.Random) -> None:
    from app.core.config import get_settings
    from app.db.driver import create_driver

    settings = get_settings()
    driver = create_driver(settings)
    rows = [{"user_id": u, "p": rng.random(), "v": rng.expovariate(1 / 200)} for u in users]
    await driver.execute_query(BENCH_QUERIES["set_bench_predictions"], rows=rows,
                               database_=settings.neo4j_database)
    await driver.close()


def cpu_seconds(pid: int | None) -> float | None:
    """User plus system CPU time of a process so far (Linux /proc)."""
    if pid is None:
        return None
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def percentile(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))] if values else float("nan")


async def sender(url: str, headers: dict[str, str], users: list[str], stop: float,
                 counts: list[int]) -> None:
    rng = random.Random()
    async with aiohttp.ClientSession(headers=headers) as session:
        while time.monotonic() < stop:
            batch = [{"type": "track", "messageId": uuid.uuid4().hex,
                      "userId": rng.choice(users), "event": "Product Viewed",
                      "properties": {"product_id": f"dec-sku-{rng.randint(1, 200)}"}}
                     for _ in range(100)]
            async with session.post(f"{url}/v1/batch", json={"batch": batch}) as r:
                await r.read()
                if r.status == 200:
                    counts[0] += len(batch)


async def load(url: str, headers: dict[str, str], users: list[str], rate: float,
               seconds: float, warmup: float, senders: int, pid: int | None) -> None:
    rng = random.Random(11)
    latencies: list[float] = []
    errors: dict[int, int] = {}
    contexts = [{}, {"device": "mobile"}, {"device": "desktop", "page": "/sale/shoes"},
                {"page": "/home"}]
    connector = aiohttp.TCPConnector(limit=256)
    ingested = [0]
    async with aiohttp.ClientSession(headers=headers, connector=connector) as session:
        async def one(when: float, measure: bool) -> None:
            user = rng.choice(users) if rng.random() > 0.02 else f"nobody-{rng.random()}"
            params = {"placement": "dec_bench_banner", **rng.choice(contexts)}
            try:
                async with session.get(f"{url}/v1/users/{user}/decisions",
                                       params=params) as r:
                    await r.read()
                    status = r.status
            except aiohttp.ClientError:
                status = 0  # no answer: counted as an error, its wait as a latency
            if measure:
                latencies.append(time.monotonic() - when)
                if status != 200:
                    errors[status] = errors.get(status, 0) + 1

        start = time.monotonic()
        stop = start + warmup + seconds
        cpu: list[float | None] = [None]

        async def mark_cpu() -> None:
            await asyncio.sleep(warmup)
            cpu[0] = cpu_seconds(pid)

        tasks_cpu = asyncio.create_task(mark_cpu())
        tasks = [asyncio.create_task(sender(url, headers, users, stop, ingested))
                 for _ in range(senders)]
        pending: set[asyncio.Task] = set()
        t = start
        while t < stop:
            t += rng.expovariate(rate)
            delay = t - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            task = asyncio.create_task(one(t, t >= start + warmup))
            pending.add(task)
            task.add_done_callback(pending.discard)
        await asyncio.gather(*pending, *tasks, tasks_cpu)
        drained = time.monotonic() - stop  # > 0: answers still came after the schedule ended
        cpu_end = cpu_seconds(pid)
    ms = [x * 1000 for x in latencies]
    print(f"decisions: {len(ms)} measured over {seconds:.0f} s at an offered {rate:.0f}/s "
          f"(achieved {len(ms) / seconds:.0f}/s), errors {errors or 0}")
    print(f"latency ms: p50 {percentile(ms, 0.5):.2f}  p90 {percentile(ms, 0.9):.2f}  "
          f"p99 {percentile(ms, 0.99):.2f}  max {max(ms):.2f}   (target p99 <= 20 ms)")
    print(f"the last answer came {drained:.1f} s after the last scheduled send")
    if cpu[0] is not None and cpu_end is not None and ms:
        print(f"API process CPU: {1000 * (cpu_end - cpu[0]) / len(ms):.2f} ms per decision "
              "(measured window; ingest beside it included)")
    if senders:
        print(f"ingest beside it: {senders} senders, "
              f"{ingested[0] / (warmup + seconds):.0f} events/s")


class LiveLoad:
    """bench/live.py in its own process (its own event loop and CPU share, so its clients
    do not delay this one's), its output echoed and watched for the phase markers."""

    def __init__(self, port: int, seconds: float, extra: list[str]) -> None:
        command = [sys.executable, str(ROOT / "bench" / "live.py"), "--port", str(port),
                   "--seconds", f"{seconds:.0f}", "--hold", *extra]
        self.proc = subprocess.Popen(command, cwd=ROOT, text=True, stdout=subprocess.PIPE,
                                     stdin=subprocess.PIPE,
                                     stderr=subprocess.STDOUT,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})
        self._lines: list[str] = []
        self._seen = threading.Condition()
        threading.Thread(target=self._echo, daemon=True).start()

    def _echo(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            print("  live | " + line.rstrip(), flush=True)
            with self._seen:
                self._lines.append(line)
                self._seen.notify_all()
        with self._seen:
            self._lines.append("")  # end of output
            self._seen.notify_all()

    def wait_for(self, marker: str, timeout_s: float = 900) -> None:
        deadline = time.monotonic() + timeout_s
        with self._seen:
            while not any(marker in line for line in self._lines):
                if "" in self._lines:
                    raise RuntimeError(f"bench/live.py ended before {marker!r}")
                if not self._seen.wait(timeout=max(0.0, deadline - time.monotonic())):
                    raise RuntimeError(f"bench/live.py: no {marker!r} in {timeout_s:.0f} s")

    def release(self) -> None:
        """Let live.py go on (its consistency checks) and stop its server."""
        if self.proc.stdin is not None and not self.proc.stdin.closed:
            self.proc.stdin.close()

    def stop(self, timeout_s: float = 60) -> None:
        """Interrupt live.py if it still runs (it stops its server on the way out)."""
        self.release()
        try:
            self.proc.wait(timeout=timeout_s)
            return
        except subprocess.TimeoutExpired:
            self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()


def run_live(args: argparse.Namespace, headers: dict[str, str]) -> None:
    url = f"http://127.0.0.1:{args.read_port or args.port}"
    live = LiveLoad(args.port, args.warmup + args.seconds + 5, shlex.split(args.live_args))
    replica = None
    try:
        live.wait_for("store: ")  # its server is up and its store loaded
        replica = start_server(  # the settings of live.py's server that decisions read
            args.read_port, PROFILEGRAPH_CONSENT_DEFAULT="opt_out") if args.read_port else None
        started = time.perf_counter()
        users = asyncio.run(setup(url, headers, args.shoppers))
        print(f"setup: {len(users)} shoppers, segment, placement in "
              f"{time.perf_counter() - started:.1f} s", flush=True)
        live.wait_for("live load: phase with segments started")
        print(f"decisions beside live.py's phase with segments (load average "
              f"{os.getloadavg()[0]:.1f} on {os.cpu_count()} cores)", flush=True)
        asyncio.run(load(url, headers, users, args.rate, args.seconds, args.warmup,
                         args.senders, replica.pid if replica else None))
        print(f"load average after: {os.getloadavg()[0]:.1f}", flush=True)
        live.wait_for("live load: holding the server")  # after its report of the phase
    finally:
        if replica is not None:
            replica.terminate()
            replica.wait(timeout=30)
        live.stop(timeout_s=600)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", help="a running server (default: start one on --port)")
    parser.add_argument("--key", default=KEY, help="an admin key of that server")
    parser.add_argument("--port", type=int, default=8107)
    parser.add_argument("--rate", type=float, default=200.0)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--warmup", type=float, default=5.0)
    parser.add_argument("--shoppers", type=int, default=2000)
    parser.add_argument("--senders", type=int, default=0)
    parser.add_argument("--live", action="store_true",
                        help="run bench/live.py (server on --port) and decide beside its load")
    parser.add_argument("--live-args", default="",
                        help="more arguments for bench/live.py, e.g. '--wipe --shoppers 2000'")
    parser.add_argument("--read-port", type=int, default=None,
                        help="with --live: decisions from a second API process on this port")
    args = parser.parse_args()
    headers = {"Authorization": f"Bearer {args.key}"}
    print(f"command: {' '.join(sys.argv)}; load average {os.getloadavg()[0]:.1f} on "
          f"{os.cpu_count()} cores", flush=True)
    if args.live:
        run_live(args, headers)
        return
    proc = None if args.url else start_server(args.port)
    url = args.url or f"http://127.0.0.1:{args.port}"
    try:
        started = time.perf_counter()
        users = asyncio.run(setup(url, headers, args.shoppers))
        print(f"setup: {len(users)} shoppers, segment, placement in "
              f"{time.perf_counter() - started:.1f} s")
        asyncio.run(load(url, headers, users, args.rate, args.seconds, args.warmup,
                         args.senders, proc.pid if proc else None))
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=30)


if __name__ == "__main__":
    main()
