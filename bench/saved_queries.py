"""The analyst's saved queries (cypher/analytics/) on the store the settings point at: for
each, the database hits of one PROFILE, the rows and the wall time of several runs.

Load a store first (`profilegraph demo-data --users 12000`), then:

    .venv/bin/python bench/saved_queries.py [--runs 6] [--only NAME] [--compare NAME=FILE]

`--compare funnel_view_cart_purchase=/tmp/old.cypher` also times another text of a query
(e.g. `git show <commit>:cypher/analytics/<name>.cypher`), in turn with the current one so
that a change in the machine's load falls on both. Not a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path
from typing import Any

from neo4j import GraphDatabase

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.analyst.analyst_service import load_saved
from app.core.config import get_settings


def _hits(plan: dict[str, Any]) -> int:
    return plan.get("dbHits", 0) + sum(_hits(c) for c in plan.get("children", []))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=6)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--compare", action="append", default=[], metavar="NAME=FILE")
    args = parser.parse_args()
    settings = get_settings()
    texts: dict[str, tuple[str, dict[str, Any]]] = {}
    for name, saved in load_saved().items():
        if not args.only or name in args.only:
            texts[name] = (saved.text, saved.params)
    for spec in args.compare:
        name, path = spec.split("=", 1)
        texts[f"{name} ({path})"] = (Path(path).read_text(), load_saved()[name].params)
    times: dict[str, list[float]] = {name: [] for name in texts}
    with GraphDatabase.driver(settings.neo4j_uri, auth=settings.neo4j_auth) as driver:
        users = driver.execute_query("MATCH (u:User) RETURN count(u) AS n").records[0]["n"]
        events = driver.execute_query("MATCH (e:Event) RETURN count(e) AS n").records[0]["n"]
        print(f"store: {users:,} profiles, {events:,} events")
        hits, rows = {}, {}
        for name, (text, params) in texts.items():
            result = driver.execute_query("PROFILE " + text, params)
            hits[name], rows[name] = _hits(result.summary.profile), len(result.records)
        for _ in range(args.runs):
            for name, (text, params) in texts.items():
                start = time.perf_counter()
                driver.execute_query(text, params)
                times[name].append(time.perf_counter() - start)
    print(f"{'query':<60} {'db hits':>10} {'rows':>6} {'p50 ms':>8} {'min ms':>8}")
    for name in texts:
        print(f"{name:<60} {hits[name]:>10,} {rows[name]:>6} "
              f"{statistics.median(times[name]) * 1000:>8.0f} {min(times[name]) * 1000:>8.0f}")


if __name__ == "__main__":
    main()
