"""A bandit served by two running API processes over one Neo4j: do they draw from the same
arm counts, and does /results agree on both?

Start two servers over the configured Neo4j first, with opt-out consent and an admin key:

    PROFILEGRAPH_CONSENT_DEFAULT=opt_out PROFILEGRAPH_ADMIN_API_KEY=$KEY \\
      profilegraph serve --port 8104 &   # and the same with --port 8114
    PYTHONPATH=. .venv/bin/python bench/bandit_processes.py --key $KEY

Wave 1 (served alternately by both) gets clicks on one arm only; in the next refresh period
wave 2 is served alternately, and each of its shoppers' arms is compared with the Thompson
draw from the counts stored in the graph for that period. Prints the figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
import uuid
from typing import Any

import httpx

from app.core.config import get_settings
from app.db.driver import create_driver
from app.experiments.bandit import ArmCounts, thompson_variant
from app.experiments.definition import ExperimentDefinition

REFRESH_S = 20


def _track(user: str, event: str, props: dict[str, Any]) -> dict[str, Any]:
    return {"type": "track", "messageId": uuid.uuid4().hex, "userId": user, "event": event,
            "properties": props}


async def _serve(clients: list[httpx.AsyncClient], users: list[str]) -> list[dict[str, Any]]:
    out = []
    for i, user in enumerate(users):
        r = await clients[i % len(clients)].get(f"/v1/users/{user}/recommendations")
        r.raise_for_status()
        out.append(r.json())
    return out


async def run(ports: list[int], key: str, shoppers: int) -> None:
    headers = {"Authorization": f"Bearer {key}"}
    clients = [httpx.AsyncClient(base_url=f"http://127.0.0.1:{p}", headers=headers,
                                 timeout=30) for p in ports]
    tag = uuid.uuid4().hex[:6]
    users = [f"bench-bandit-{tag}-{i}" for i in range(2 * shoppers + 1)]
    (await clients[0].post("/v1/batch", json={"batch": [
        _track(u, "Product Viewed", {"product_id": "i1"}) for u in users]})).raise_for_status()
    experiment = f"bench-bandit-{tag}"
    body = {"id": experiment, "name": "bandit over two processes", "mode": "bandit",
            "bandit": {"exploration_floor": 0.05, "refresh_s": REFRESH_S},
            "variants": [{"name": "a", "weight": 0.5, "strategy": {"kind": "popular"}},
                         {"name": "b", "weight": 0.5, "strategy": {"kind": "popular"}}]}
    (await clients[0].post("/v1/experiments", json=body)).raise_for_status()
    (await clients[-1].post(f"/v1/experiments/{experiment}/start")).raise_for_status()
    definition = ExperimentDefinition.model_validate(body)
    await asyncio.sleep(2.5)  # every process sees it running
    wave1 = await _serve(clients, users[:shoppers])
    await asyncio.sleep(3)  # the exposure writers of both processes
    clicks = [_track(w["user_id"], "Product Clicked",
                     {"product_id": "i1", "recommendation_id": w["recommendation_id"]})
              for w in wave1 if w["experiment"] and w["experiment"]["variant"] == "b"]
    (await clients[0].post("/v1/batch", json={"batch": clicks})).raise_for_status()
    await asyncio.sleep(REFRESH_S - time.time() % REFRESH_S + 0.5)  # the next period
    await _serve(clients, users[-1:] * len(clients))  # each process starts its reload
    await asyncio.sleep(2)
    started = time.time()
    wave2 = await _serve(clients, users[shoppers:2 * shoppers])
    ended = time.time()
    results = [(await c.get(f"/v1/experiments/{experiment}/results")).json() for c in clients]
    settings = get_settings()
    driver = create_driver(settings)
    try:
        records, _, _ = await driver.execute_query(
            "MATCH (x:Experiment {experiment_id: $id}) RETURN x.salt AS salt, "
            "x.bandit_bucket AS bucket, x.bandit_counts AS counts", id=experiment,
            database_=settings.neo4j_database)
    finally:
        await driver.close()
    salt, bucket = records[0]["salt"], records[0]["bucket"]
    counts = {k: ArmCounts(*v) for k, v in json.loads(records[0]["counts"]).items()}
    same = sum(w["experiment"]["variant"] == thompson_variant(
        definition, salt, w["user_id"], counts, bucket) for w in wave2)
    one_period = int(started // REFRESH_S) == int(ended // REFRESH_S) == bucket
    print(f"wave 1: {shoppers} lists over ports {ports}, clicks on arm b: {len(clicks)}")
    print(f"counts stored for period {bucket}: {counts}")
    print(f"wave 2 (one refresh period: {one_period}): arms equal to the shared counts' draw "
          f"{same}/{shoppers}")
    for port, res in zip(ports, results, strict=True):
        print(f"  /results on {port}: allocation "
              f"{ {v['name']: v['allocation'] for v in res['variants']} }, counts as of "
              f"{res['bandit']['counts_as_of']}")
    (await clients[0].post(f"/v1/experiments/{experiment}/stop")).raise_for_status()
    for c in clients:
        await c.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ports", type=int, nargs="+", default=[8104, 8114])
    parser.add_argument("--key", required=True, help="an API key with the admin scope")
    parser.add_argument("--shoppers", type=int, default=60)
    args = parser.parse_args()
    asyncio.run(run(args.ports, args.key, args.shoppers))


if __name__ == "__main__":
    main()
