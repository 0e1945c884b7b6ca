"""Warm scores change no answer: every customer of bench/serve_wrk.py's state asked twice in a
process that keeps scored pools (the second answer from the kept pool) and once in a process
that keeps none; prints how many lists differ (items, reasons, scores to 1e-6, titles).
Prints figures; not a test. Run after serve_wrk.py has set its state up, with the same
PROFILEGRAPH_NEO4J_* variables:

    PYTHONPATH=. .venv/bin/python bench/warm_exactness.py [--query "limit=20"]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
STATE = ROOT / ".cache" / "bench-serve-wrk"


async def _lists(rounds: int, query: str) -> dict[str, list]:
    import httpx

    from app.main import create_app

    ids = json.loads((STATE / "ids.json").read_text())
    headers = {"Authorization": f"Bearer {(STATE / 'read-key').read_text().strip()}"}
    app = create_app()
    answers: dict[str, list] = {}
    async with app.router.lifespan_context(app), httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://bench") as client:
        for _ in range(rounds):
            for id_ in ids:
                r = await client.get(f"/v1/users/{id_}/recommendations?{query}",
                                     headers=headers)
                r.raise_for_status()
                body = r.json()
                answers[id_] = [body["strategy"], [
                    [i["item_id"], i["reason"], round(i["score"], 6), i["title"]]
                    for i in body["items"]]]
    return answers


def _child(warm: bool, query: str) -> dict[str, list]:
    env = {**os.environ, "PROFILEGRAPH_RECS_WARM_SCORES": "4096" if warm else "0",
           "PROFILEGRAPH_ARTIFACTS_DIR": str(STATE / "artifacts"),
           "PROFILEGRAPH_EXPOSURE_JOURNAL_DIR": str(STATE / "journal"),
           "PROFILEGRAPH_MODEL_REFRESH_INTERVAL_S": "0", "PYTHONPATH": str(ROOT)}
    out = subprocess.run([sys.executable, __file__, "--child", "warm" if warm else "cold",
                          "--query", query], env=env, cwd=ROOT, check=True,
                         stdout=subprocess.PIPE, text=True, stderr=subprocess.DEVNULL)
    return json.loads(out.stdout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--query", default="limit=20")
    parser.add_argument("--child", choices=["warm", "cold"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(_lists(2 if args.child == "warm" else 1, args.query))))
        return
    warm, cold = _child(True, args.query), _child(False, args.query)
    differ = [i for i in cold if warm.get(i) != cold[i]]
    strategies: dict[str, int] = {}
    for strategy, _ in cold.values():
        strategies[strategy] = strategies.get(strategy, 0) + 1
    print(json.dumps({"query": args.query, "customers": len(cold), "differ": len(differ),
                      "strategies": strategies, "first_differing": differ[:5]}))


if __name__ == "__main__":
    main()
