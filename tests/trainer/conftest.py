"""Fixtures for trainer tests: a tiny generated dataset, and the shared real data when present."""

from __future__ import annotations

import pytest

from trainer.data import Interactions, synthetic


@pytest.fixture
def tiny() -> Interactions:
    return synthetic(n_users=60, n_items=40, n_groups=4, per_user=6, seed=0)
