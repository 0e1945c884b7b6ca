"""How the API holds up against single hostile requests: for each, the answer, its time, the
slowest /healthz answer while it was in flight, and the growth of the process's RSS.

Runs the app in-process (lifespan included) against the Neo4j of the current settings (the
test server by default: export PROFILEGRAPH_NEO4J_* as for the tests). Point PYTHONPATH at
another checkout to measure that code with the same requests, side by side:

    PYTHONPATH=. python bench/hostile.py [--yaml-levels 4] [--timeout 60]

Each request is bounded by --timeout; a request that blocks the event loop cannot be
interrupted, so keep --yaml-levels at 4 for old code (5 levels froze it for minutes).
"""

from __future__ import annotations

import argparse
import asyncio
import gzip
import itertools
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("PROFILEGRAPH_ENVIRONMENT", "test")
os.environ.setdefault("PROFILEGRAPH_ADMIN_API_KEY", "test-admin-key-0123456789")
os.environ.setdefault("PROFILEGRAPH_LOG_LEVEL", "ERROR")
if "PYTHONPATH" not in os.environ:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx

from app.core.config import get_settings
from app.main import create_app

ADMIN = {"Authorization": f"Bearer {os.environ['PROFILEGRAPH_ADMIN_API_KEY']}"}


def rss_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def laughs(levels: int) -> str:
    names = "abcdefgh"[: levels + 1]
    leaf = "{type: consent, purpose: marketing}"
    lines = [f"{names[0]}: &{names[0]} {{type: and, conditions: [" + ", ".join([leaf] * 20)
             + "]}"]
    lines += [f"{n}: &{n} {{type: and, conditions: [" + ", ".join(["*" + p] * 20) + "]}"
              for p, n in itertools.pairwise(names)]
    return "\n".join([*lines, "id: boom", "name: boom", f"condition: *{names[-1]}"])


async def stream(mb: int):
    for _ in range(mb):
        yield b"x" * (1024 * 1024)


def attacks(levels: int) -> dict:
    yaml_type = {**ADMIN, "content-type": "application/yaml"}
    return {
        f"yaml aliases ({levels} levels)": lambda c: c.post(
            "/v1/segments/preview", content=laughs(levels), headers=yaml_type),
        "segment nested 10,000 deep (JSON)": lambda c: c.post(
            "/v1/segments", headers={**ADMIN, "content-type": "application/json"},
            content='{"id": "d", "name": "d", "condition": ' + "[" * 10_000 + "]" * 10_000 + "}"),
        "cypher RETURN range(1, 5000000)": lambda c: c.post(
            "/v1/cypher", json={"query": "RETURN range(1, 5000000) AS r"}, headers=ADMIN),
        "cypher 64 MB string": lambda c: c.post("/v1/cypher", headers=ADMIN, json={
            "query": "RETURN reduce(s = 'x', i IN range(1, 26) | s + s) AS s"}),
        "cypher // x\\rSHOW TRANSACTIONS": lambda c: c.post("/v1/cypher", headers=ADMIN, json={
            "query": "// x\rSHOW TRANSACTIONS YIELD currentQuery"}),
        "unauthenticated 200 MB POST /v1/admin/keys": lambda c: c.post(
            "/v1/admin/keys", content=stream(200), headers={"content-type": "application/json"}),
        "track timestamp 9999 / sentAt 0001": lambda c: c.post("/v1/track", headers=ADMIN, json={
            "userId": "u", "event": "E", "timestamp": "9999-12-31T23:59:59Z",
            "sentAt": "0001-01-01T00:00:00Z"}),
        "gzip + trailing garbage": lambda c: c.post("/v1/track", headers={
            **ADMIN, "content-type": "application/json", "content-encoding": "gzip"},
            content=gzip.compress(b'{"userId": "u", "event": "E"}') + b"junk"),
        "X-Request-Id not UTF-8": lambda c: c.get("/healthz",
                                                  headers=[(b"x-request-id", b"\xff\xfe")]),
    }


async def probe(client: httpx.AsyncClient, done: asyncio.Event) -> float:
    """Slowest /healthz answer, counted from when each probe was due (every 10 ms), so a
    blocked event loop shows as an outside client would see it."""
    slowest = 0.0
    while not done.is_set():
        due = time.perf_counter()
        await client.get("/healthz")
        slowest = max(slowest, time.perf_counter() - due)
        due = time.perf_counter() + 0.01
        await asyncio.sleep(0.01)
        # a loop blocked during the pause delays the next probe: that wait counts too
        slowest = max(slowest, time.perf_counter() - due)
    return slowest * 1000


async def main(levels: int, limit_s: float) -> None:
    app = create_app(get_settings())
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as client:
            # warm-up: first requests, analyst worker processes started
            await client.get("/healthz")
            await client.post("/v1/cypher", json={"query": "RETURN 1"}, headers=ADMIN)
            print(f"{'request':46} {'status':>6} {'s':>7} {'healthz max ms':>14} "
                  f"{'RSS +MB':>8}")
            for name, send in attacks(levels).items():
                before = rss_mb()
                done = asyncio.Event()
                watcher = asyncio.create_task(probe(client, done))
                started = time.perf_counter()
                await asyncio.sleep(0.02)  # the probe is running
                try:
                    status = str((await asyncio.wait_for(send(client), limit_s)).status_code)
                except TimeoutError:
                    status = "timeout"
                except Exception as exc:  # the old code reset the connection on some
                    status = type(exc).__name__[:6]
                elapsed = time.perf_counter() - started
                done.set()
                slowest = await watcher
                print(f"{name:46} {status:>6} {elapsed:7.2f} {slowest:14.1f} "
                      f"{rss_mb() - before:8.0f}", flush=True)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--yaml-levels", type=int, default=4)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    asyncio.run(main(args.yaml_levels, args.timeout))
