"""Validation of experiments by simulation: prints figures.

    PYTHONPATH=. .venv/bin/python bench/experiments_sim.py [--aa 1000] [--power 500]
        [--srm 500] [--api-shoppers 300] [--skip-api] [--seed 1]

The storefront is the generative model of bench/experiments_model.py (GNN-live vs the
popularity control). In memory, with the same functions the results endpoint uses:
- A/A: identical variants, read at the end of every day with the group-sequential test until
  a boundary is crossed or the planned sample is reached: the false-positive rate (and, side
  by side, what reading the fixed-horizon p-value daily would give);
- power: GNN vs popularity with the minimum detectable effect set to the true lift: how
  often the lift is detected, stopping at the sample size the endpoint computes it needs;
- SRM: a 52/48 split declared 50/50, at 20,000 exposures (one per shopper).
Through the real API and Neo4j (the configured PROFILEGRAPH_* server, migrated; only data
prefixed `expsim-` is written and removed): one fixed A/B experiment (popularity and model
variants) and one bandit, with clicks sent back as Segment events carrying the
recommendation_id, then the results endpoint read.
"""

from __future__ import annotations

import argparse
import asyncio
import math
import sys
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

import experiments_model as model

from app.experiments import sequential
from app.experiments.definition import ExperimentDefinition
from app.experiments.plan import MIN_SHOPPERS, required_per_variant
from app.experiments.results import build_results
from app.experiments.statistics import compare, ratio_estimate

ALPHA = 0.05
LOOKS = 14


