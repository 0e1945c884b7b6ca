"""Experiment history on past days for tests of looks: shoppers created through intake,
exposures written by the repository the exposure writer uses (with the day they would have
had), clicks sent back through intake with the exposure's recommendation_id."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime

import httpx
import numpy as np
from neo4j import AsyncDriver

from app.db.database import Database
from app.experiments.experiment_repository import ExperimentRepository
from app.experiments.serving import utc_day
from tests.experiments.conftest import send, track

CHUNK = 500


@dataclass(frozen=True)
class Exposure:
    user_id: str
    variant: str
    recommendation_id: str
    day: int


def today() -> int:
    return utc_day(datetime.now(UTC))


async def shoppers(api: httpx.AsyncClient, headers: dict, prefix: str, count: int) -> list[str]:
    ids = [f"{prefix}{n}" for n in range(count)]
    for start in range(0, count, CHUNK):
        await send(api, headers, *(track(u, "Product Viewed", "i1")
                                   for u in ids[start:start + CHUNK]))
    return ids


async def expose(graph: AsyncDriver, experiment_id: str, variant: str, users: list[str],
                 day: int) -> list[Exposure]:
    """One exposure per shopper on `day` (at noon UTC), as the exposure writer records it."""
    at_ms = day * 86_400_000 + 43_200_000
    out = [Exposure(u, variant, uuid.uuid4().hex, day) for u in users]
    rows = [{"recommendation_id": x.recommendation_id, "experiment_id": experiment_id,
             "variant": variant, "strategy": "popular", "model_version": None,
             "fallback_reason": None, "items": ["i1", "i2"], "user_id": x.user_id,
             "at_ms": at_ms, "day": day, "surface": "user_recommendations"} for x in out]
    await ExperimentRepository(Database(graph, "neo4j")).write_exposures(rows)
    return out


async def click(api: httpx.AsyncClient, headers: dict, exposures: list[Exposure], rate: float,
                seed: int, *, sender: str | None = None) -> int:
    """Clicks from a share `rate` of the exposed shoppers (by the shopper themself unless
    `sender` says who sends them); returns how many were sent."""
    rng = np.random.default_rng(seed)
    chosen = [x for x in exposures if rng.random() < rate]
    messages = [track(sender or x.user_id, "Product Clicked", "i1",
                      recommendation_id=x.recommendation_id) for x in chosen]
    for start in range(0, len(messages), CHUNK):
        await send(api, headers, *messages[start:start + CHUNK])
    return len(chosen)
