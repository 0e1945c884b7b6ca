"""Neo4j CPU seconds spent by intake and by the segment-membership drain, per statement.

Wall times on a shared machine move 2-5x between runs; the CPU seconds the Neo4j process
itself spends (read from /proc around each step) move far less, so this is the figure to
compare before and after a change to a segment predicate or a membership statement.

    PYTHONPATH=. .venv/bin/python bench/membership_cost.py --reuse r1 --batches 40 --rounds 3

Runs against a store left by `bench/live.py --reuse NAME` (its shoppers and 10 segments).
After --warmup rounds left out of the figures (each statement text is planned once per
server), each round ingests --batches live batches through the intake with the membership worker
held (work is recorded, not applied), then drains all of it, timing every statement.
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import app.segments.membership.changes as membership_changes
from app.core.config import get_settings
from app.intake.intake_service import parse_batch
from app.wiring import open_services
from bench.live_data import Storefront

TICK = os.sysconf("SC_CLK_TCK")


def neo4j_cpu(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def _plan_hits(plan: dict[str, Any]) -> int:
    return plan.get("dbHits", 0) + sum(_plan_hits(c) for c in plan.get("children", []))


def statement_timer(pid: int, cpu: collections.Counter, wall: collections.Counter,
                    hits: collections.Counter | None) -> None:
    """Wraps the drain's statement runner: Neo4j CPU and wall time per statement, and with
    `hits` each segment statement runs under PROFILE and its db hits are counted (a figure
    that does not move with the machine's load; PROFILE costs CPU of its own)."""
    run = membership_changes.tx_rows

    async def timed(tx: Any, cypher: str, params: Any) -> list[dict[str, Any]]:
        c, t = neo4j_cpu(pid), time.perf_counter()
        key = params.get("segment_id") or cypher.strip().splitlines()[0][:70]
        if hits is not None and params.get("segment_id"):
            result = await tx.run("PROFILE " + cypher, dict(params))
            rows = await result.data()
            hits[key] += _plan_hits((await result.consume()).profile or {})
        else:
            rows = await run(tx, cypher, params)
        cpu[key] += neo4j_cpu(pid) - c
        wall[key] += time.perf_counter() - t
        return rows

    membership_changes.tx_rows = timed  # type: ignore[assignment]


async def main(args: argparse.Namespace) -> None:
    settings = get_settings()
    pid = int((settings.neo4j_home / "run" / "neo4j.pid").read_text())
    store = Storefront(args.reuse, args.shoppers, seed=args.seed)
    for _ in store.backfill(args.sessions, 250):  # the generator's state after the store
        pass
    cpu: collections.Counter = collections.Counter()
    wall: collections.Counter = collections.Counter()
    hits: collections.Counter | None = collections.Counter() if args.db_hits else None
    statement_timer(pid, cpu, wall, hits)
    totals = collections.Counter()
    async with open_services(settings) as services:
        services.membership_worker._stopped = True  # record work only; drained below
        for r in range(-args.warmup, args.rounds):
            batches = [parse_batch({"batch": store.live_batch(args.batch)}, datetime.now(UTC),
                                   1000) for _ in range(args.batches)]
            messages = sum(len(b) for b in batches)
            c0 = neo4j_cpu(pid)
            for batch in batches:
                await services.intake.ingest(batch)
            c1 = neo4j_cpu(pid)
            users = 0
            while (applied := (await services.membership.drain(2000)).users):
                users += applied
            c2 = neo4j_cpu(pid)
            label = "warm-up (not counted)" if r < 0 else f"round {r}"
            if r < 0:  # first plans of each statement text, JIT: not the steady cost
                cpu.clear()
                wall.clear()
                if hits is not None:
                    hits.clear()
            else:
                totals.update(intake=c1 - c0, drain=c2 - c1, messages=messages, users=users)
            print(f"{label}: {messages:,} messages, intake {c1 - c0:.2f} Neo4j CPU-s; "
                  f"drain of {users} profiles {c2 - c1:.2f} CPU-s "
                  f"(drain/intake {(c2 - c1) / max(c1 - c0, 1e-9):.2f})", flush=True)
    print(f"total: intake {totals['intake'] / totals['messages'] * 1000:.3f} ms per message, "
          f"drain {totals['drain'] / max(totals['users'], 1) * 1000:.2f} ms per profile, "
          f"drain/intake {totals['drain'] / max(totals['intake'], 1e-9):.2f}")
    print("drain statements (Neo4j CPU-s, wall s" + (", db hits per profile)" if hits else ")")
          + ":")
    for key, seconds in cpu.most_common():
        per = f" {hits[key] / max(totals['users'], 1):9.1f}" if hits and key in hits else ""
        print(f"  {seconds:7.2f} {wall[key]:7.2f}{per}  {key}")
    if hits:
        print(f"segment statements: {sum(hits.values()) / max(totals['users'], 1):.1f} db hits "
              "per profile")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reuse", required=True, help="the store's name in bench/live.py")
    parser.add_argument("--shoppers", type=int, default=3000)
    parser.add_argument("--sessions", type=int, default=3)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--batches", type=int, default=40)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--db-hits", action="store_true",
                        help="run segment statements under PROFILE and count their db hits")
    parser.add_argument("--warmup", type=int, default=1,
                        help="rounds run first and left out of the figures (query planning)")
    asyncio.run(main(parser.parse_args()))
