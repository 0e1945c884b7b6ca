"""Neo4j's CPU for the delivery worker's transactions, apart from any load: --deliveries
pending deliveries (one per profile) are created, then claimed and finished as delivered
through DeliveryRepository in rounds of --per-round profiles; the Neo4j server's CPU (from
/proc) per delivery and per round. Prints figures; not a test.

    PROFILEGRAPH_NEO4J_BOLT_PORT=... PYTHONPATH=. .venv/bin/python bench/delivery_cost.py \\
        --deliveries 2000 --per-round 10 50 200

Needs the project's own Neo4j (its pid file) with the bench's store or any other: it adds
a destination of its own (`bench-cost`) and deletes it and its deliveries after.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench._harness import ROOT
from bench.kafka_intake import cpu_seconds, server_pids

DEST = "bench-cost"


async def main(args: argparse.Namespace) -> None:
    from app.core.config import get_settings
    from app.db.database import Database
    from app.db.driver import create_driver
    from app.db.queries import CypherCatalog
    from app.destinations.delivery_repository import DeliveryRepository, Outcome

    bench = CypherCatalog(ROOT / "bench" / "cypher")
    settings = get_settings()
    pid = server_pids()["neo4j"]
    driver = create_driver(settings)
    repo = DeliveryRepository(Database(driver, settings.neo4j_database))
    try:
        for per_round in args.per_round:
            await driver.execute_query(bench["ensure_destination"], dest=DEST)
            cpu = cpu_seconds(pid)
            await driver.execute_query(bench["create_deliveries"], n=args.deliveries,
                                       dest=DEST, run=uuid.uuid4().hex[:8])
            created = cpu_seconds(pid) - cpu
            done = rounds = 0
            cpu = cpu_seconds(pid)
            while done < args.deliveries:
                claim = await repo.claim(DEST, "bench", profiles=per_round, per_profile=20,
                                         lease_ms=60_000, probe_after=5)
                if not claim or not claim.deliveries:
                    break
                outcomes = [Outcome(d["delivery_id"], True, status=204)
                            for d in claim.deliveries]
                await repo.finish(DEST, "bench", outcomes, [], 10,
                                  {"threshold": 5, "open_ms": 1000},
                                  {d["delivery_id"]: d["eid"] for d in claim.deliveries})
                done += len(outcomes)
                rounds += 1
            used = cpu_seconds(pid) - cpu
            print(f"rounds of {per_round:>4} profiles: {done:,} delivered in {rounds} rounds; "
                  f"Neo4j CPU {used / max(done, 1) * 1e6:,.0f} µs per delivery, "
                  f"{used / max(rounds, 1) * 1e3:.1f} ms per round (creating them: "
                  f"{created / args.deliveries * 1e6:,.0f} µs each)", flush=True)
            await driver.execute_query(bench["drop_deliveries"], dest=DEST)
    finally:
        await driver.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--deliveries", type=int, default=2000)
    parser.add_argument("--per-round", type=int, nargs="+", default=[10, 50, 200])
    asyncio.run(main(parser.parse_args()))