def plan(mde: float) -> ExperimentDefinition:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    return ExperimentDefinition.model_validate({
        "id": "sim", "name": "sim", "minimum_detectable_effect": mde,
        "start": start.isoformat(), "stop": (start + timedelta(days=LOOKS)).isoformat(),
        "variants": [{"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
                     {"name": "gnn", "weight": 0.5, "strategy": {"kind": "model"}}]})


def draw(rng: np.random.Generator, p: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """n shoppers from the population: (exposures, clicked exposures) per shopper."""
    exposures = 1 + rng.poisson(1.0, n)
    return exposures.astype(float), rng.binomial(exposures, p[rng.integers(len(p), size=n)]
                                                 ).astype(float)


@dataclass
class Outcome:
    rejected: bool
    direction: int
    days: int
    planned: int | None
    naive_rejected: bool  # the fixed-horizon p-value read daily


def run_experiment(rng: np.random.Generator, p_control: np.ndarray, p_treatment: np.ndarray,
                   daily: int, definition: ExperimentDefinition, max_days: int = 40) -> Outcome:
    """Daily looks exactly as GET /results takes them: every completed day's z, information
    fractions over the sample size frozen at the first look with enough data (the control's
    data up to that day)."""
    cx, cy, tx, ty = [], [], [], []
    zs: list[float] = []
    counts: list[int] = []
    naive = False
    planned: int | None = None
    first = 0
    for day in range(1, max_days + 1):
        n = rng.poisson(daily)
        treated = int(rng.binomial(n, 0.5))
        for xs, ys, p, k in ((cx, cy, p_control, n - treated), (tx, ty, p_treatment, treated)):
            x, y = draw(rng, p, k)
            xs.append(x)
            ys.append(y)
        c = ratio_estimate(np.concatenate(cx), np.concatenate(cy))
        t = ratio_estimate(np.concatenate(tx), np.concatenate(ty))
        cmp = compare(c, t, ALPHA)
        zs.append(cmp.z)
        counts.append(min(c.shoppers, t.shoppers))
        if counts[-1] < MIN_SHOPPERS:
            continue
        naive = naive or cmp.p_value < ALPHA
        if planned is None:
            _, planned = required_per_variant(c, definition, ALPHA)
            first = len(counts) - 1  # looks start at the day the plan froze
        if planned is None:
            continue
        looks, crossed = sequential.read([n_ / planned for n_ in counts[first:]], zs[first:],
                                         ALPHA)
        if crossed is not None:
            return Outcome(True, int(np.sign(looks[crossed].z)), day, planned, naive)
        if looks and looks[-1].t >= 1:
            return Outcome(False, 0, day, planned, naive)
    return Outcome(False, 0, max_days, planned, naive)


def traffic_for(rng: np.random.Generator, p: np.ndarray, definition: ExperimentDefinition) -> int:
    """Shoppers per day so that the planned sample is reached in about ten days."""
    x, y = draw(rng, p, 100_000)
    control = ratio_estimate(x, y)
    _, planned = required_per_variant(control, definition, ALPHA)
    assert planned is not None
    return math.ceil(2 * planned / 10)


def in_memory(args: argparse.Namespace) -> None:
    rng = np.random.default_rng(args.seed)
    store = model.storefront(rng)
    pop = model.population(store, rng)
    lift = pop.true_lift
    definition = plan(lift)
    daily = traffic_for(rng, pop.p_popular, definition)
    print(f"storefront: CTR popularity {pop.p_popular.mean():.4f}, GNN-live "
          f"{pop.p_model.mean():.4f}, true lift {lift:+.1%}; {daily} shoppers/day, "
          f"{LOOKS} planned daily looks, alpha {ALPHA}")
    if args.aa:
        a_a(args, rng, pop, daily, definition)
    if args.power:
        power_of(args, rng, pop, daily, definition)
    if args.srm:
        srm(rng, args.srm)


def a_a(args: argparse.Namespace, rng: np.random.Generator, pop: model.Population, daily: int,
        definition: ExperimentDefinition) -> None:
    started = time.perf_counter()
    aa = [run_experiment(rng, pop.p_popular, pop.p_popular, daily, definition)
          for _ in range(args.aa)]
    fpr = np.mean([o.rejected for o in aa])
    naive = np.mean([o.naive_rejected for o in aa])
    se = math.sqrt(fpr * (1 - fpr) / len(aa))
    print(f"A/A ({len(aa)} experiments, daily looks): false-positive rate "
          f"{fpr:.4f} (+/- {1.96 * se:.4f}) with the group-sequential test; "
          f"{naive:.4f} reading the fixed-horizon p-value daily "
          f"(ratio {naive / max(fpr, 1e-9):.1f}x); target 0.03-0.07 "
          f"[{time.perf_counter() - started:.0f} s]")


def power_of(args: argparse.Namespace, rng: np.random.Generator, pop: model.Population,
             daily: int, definition: ExperimentDefinition) -> None:
    lift = pop.true_lift
    started = time.perf_counter()
    ab = [run_experiment(rng, pop.p_popular, pop.p_model, daily, definition)
          for _ in range(args.power)]
    power = np.mean([o.rejected and o.direction > 0 for o in ab])
    needed = int(np.median([o.planned for o in ab if o.planned]))
    stopped = [o.days for o in ab]
    se = math.sqrt(power * (1 - power) / len(ab))
    print(f"power GNN-live vs popularity ({len(ab)} experiments, MDE = true lift "
          f"{lift:+.1%}): detected {power:.4f} (+/- {1.96 * se:.4f}); endpoint's required "
          f"sample {needed} shoppers per variant (median); median stop on day "
          f"{int(np.median(stopped))} of ~10 planned; target >= 0.8 "
          f"[{time.perf_counter() - started:.0f} s]")


def srm(rng: np.random.Generator, runs: int) -> None:
    definition = plan(0.1)
    flagged = {0.52: 0, 0.50: 0}
    for share in flagged:
        for _ in range(runs):
            a = int(rng.binomial(20_000, share))
            rows = _one_row_per_shopper("control", a) + _one_row_per_shopper("gnn", 20_000 - a)
            body = build_results(definition, rows, [])
            flagged[share] += body["sample_ratio_mismatch"]["flagged"]
    print(f"SRM at 20,000 exposures ({runs} runs each, through the results builder): "
          f"52/48 flagged {flagged[0.52] / runs:.3f}; honest 50/50 flagged "
          f"{flagged[0.50] / runs:.3f} (threshold p < 0.001)")


def _one_row_per_shopper(variant: str, n: int) -> list[dict]:
    return [{"variant": variant, "shopper": f"{variant}{i}", "day": 0, "exposures": 1,
             "clicks": 0, "adds": 0, "conversions": 0, "revenue": 0.0} for i in range(n)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--aa", type=int, default=1000)
    parser.add_argument("--power", type=int, default=500)
    parser.add_argument("--srm", type=int, default=200)
    parser.add_argument("--api-shoppers", type=int, default=300)
    parser.add_argument("--skip-api", action="store_true")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    in_memory(args)
    if not args.skip_api:
        from experiments_api import api_run

        asyncio.run(api_run(args.api_shoppers, args.seed))


if __name__ == "__main__":
    main()
