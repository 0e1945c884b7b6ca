"""A small storefront sent through the real intake, plus hand-made model artifacts."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

from app.core.config import Settings
from recmodel.artifact import set_current, write_artifact

ITEMS = {  # item_id -> (title, category)
    "i1": ("Red mug", "kitchen"), "i2": ("Blue mug", "kitchen"), "i3": ("Teapot", "kitchen"),
    "i4": ("Lamp", "home"), "i5": ("Rug", "home"), "i6": ("Novel", "books"),
}
CONSENT_ALL = {"analytics": True, "personalization": True, "marketing": False}
CONSENT_NO_PERSONALIZATION = {"analytics": True, "personalization": False, "marketing": False}


def _ts(days_ago: float) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).isoformat()


def event(user_id: str, name: str, item_id: str, days_ago: float = 1) -> dict[str, Any]:
    title, category = ITEMS[item_id]
    props: dict[str, Any] = {"product_id": item_id, "name": title, "category": category,
                             "price": 10.0}
    if name == "Order Completed":
        props = {"order_id": str(uuid.uuid4()), "revenue": 10.0,
                 "products": [{**props, "quantity": 1}]}
    return {"type": "track", "messageId": str(uuid.uuid4()), "userId": user_id, "event": name,
            "properties": props, "timestamp": _ts(days_ago)}


async def send(client: httpx.AsyncClient, headers: dict[str, str], batch: list[dict]) -> None:
    response = await client.post("/v1/batch", json={"batch": batch}, headers=headers)
    assert response.status_code == 200, response.text


@pytest.fixture
async def storefront(client: httpx.AsyncClient, admin_headers: dict[str, str]) -> None:
    """alice: consented, in the model. bob: no personalization consent. carol: consented, cold.
    Popularity: i4 > i5 > i6 > i1 ..."""
    for user, consent in (("alice", CONSENT_ALL), ("bob", CONSENT_NO_PERSONALIZATION),
                          ("carol", CONSENT_ALL)):
        r = await client.put(f"/v1/users/{user}/consent", json={"purposes": consent},
                             headers=admin_headers)
        assert r.status_code == 200, r.text
    for shopper in ("s1", "s2", "s3", "s4"):
        r = await client.put(f"/v1/users/{shopper}/consent", json={"purposes": CONSENT_ALL},
                             headers=admin_headers)
        assert r.status_code == 200, r.text
    batch = [
        event("alice", "Product Viewed", "i1"), event("alice", "Order Completed", "i2"),
        event("bob", "Order Completed", "i4"), event("bob", "Product Viewed", "i5"),
        event("carol", "Order Completed", "i4"),
        *(event(s, "Order Completed", "i4") for s in ("s1", "s2", "s3")),
        *(event(s, "Product Added", "i5") for s in ("s1", "s2", "s3")),
        *(event(s, "Product Viewed", "i6") for s in ("s1", "s2")),
        event("s4", "Product Viewed", "i1"), event("s4", "Product Viewed", "i3"),
    ]
    await send(client, admin_headers, batch)


def model_vectors(favourite: str) -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    """alice's vector points at `favourite`; item vectors are near one-hot."""
    item_ids = list(ITEMS)
    item_emb = np.eye(len(item_ids), dtype=np.float32) + 0.01
    item_emb[item_ids.index("i2")] += 0.5 * item_emb[item_ids.index("i3")]  # i3 ~ i2
    user_ids = ["alice", "bob", "s1"]
    user_emb = np.zeros((3, len(item_ids)), dtype=np.float32)
    user_emb[0] = 0.1
    user_emb[0, item_ids.index(favourite)] = 1.0
    user_emb[0, item_ids.index("i1")] = 0.9  # seen: excluded unless exclude_seen=false
    user_emb[0, item_ids.index("i2")] = 0.95  # bought: always excluded
    user_emb[1, item_ids.index("i6")] = 1.0
    user_emb[2] = 0.5
    return user_emb, item_emb, user_ids, item_ids


def publish(artifacts: Path, favourite: str, recall: float) -> str:
    user_emb, item_emb, user_ids, item_ids = model_vectors(favourite)
    path = write_artifact(artifacts, user_emb, item_emb, user_ids, item_ids,
                          {"metrics": {"val": {"recall@20": recall}}})
    set_current(artifacts, path.name)
    return path.name


@pytest.fixture
def artifacts(tmp_path: Path, settings: Settings) -> AsyncIterator[Path]:
    previous = settings.artifacts_dir, settings.model_poll_interval_s
    settings.artifacts_dir = tmp_path / "artifacts"
    settings.model_poll_interval_s = 0.05
    yield settings.artifacts_dir
    settings.artifacts_dir, settings.model_poll_interval_s = previous


REFRESH = ("model_refresh_interval_s", "model_refresh_min_new_events",
           "model_refresh_min_new_items", "model_refresh_cooldown_s",
           "model_refresh_full_interval_s")


@pytest.fixture
def refresh_on(settings: Settings) -> Iterator[Settings]:
    """The model refresh on (checks every 0.2 s in a served app), building after 5 new
    events, no cooldown, quick builds only. Request it before `client`/`services`."""
    previous = [getattr(settings, n) for n in REFRESH]
    for name, value in zip(REFRESH, (0.2, 5, 1000, 0.0, 0.0), strict=True):
        setattr(settings, name, value)
    yield settings
    for name, value in zip(REFRESH, previous, strict=True):
        setattr(settings, name, value)
