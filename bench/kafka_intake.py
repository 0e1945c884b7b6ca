"""Intake through Kafka: `/v1/batch` in Kafka mode accepts a burst at the broker's pace, the
intake consumer applies it to the graph at its own; against the direct path's rate. Prints
figures; not a test.

    PROFILEGRAPH_NEO4J_BOLT_PORT=... PROFILEGRAPH_KAFKA_PORT=... PYTHONPATH=. \
        .venv/bin/python bench/kafka_intake.py --seconds 60 --wipe

Needs a running broker (`profilegraph kafka start`) on PROFILEGRAPH_KAFKA_PORT.
1. A store (bench/live_data.py's storefront, --shoppers) through /v1/batch (direct), and its
   10 segments (every condition type).
2. Direct: --senders senders post --batch-message batches to a direct-mode server for
   --direct-seconds: its rate (stored events/s, segments on) is the bar for the applier.
3. Kafka: two processes, as a deployment runs them: the API (PROFILEGRAPH_INTAKE_MODE=kafka,
   no consumer: it validates, checks the suppression list, produces, answers after the
   broker's acks=all) and the applier (a serving process running the intake consumer,
   which writes up to PROFILEGRAPH_KAFKA_INTAKE_BATCH messages per transaction, with the
   membership worker). The same senders burst --seconds on the API; then the applier runs
   on for --drain-seconds (or until the backlog is empty). Every 5 s: accepted, applied,
   the backlog (profilegraph_kafka_intake_backlog_messages, API /metrics) and the apply lag
   (profilegraph_kafka_intake_apply_lag_last_seconds, applier /metrics).
4. --accept-pairs N (instead of 3): the accept rate alone, ABAB in one run against one API
   process: A with no applier running (nothing but the API, the broker and the load
   generator), B with the applier applying the backlog meanwhile; --seconds each. Skip
   the direct phase with --direct-seconds 0. With --compare-root DIR, A is the API of the
   checkout in DIR (e.g. `git archive main`), B this checkout's, both without applier.
--wipe deletes every node first (a bench database only). A fresh topic per run.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import aiohttp
import httpx
import orjson

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench import _harness as harness
from bench._harness import percentile as pct
from bench.live import ADMIN_KEY, HEADERS, histogram_quantile, metric, minus
from bench.live_data import Storefront, segments

SAMPLE_S = 5.0


def server_env(extra: dict[str, str]) -> dict[str, str]:
    return {"PROFILEGRAPH_CONSENT_DEFAULT": "opt_out", "PROFILEGRAPH_ADMIN_API_KEY": ADMIN_KEY,
            "PROFILEGRAPH_LOG_LEVEL": "WARNING", "PROFILEGRAPH_MODEL_REFRESH_INTERVAL_S": "0",
            "PROFILEGRAPH_PREDICTION_REFRESH_INTERVAL_S": "0", **extra}


def pregenerate(store: Storefront, count: int, size: int) -> list[tuple[bytes, int]]:
    out = []
    for _ in range(count):
        batch = store.live_batch(size)
        out.append((orjson.dumps({"batch": batch}), len(batch)))
    return out


class Burst:
    def __init__(self, bodies: list[tuple[bytes, int]]) -> None:
        self.bodies = iter(bodies)
        self.accepted = 0
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.stop = asyncio.Event()

    async def sender(self, http: aiohttp.ClientSession, field: str) -> None:
        headers = {**HEADERS, "Content-Type": "application/json"}
        while not self.stop.is_set():
            item = next(self.bodies, None)
            if item is None:
                self.errors.append("ran out of pre-generated batches (raise --max-rate)")
                return
            t = time.perf_counter()
            async with http.post("/v1/batch", data=item[0], headers=headers) as r:
                payload = await r.read()
            self.latencies.append(time.perf_counter() - t)
            if r.status != 200:
                self.errors.append(f"{r.status} {payload[:200]!r}")
            else:
                self.accepted += orjson.loads(payload)[field]


async def run_burst(base: str, bodies: list[tuple[bytes, int]], senders: int, seconds: float,
                    field: str, on_tick=None) -> tuple[Burst, float]:
    burst = Burst(bodies)
    timeout = aiohttp.ClientTimeout(total=120)
    async with aiohttp.ClientSession(base_url=base, timeout=timeout,
                                     connector=aiohttp.TCPConnector(limit=64)) as http:
        tasks = [asyncio.create_task(burst.sender(http, field)) for _ in range(senders)]
        started = time.perf_counter()
        while time.perf_counter() - started < seconds:
            await asyncio.sleep(min(SAMPLE_S, seconds - (time.perf_counter() - started)))
            if on_tick is not None:
                await on_tick(time.perf_counter() - started, burst)
        burst.stop.set()
        await asyncio.gather(*tasks)
        return burst, time.perf_counter() - started


def cpu_seconds(pid: int) -> float:
    """User + system CPU of a process so far, all its threads (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_pids() -> dict[str, int]:
    """The project's Neo4j and broker processes (their pid files), to charge them their CPU."""
    from app.core.config import get_settings

    s = get_settings()
    pids = {}
    for name, path in (("neo4j", Path(s.neo4j_home) / "run" / "neo4j.pid"),
                       ("broker", Path(s.kafka_home) / "run" / "kafka.pid")):
        with contextlib.suppress(OSError, ValueError, IndexError):
            pids[name] = int(path.read_text().split()[0])
    return pids


async def applied_at(port: int) -> float:
    async with httpx.AsyncClient(timeout=30) as client:
        return applied_of((await client.get(f"http://127.0.0.1:{port}/metrics")).text)


def spy(args: argparse.Namespace, pids: dict[str, int], phase: str) -> list:
    """--py-spy DIR: py-spy samples each process over the phase (its first pair only), as
    collapsed stacks in DIR/<phase>-<process>.txt."""
    if not args.py_spy or not phase.endswith("1"):
        return []
    Path(args.py_spy).mkdir(parents=True, exist_ok=True)
    exe = Path(sys.executable).parent / "py-spy"
    return [subprocess.Popen([str(exe), "record", "--pid", str(pid), "--duration",
                              str(int(args.seconds)), "--rate", "50", "--format", "raw",
                              "--nonblocking", "--output",
                              str(Path(args.py_spy) / f"{phase}-{name}.txt")],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in pids.items()]


def own_cpu() -> float:
    t = os.times()
    return t.user + t.system


class _NoDirect(Exception):
    """--direct-seconds 0: no direct phase."""


async def accept_pairs(args: argparse.Namespace, store: Storefront, kafka: dict[str, str],
                       api_url: str) -> None:
    """ABAB: the API's accept rate without (A) and with (B) the applier running; with
    --compare-root, A is the API of that checkout and B this one's, both without applier."""
    count = int(args.max_rate * args.seconds / args.batch) + args.senders
    api_env = server_env({**kafka, "PROFILEGRAPH_INTAKE_MODE": "kafka",
                          "PROFILEGRAPH_KAFKA_INTAKE_CONSUMER": "false"})
    compare = Path(args.compare_root) if args.compare_root else None
    api = None if compare else harness.start_server(args.port + 10, env=api_env)
    labels = ({"A": f"api of {compare.name}", "B": "api of this checkout"} if compare else
              {"A": "accept only", "B": "applier running"})
    rates: dict[str, list[float]] = {"A": [], "B": []}
    per_cpu: dict[str, list[tuple[int, float]]] = {"A": [], "B": []}
    try:
        for pair in range(args.accept_pairs):
            for kind in ("A", "B"):
                bodies = pregenerate(store, count, args.batch)
                if compare:
                    api = harness.start_server(args.port + 10, env=api_env,
                                               root=compare if kind == "A" else harness.ROOT)
                applier = (harness.start_server(args.port, env=server_env(kafka))
                           if kind == "B" and not compare else None)
                others = {**server_pids(), **({"applier": applier.pid} if applier else {})}
                spies = spy(args, {"api": api.pid, **({"applier": applier.pid}
                                                      if applier else {})}, f"{kind}{pair + 1}")
                applied0 = await applied_at(args.port) if applier else 0.0
                try:
                    load = os.getloadavg()[0]
                    cpu0 = cpu_seconds(api.pid)
                    others0 = {k: cpu_seconds(p) for k, p in others.items()}
                    bench0 = own_cpu()
                    burst, took = await run_burst(api_url, bodies, args.senders, args.seconds,
                                                  "queued")
                    cpu = cpu_seconds(api.pid) - cpu0
                    shares = {"api": cpu, **{k: cpu_seconds(p) - others0[k]
                                             for k, p in others.items()},
                              "load generator": own_cpu() - bench0}
                    applied = await applied_at(args.port) - applied0 if applier else 0.0
                finally:
                    for s in spies:
                        s.wait(timeout=60)
                    if applier is not None:
                        harness.stop_server(applier)
                    if compare and api is not None:
                        harness.stop_server(api)
                        api = None
                rate = burst.accepted / took
                rates[kind].append(rate)
                per_cpu[kind].append((burst.accepted, cpu))
                print(f"{kind}{pair + 1} {labels[kind]:15s}"
                      f" {burst.accepted:>9,} acknowledged in {took:.1f} s = {rate:,.0f}/s; "
                      f"latency p50 {pct(burst.latencies, .5) * 1000:.0f} ms p99 "
                      f"{pct(burst.latencies, .99) * 1000:.0f} ms; API CPU {cpu:.1f} s = "
                      f"{cpu / max(burst.accepted, 1) * 1e6:.1f} µs per message; "
                      f"errors {len(burst.errors)}; "
                      f"load average {load:.1f} -> {os.getloadavg()[0]:.1f}", flush=True)
                print("   CPU (cores): " + ", ".join(f"{k} {v / took:.2f}"
                                                    for k, v in shares.items())
                      + (f"; the applier applied {applied:,.0f} = {applied / took:,.0f}/s"
                         if applier else ""), flush=True)
                for e in sorted(set(burst.errors))[:3]:
                    print("   ", e, flush=True)
    finally:
        if api is not None:
            harness.stop_server(api)
    mean = {k: sum(v) / len(v) for k, v in rates.items()}
    print(f"accepted/s, {labels['A']}: mean {mean['A']:,.0f}; {labels['B']}: mean "
          f"{mean['B']:,.0f} (B / A {mean['B'] / mean['A']:.2f}); load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    us = {k: sum(c for _, c in v) / max(sum(n for n, _ in v), 1) * 1e6
          for k, v in per_cpu.items()}
    print(f"API CPU per accepted message: {labels['A']} {us['A']:.1f} µs; {labels['B']} "
          f"{us['B']:.1f} µs (all the API process's threads, librdkafka's included)",
          flush=True)


def applied_of(text: str) -> float:
    return sum(metric(text, "profilegraph_kafka_intake_messages_total", f'outcome="{o}"')
               for o in ("stored", "duplicate", "dropped"))


def new_topic(bootstrap: str, name: str, partitions: int) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    for future in admin.create_topics([NewTopic(name, partitions, 1)]).values():
        future.result(timeout=30)


async def main(args: argparse.Namespace) -> None:
    print(f"command: {' '.join(sys.argv)}; machine load average "
          f"{' '.join(f'{x:.1f}' for x in os.getloadavg())} on {os.cpu_count()} cores",
          flush=True)
    if args.wipe:
        await harness.wipe_graph()
    await harness.migrate()
    run = "kafka" + uuid.uuid4().hex[:6]
    bootstrap = f"127.0.0.1:{os.environ.get('PROFILEGRAPH_KAFKA_PORT', '9092')}"
    topic = f"bench-intake-{run}"
    new_topic(bootstrap, topic, args.partitions)
    store = Storefront(run, args.shoppers, seed=args.seed)
    applier_url, api_url = (f"http://127.0.0.1:{args.port}",
                            f"http://127.0.0.1:{args.port + 10}")
    kafka = {"PROFILEGRAPH_KAFKA_BOOTSTRAP_SERVERS": bootstrap,
             "PROFILEGRAPH_KAFKA_INTAKE_TOPIC": topic,
             "PROFILEGRAPH_KAFKA_INTAKE_GROUP": f"bench-{run}",
             "PROFILEGRAPH_KAFKA_INTAKE_BATCH": str(args.apply_batch)}

    direct = harness.start_server(args.port, env=server_env({}))
    direct_rate = 0.0
    try:
        async with httpx.AsyncClient(base_url=applier_url, timeout=300) as client:
            t, n = time.perf_counter(), 0
            for b in store.backfill(args.sessions, 250):
                (await client.post("/v1/batch", json={"batch": b}, headers=HEADERS)
                 ).raise_for_status()
                n += len(b)
            print(f"store: {args.shoppers:,} shoppers, {n:,} messages in "
                  f"{time.perf_counter() - t:.0f} s", flush=True)
            for d in segments(run):
                assert (await client.post("/v1/segments", json=d, headers=HEADERS)
                        ).status_code == 201
            print("10 segments defined", flush=True)
        count = int(args.direct_max_rate * args.direct_seconds / args.batch) + args.senders
        bodies = pregenerate(store, count, args.batch)
        if args.direct_seconds <= 0:
            raise _NoDirect
        burst, took = await run_burst(applier_url, bodies, args.senders, args.direct_seconds,
                                      "stored")
        direct_rate = burst.accepted / took
        print(f"direct /v1/batch (batches of {args.batch}, {args.senders} senders, segments "
              f"on): {burst.accepted:,} messages stored in {took:.1f} s = {direct_rate:,.0f}/s;"
              f" latency p50 {pct(burst.latencies, .5) * 1000:.0f} ms p99 "
              f"{pct(burst.latencies, .99) * 1000:.0f} ms; errors {len(burst.errors)} "
              f"(load average {os.getloadavg()[0]:.1f})", flush=True)
    except _NoDirect:
        pass
    finally:
        harness.stop_server(direct)
    if args.accept_pairs:
        await accept_pairs(args, store, kafka, api_url)
        return

    t = time.perf_counter()
    count = int(args.max_rate * args.seconds / args.batch) + args.senders
    bodies = pregenerate(store, count, args.batch)
    print(f"pre-generated {count:,} batches of {args.batch} in {time.perf_counter() - t:.0f} s",
          flush=True)
    applier = harness.start_server(args.port, env=server_env(kafka))
    api = harness.start_server(args.port + 10, env=server_env(
        {**kafka, "PROFILEGRAPH_INTAKE_MODE": "kafka", "PROFILEGRAPH_KAFKA_INTAKE_CONSUMER":
         "false"}))
    try:
        async with httpx.AsyncClient(timeout=30) as client:
            start_text = (await client.get(applier_url + "/metrics")).text
            applied0 = applied_of(start_text)
            samples: list[tuple[float, float, float, float, float]] = []
            t0 = time.perf_counter()

            async def sample(_: float, burst: Burst | None) -> None:
                api_text = (await client.get(api_url + "/metrics")).text
                app_text = (await client.get(applier_url + "/metrics")).text
                row = (time.perf_counter() - t0, burst.accepted if burst else float("nan"),
                       applied_of(app_text) - applied0,
                       metric(api_text, "profilegraph_kafka_intake_backlog_messages"),
                       metric(app_text, "profilegraph_kafka_intake_apply_lag_last_seconds"))
                samples.append(row)
                print(f"  t={row[0]:5.0f} s accepted {row[1]:>9,.0f} applied {row[2]:>9,.0f} "
                      f"backlog {row[3]:>7,.0f} records, apply lag {row[4]:6.1f} s "
                      f"(load {os.getloadavg()[0]:.1f})", flush=True)

            burst, took = await run_burst(api_url, bodies, args.senders, args.seconds,
                                          "queued", on_tick=sample)
            accepted_rate = burst.accepted / took
            at_burst_end = applied_of((await client.get(applier_url + "/metrics")).text) \
                - applied0
            print(f"Kafka mode /v1/batch: {burst.accepted:,} messages acknowledged by the "
                  f"broker in {took:.1f} s = {accepted_rate:,.0f}/s; latency p50 "
                  f"{pct(burst.latencies, .5) * 1000:.0f} ms p99 "
                  f"{pct(burst.latencies, .99) * 1000:.0f} ms; errors {len(burst.errors)}",
                  flush=True)
            for e in burst.errors[:3]:
                print("   ", e)
            print(f"applier during the burst: {at_burst_end:,.0f} messages = "
                  f"{at_burst_end / took:,.0f}/s", flush=True)
            drain_start, drained = time.perf_counter(), False
            while time.perf_counter() - drain_start < args.drain_seconds:
                await asyncio.sleep(SAMPLE_S)
                await sample(0, None)
                if samples[-1][3] == 0 and samples[-1][2] >= burst.accepted:
                    drained = True
                    break
            drain_took = time.perf_counter() - drain_start
            end_text = (await client.get(applier_url + "/metrics")).text
            total = applied_of(end_text) - applied0
            after = total - at_burst_end
            print(f"applier after the burst (API idle): {after:,.0f} messages in "
                  f"{drain_took:.0f} s = {after / drain_took:,.0f}/s; "
                  f"{'backlog drained' if drained else 'backlog left: '}"
                  f"{'' if drained else f'{samples[-1][3]:,.0f} records'}", flush=True)
            overall = total / (took + drain_took)
            during = minus(end_text, start_text)
            name = "profilegraph_kafka_intake_apply_lag_seconds"
            print(f"applier sustained: {total:,.0f} messages in {took + drain_took:.0f} s = "
                  f"{overall:,.0f}/s against the direct path's {direct_rate:,.0f}/s "
                  f"(ratio {overall / direct_rate:.2f}); apply lag (record -> graph "
                  f"commit) p50 <= {histogram_quantile(during, name, .5)} s, p99 <= "
                  f"{histogram_quantile(during, name, .99)} s (bucket bounds); "
                  f"intake failures "
                  f"{metric(end_text, 'profilegraph_kafka_intake_failures_total'):.0f}; "
                  f"load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}", flush=True)
    finally:
        harness.stop_server(api)
        harness.stop_server(applier)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--shoppers", type=int, default=1000)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--direct-seconds", type=float, default=30)
    parser.add_argument("--drain-seconds", type=float, default=60)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--senders", type=int, default=4)
    parser.add_argument("--partitions", type=int, default=4)
    parser.add_argument("--apply-batch", type=int, default=1000,
                        help="PROFILEGRAPH_KAFKA_INTAKE_BATCH of the applier")
    parser.add_argument("--max-rate", type=float, default=15000)
    parser.add_argument("--accept-pairs", type=int, default=0,
                        help="ABAB pairs of bursts: accept only / with the applier running")
    parser.add_argument("--compare-root", default="",
                        help="with --accept-pairs: A is the API of this checkout (e.g. an "
                        "export of main), B this one's; no applier")
    parser.add_argument("--direct-max-rate", type=float, default=4000)
    parser.add_argument("--port", type=int,
                        default=int(os.environ.get("PROFILEGRAPH_API_PORT", "8020")))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--py-spy", default="",
                        help="with --accept-pairs: py-spy the API and the applier in A1/B1 "
                             "into this folder")
    parser.add_argument("--wipe", action="store_true")
    asyncio.run(main(parser.parse_args()))
