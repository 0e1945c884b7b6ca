"""Deterministic assignment: a hash of (experiment salt, resolved profile id).

The same shopper gets the same variant on every request, in every process, without any
shared state; the variant is also recorded in the graph on first exposure, and the recorded
one wins afterwards (so identify/alias merges, which change the resolved id, keep it).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence

from app.experiments.definition import ExperimentDefinition

_SCALE = float(1 << 64)


def unit_hash(salt: str, user_id: str, purpose: str = "variant") -> float:
    """A uniform number in [0, 1) from the first 64 bits of SHA-256."""
    digest = hashlib.sha256(f"{salt}\x1f{purpose}\x1f{user_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big") / _SCALE


def pick_by_weight(weights: Sequence[float], u: float) -> int:
    """The index whose cumulative-weight interval holds u (weights add up to 1)."""
    acc = 0.0
    for index, weight in enumerate(weights):
        acc += weight
        if u < acc:
            return index
    return len(weights) - 1  # rounding: the last interval is closed at 1


def in_traffic(definition: ExperimentDefinition, salt: str, user_id: str) -> bool:
    """Whether the shopper is in the enrolled share; independent of the variant hash."""
    return definition.traffic >= 1.0 or unit_hash(salt, user_id, "traffic") < definition.traffic


def hashed_variant(definition: ExperimentDefinition, salt: str, user_id: str) -> str:
    index = pick_by_weight([v.weight for v in definition.variants], unit_hash(salt, user_id))
    return definition.variants[index].name
