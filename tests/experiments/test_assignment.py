"""Assignment and bandit rules (pure functions)."""

from __future__ import annotations

from collections import Counter

from app.experiments.assignment import hashed_variant, in_traffic, unit_hash
from app.experiments.bandit import ArmCounts, allocation, thompson_variant
from app.experiments.definition import ExperimentDefinition


def _definition(**overrides) -> ExperimentDefinition:
    body = {"id": "x", "name": "x", "variants": [
        {"name": "a", "weight": 0.2, "strategy": {"kind": "popular"}},
        {"name": "b", "weight": 0.8, "strategy": {"kind": "model"}}]}
    body.update(overrides)
    return ExperimentDefinition.model_validate(body)


def test_hash_is_deterministic_and_salted() -> None:
    assert unit_hash("s1", "u1") == unit_hash("s1", "u1")
    assert unit_hash("s1", "u1") != unit_hash("s2", "u1")
    assert 0 <= unit_hash("s1", "u1") < 1


def test_split_follows_the_weights() -> None:
    d = _definition()
    counts = Counter(hashed_variant(d, "salt", f"user-{i}") for i in range(20_000))
    assert abs(counts["a"] / 20_000 - 0.2) < 0.01
    assert all(hashed_variant(d, "salt", f"user-{i}") == hashed_variant(d, "salt", f"user-{i}")
               for i in range(100))


def test_traffic_share_is_independent_of_the_variant() -> None:
    d = _definition(traffic=0.3)
    inside = [f"u{i}" for i in range(20_000) if in_traffic(d, "salt", f"u{i}")]
    assert abs(len(inside) / 20_000 - 0.3) < 0.01
    share_a = sum(hashed_variant(d, "salt", u) == "a" for u in inside) / len(inside)
    assert abs(share_a - 0.2) < 0.015


def test_thompson_favours_the_better_arm_but_keeps_the_floor() -> None:
    d = _definition(mode="bandit", bandit={"exploration_floor": 0.1})
    counts = {"a": ArmCounts(5000, 250), "b": ArmCounts(5000, 500)}
    picks = Counter(thompson_variant(d, "salt", f"u{i}", counts, 1) for i in range(10_000))
    assert picks["b"] / 10_000 > 0.85
    assert picks["a"] / 10_000 >= 0.09  # the stated floor: 0.1 per arm
    shares = allocation(d, counts)
    assert abs(shares["a"] - 0.1) < 0.01
    assert thompson_variant(d, "salt", "u1", counts, 1) == thompson_variant(d, "salt", "u1",
                                                                            counts, 1)


def test_thompson_without_data_splits_evenly() -> None:
    d = _definition(mode="bandit")
    picks = Counter(thompson_variant(d, "salt", f"u{i}", {}, 0) for i in range(10_000))
    assert abs(picks["a"] / 10_000 - 0.5) < 0.03
