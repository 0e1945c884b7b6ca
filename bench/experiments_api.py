"""The API half of bench/experiments_sim.py: the simulated storefront end to end.

Shoppers of the generative model get lists from GET /v1/users/{id}/recommendations, click
with the model's probabilities and send Product Clicked with the list's recommendation_id
(and sometimes Order Completed) through POST /v1/batch; the results come from
GET /v1/experiments/{id}/results. One fixed A/B experiment (popularity control vs the model
variant, whose artifact holds the model's vectors) and one bandit experiment.
"""

from __future__ import annotations

import logging
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import numpy as np

os.environ.setdefault("PROFILEGRAPH_ADMIN_API_KEY", "bench-admin-key-0123456789")

import experiments_model as model

from app.core.config import get_settings
from app.db.driver import create_driver
from app.db.queries import CypherCatalog
from app.main import create_app
from bench import _harness as harness
from recmodel.artifact import set_current, write_artifact

PREFIX = "expsim-"
bench_queries = CypherCatalog(Path(__file__).resolve().parent / "cypher")


def _track(user: str, name: str, item: str, **props: Any) -> dict[str, Any]:
    return {"type": "track", "messageId": uuid.uuid4().hex, "userId": user, "event": name,
            "properties": {"product_id": item, "price": 20.0, "category": "c" + item[-2:],
                           **props}}


async def _send(client: httpx.AsyncClient, headers: dict, batch: list[dict]) -> None:
    for start in range(0, len(batch), 500):
        r = await client.post("/v1/batch", json={"batch": batch[start:start + 500]},
                              headers=headers)
        r.raise_for_status()


