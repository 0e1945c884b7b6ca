"""Fixtures for intake tests: API keys per scope and small helpers to send and read back."""

from __future__ import annotations

import base64
import uuid
from typing import Any

import httpx
import pytest
from neo4j import AsyncDriver

from app.core.config import Settings


@pytest.fixture
async def opt_in(settings: Settings):
    previous = settings.consent_default
    settings.consent_default = "opt_in"
    yield settings
    settings.consent_default = previous


async def create_key(client: httpx.AsyncClient, admin_headers: dict[str, str],
                     *scopes: str) -> str:
    r = await client.post("/v1/admin/keys", json={"name": "test", "scopes": list(scopes)},
                          headers=admin_headers)
    assert r.status_code == 201, r.text
    return r.json()["key"]


@pytest.fixture
async def ingest_headers(client: httpx.AsyncClient, admin_headers) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_key(client, admin_headers, 'ingest')}"}


@pytest.fixture
async def read_headers(client: httpx.AsyncClient, admin_headers) -> dict[str, str]:
    return {"Authorization": f"Bearer {await create_key(client, admin_headers, 'read')}"}


def basic(key: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{key}:".encode()).decode()}


def track(user_id: str | None = None, event: str = "Product Viewed",
          anonymous_id: str | None = None, **properties: Any) -> dict[str, Any]:
    msg: dict[str, Any] = {"type": "track", "messageId": str(uuid.uuid4()), "event": event,
                           "properties": properties, "timestamp": "2026-11-01T10:00:00Z"}
    if user_id:
        msg["userId"] = user_id
    if anonymous_id:
        msg["anonymousId"] = anonymous_id
    return msg


async def scalar(driver: AsyncDriver, cypher: str, **params: Any) -> Any:
    records, _, _ = await driver.execute_query(cypher, **params)
    return records[0][0] if records else None
