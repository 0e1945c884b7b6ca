"""Thompson sampling over variants, deterministic per shopper.

Each variant's primary metric has a Beta posterior (clicked or converted exposures over
exposures, uniform prior). A new shopper draws from the posteriors with a generator seeded by
hash(salt, profile id, snapshot), so every process holding the same snapshot gives the same
shopper the same arm. Exploration kept: with probability `exploration_floor * arms` the arm is
chosen uniformly instead, so every arm keeps at least `exploration_floor` of new shoppers.
Revenue per exposure uses conversion as its Bernoulli proxy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from app.experiments.assignment import unit_hash
from app.experiments.definition import ExperimentDefinition


@dataclass(frozen=True)
class ArmCounts:
    trials: int
    successes: int


def thompson_variant(definition: ExperimentDefinition, salt: str, user_id: str,
                     counts: Mapping[str, ArmCounts], snapshot: int) -> str:
    names = [v.name for v in definition.variants]
    floor = definition.bandit_settings.exploration_floor
    explore = unit_hash(salt, user_id, "explore")
    if explore < floor * len(names):
        return names[min(int(explore / floor), len(names) - 1)] if floor > 0 else names[0]
    seed = int(unit_hash(salt, user_id, f"thompson:{snapshot}") * 2**63)
    rng = np.random.default_rng(seed)
    draws = []
    for name in names:
        arm = counts.get(name, ArmCounts(0, 0))
        successes = min(arm.successes, arm.trials)
        draws.append(rng.beta(1 + successes, 1 + arm.trials - successes))
    return names[int(np.argmax(draws))]


def allocation(definition: ExperimentDefinition, counts: Mapping[str, ArmCounts],
               draws: int = 4000, seed: int = 0) -> dict[str, float]:
    """The share of new shoppers each arm gets now (Monte Carlo over the posteriors)."""
    names = [v.name for v in definition.variants]
    floor = definition.bandit_settings.exploration_floor
    rng = np.random.default_rng(seed)
    samples = np.stack([
        rng.beta(1 + counts.get(n, ArmCounts(0, 0)).successes,
                 1 + max(0, counts.get(n, ArmCounts(0, 0)).trials
                         - counts.get(n, ArmCounts(0, 0)).successes), size=draws)
        for n in names])
    wins = np.bincount(np.argmax(samples, axis=0), minlength=len(names)) / draws
    explore = floor * len(names)
    return {n: float(floor + (1 - explore) * w) for n, w in zip(names, wins, strict=True)}