async def _experiment(client: httpx.AsyncClient, headers: dict, experiment_id: str,
                      **extra: Any) -> None:
    body = {"id": experiment_id, "name": experiment_id, "minimum_detectable_effect": 0.18,
            "variants": [{"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
                         {"name": "gnn", "weight": 0.5, "strategy": {"kind": "model"}}],
            **extra}
    (await client.post("/v1/experiments", json=body, headers=headers)).raise_for_status()
    (await client.post(f"/v1/experiments/{experiment_id}/start",
                       headers=headers)).raise_for_status()


async def _serve(client: httpx.AsyncClient, headers: dict, store: model.Storefront,
                 item_ids: list[str], users: list[str], taste: np.ndarray,
                 rng: np.random.Generator, visits: np.ndarray) -> dict[str, list[float]]:
    """Every visit: a list, clicks drawn from the model, events back. Returns per variant
    [exposures, expected clicks, clicks sent]."""
    index = {item: i for i, item in enumerate(item_ids)}
    tally: dict[str, list[float]] = {}
    events: list[dict] = []
    for user, t, n in zip(users, taste, visits, strict=True):
        for _ in range(int(n)):
            r = await client.get(f"/v1/users/{user}/recommendations",
                                 params={"limit": model.LIST}, headers=headers)
            r.raise_for_status()
            body = r.json()
            shown = np.array([[index[i["item_id"]] for i in body["items"]]])
            probs = store.click_probs(t[None, :], shown)[0]
            variant = (body["experiment"] or {}).get("variant", "not enrolled")
            row = tally.setdefault(variant, [0, 0.0, 0])
            row[0] += 1
            row[1] += float(1 - np.prod(1 - probs))
            clicked = np.flatnonzero(rng.random(len(probs)) < probs)
            if len(clicked):
                row[2] += 1
                item = body["items"][int(clicked[0])]["item_id"]
                rid = body["recommendation_id"]
                events.append(_track(user, "Product Clicked", item, recommendation_id=rid))
                if rng.random() < 0.2:
                    events.append(_track(user, "Order Completed", item, recommendation_id=rid,
                                         revenue=20.0, products=[{"product_id": item,
                                                                  "quantity": 1}]))
    await _send(client, headers, events)
    return tally


def _print_results(body: dict, tally: dict[str, list[float]]) -> None:
    print(f"  results of {body['experiment_id']} ({body['mode']}):")
    for v in body["variants"]:
        sent = tally.get(v["name"], [0, 0.0, 0])
        ctr = v["ctr"]
        print(f"    {v['name']:<8} ({v['strategy']['kind']}): exposures {v['exposures']} "
              f"(served {sent[0]}), shoppers {v['shoppers']}, clicked exposures "
              f"{v['clicks']} (sent {sent[2]}), CTR {ctr['value'] or 0:.4f} "
              f"[{ctr['ci'][0] or 0:.4f}, {ctr['ci'][1] or 0:.4f}] vs the model's expected "
              f"{sent[1] / max(sent[0], 1):.4f}; conversions {v['conversions']}, revenue "
              f"{v['revenue']:.0f}; share of new shoppers now {v['allocation']:.3f} "
              f"(declared {v['weight']})")
    for c in body["comparisons"]:
        if c["primary"]:
            print(f"    {c['variant']} vs control: lift {c['relative_lift'] or 0:+.1%}, "
                  f"P(beat control) {c['probability_to_beat_control'] or 0:.3f}, "
                  f"fixed-horizon p {c['p_value_fixed_horizon'] or 1:.3g}, "
                  f"verdict {c['verdict']}")
    if body["sample_ratio_mismatch"]:
        srm = body["sample_ratio_mismatch"]
        print(f"    SRM p {srm['p_value']:.3g} (flagged: {srm['flagged']}); needed per "
              f"variant {body['sample_size']['required_per_variant']}")


async def api_run(shoppers: int, seed: int) -> None:
    started = time.perf_counter()
    rng = np.random.default_rng(seed + 1000)
    store = model.storefront(np.random.default_rng(seed))  # the same catalogue as in memory
    taste, taste_hat = model.shoppers(rng, shoppers)
    users = [f"{PREFIX}u{i}" for i in range(shoppers)]
    item_ids = [f"{PREFIX}item{j:03d}" for j in range(model.ITEMS)]
    work = Path(tempfile.mkdtemp(prefix="expsim-"))
    base = get_settings()
    settings = base.model_copy(update={
        "artifacts_dir": work / "artifacts", "exposure_journal_dir": work / "journal",
        "consent_default": "opt_out", "log_level": "WARNING"})
    user_vec, item_vec = store.model_vectors(taste_hat)
    version = write_artifact(settings.artifacts_dir, user_vec, item_vec, users, item_ids,
                             {"metrics": {"val": {"recall@20": 0.1}}})
    set_current(settings.artifacts_dir, version.name)
    driver = create_driver(settings)
    try:
        await harness.migrate(driver)
        for name in ("delete_sim_users", "delete_sim_experiments"):
            await driver.execute_query(bench_queries[name], prefix=PREFIX,
                                       database_=settings.neo4j_database)
    finally:
        await driver.close()
    app = create_app(settings)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    headers = {"Authorization": f"Bearer {settings.admin_api_key.get_secret_value()}"}
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://sim",
                                     timeout=60) as client:
            # Popularity follows appeal: the ten most appealing items get 12, 11, ... buyers.
            ranked = np.argsort(-store.appeal, kind="stable")
            seed_events = [_track(f"{PREFIX}seed{b}", "Order Completed", item_ids[j],
                                  products=[{"product_id": item_ids[j], "quantity": 1}])
                           for r, j in enumerate(ranked[:10]) for b in range(12 - r)]
            # Every shopper exists (one view of the least appealing item, never listed).
            seed_events += [_track(u, "Product Viewed", item_ids[ranked[-1]]) for u in users]
            await _send(client, headers, seed_events)
            fixed = f"{PREFIX}ab-{uuid.uuid4().hex[:6]}"
            await _experiment(client, headers, fixed)
            visits = 1 + rng.poisson(1.0, shoppers)
            tally = await _serve(client, headers, store, item_ids, users, taste, rng, visits)
            parts = app.state.services.experiments
            await parts.exposures.flush()
            await parts.attribution.drain()
            body = (await client.get(f"/v1/experiments/{fixed}/results",
                                     headers=headers)).json()
            _print_results(body, tally)
            (await client.post(f"/v1/experiments/{fixed}/stop", headers=headers)
             ).raise_for_status()
            bandit = f"{PREFIX}bandit-{uuid.uuid4().hex[:6]}"
            await _experiment(client, headers, bandit, mode="bandit",
                              bandit={"exploration_floor": 0.1})
            tally = await _serve(client, headers, store, item_ids, users, taste, rng,
                                 np.ones(shoppers, dtype=int))
            await parts.exposures.flush()
            body = (await client.get(f"/v1/experiments/{bandit}/results",
                                     headers=headers)).json()
            _print_results(body, tally)
            (await client.post(f"/v1/experiments/{bandit}/stop", headers=headers)
             ).raise_for_status()
            served = [line for line in (await client.get("/metrics")).text.splitlines()
                      if line.startswith("profilegraph_recommendations_served_total{")]
            print("  /metrics: " + "; ".join(served))
    print(f"  API path: {shoppers} shoppers, {int(visits.sum()) + shoppers} lists "
          f"[{time.perf_counter() - started:.0f} s]")
