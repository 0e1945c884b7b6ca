"""Fixtures for experiment tests: the app with its own exposure journal, a small catalogue
of shoppers, and helpers to define, start and read experiments over the API."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from neo4j import AsyncDriver

from app.core.config import Settings
from app.main import create_app

ITEMS = [f"i{n}" for n in range(1, 9)]


@pytest.fixture
def exp_settings(settings: Settings, tmp_path: Path) -> Settings:
    """Opt-out consent (stated denials still count) and a journal of this test's own."""
    return settings.model_copy(update={"consent_default": "opt_out",
                                       "exposure_journal_dir": tmp_path / "journal"})


@pytest.fixture
async def exp_app(graph: AsyncDriver, exp_settings: Settings) -> AsyncIterator[FastAPI]:
    app = create_app(exp_settings)
    async with app.router.lifespan_context(app):
        yield app


@pytest.fixture
async def api(exp_app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=exp_app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as c:
        yield c


def track(user: str | None, name: str, item: str, *, anonymous: str | None = None,
          recommendation_id: str | None = None, revenue: float | None = None,
          timestamp: str | None = None) -> dict[str, Any]:
    props: dict[str, Any] = {"product_id": item, "name": f"Item {item}", "price": 10.0,
                             "category": "c" + item[-1]}
    if name == "Order Completed":
        props = {"order_id": uuid.uuid4().hex, "products": [{**props, "quantity": 1}]}
        if revenue is not None:
            props["revenue"] = revenue
    if recommendation_id is not None:
        props["recommendation_id"] = recommendation_id
    message: dict[str, Any] = {"type": "track", "messageId": uuid.uuid4().hex, "event": name,
                               "properties": props}
    if user is not None:
        message["userId"] = user
    if anonymous is not None:
        message["anonymousId"] = anonymous
    if timestamp is not None:
        message["timestamp"] = timestamp
    return message


async def send(api: httpx.AsyncClient, headers: dict[str, str], *messages: dict) -> None:
    r = await api.post("/v1/batch", json={"batch": list(messages)}, headers=headers)
    assert r.status_code == 200, r.text


def definition(experiment_id: str = "recs-ab", **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": experiment_id, "name": "GNN vs popularity",
        "variants": [
            {"name": "control", "weight": 0.5, "strategy": {"kind": "popular"}},
            {"name": "gnn", "weight": 0.5, "strategy": {"kind": "model"}},
        ],
        "primary_metric": "ctr", "guardrail_metrics": ["revenue_per_exposure"],
    }
    body.update(overrides)
    return body


async def start(api: httpx.AsyncClient, headers: dict[str, str],
                body: dict[str, Any]) -> None:
    r = await api.post("/v1/experiments", json=body, headers=headers)
    assert r.status_code == 201, r.text
    r = await api.post(f"/v1/experiments/{body['id']}/start", headers=headers)
    assert r.status_code == 200, r.text


async def recommend(api: httpx.AsyncClient, headers: dict[str, str],
                    user: str) -> dict[str, Any]:
    r = await api.get(f"/v1/users/{user}/recommendations", params={"limit": 4},
                      headers=headers)
    assert r.status_code == 200, r.text
    return r.json()


async def flush(app: FastAPI) -> None:
    """Write journaled exposures now and link waiting outcome events."""
    parts = app.state.services.experiments
    assert await parts.exposures.flush()
    await parts.attribution.drain()
