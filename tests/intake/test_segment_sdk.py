"""The official segment-analytics-python SDK, pointed at the service over real HTTP."""

from __future__ import annotations

import asyncio
import socket
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
import segment.analytics as analytics
import uvicorn
from segment.analytics.request import APIError

from app.auth.api_key_repository import ApiKeyRepository
from app.auth.api_keys import generate_key, hash_key
from app.db.database import Database
from app.main import create_app
from tests.intake.conftest import scalar


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(graph, settings, opt_out) -> Iterator[str]:
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(create_app(settings), host="127.0.0.1", port=port,
                                           log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def _send_with_sdk(host: str, write_key: str, use_gzip: bool) -> list[Exception]:
    errors: list[Exception] = []
    analytics.default_client = None  # the module keeps one client; start from the settings
    analytics.write_key, analytics.host = write_key, host
    analytics.sync_mode, analytics.gzip = True, use_gzip
    analytics.on_error = lambda error, _items: errors.append(error)
    analytics.max_retries = 0
    analytics.page(anonymous_id="sdk-anon", name="Home", properties={"path": "/"})
    analytics.track(anonymous_id="sdk-anon", event="Product Viewed",
                    properties={"product_id": "sku-9", "name": "Lamp", "price": 20.0})
    analytics.identify("sdk-user", {"name": "Sam", "email": "sam@example.com"},
                       anonymous_id="sdk-anon")
    analytics.track("sdk-user", "Order Completed", {
        "order_id": "o-1", "revenue": 40.0,
        "products": [{"product_id": "sku-9", "price": 20.0, "quantity": 2}]},
        timestamp=datetime(2026, 11, 1, tzinfo=UTC))
    analytics.alias("sdk-old-id", "sdk-user")
    analytics.flush()
    analytics.default_client = None
    return errors


@pytest.mark.parametrize("use_gzip", [False, True])
async def test_sdk_delivers_to_the_graph(served, graph, settings, use_gzip):
    key_id, key = generate_key()
    await ApiKeyRepository(Database(graph, settings.neo4j_database)).create(
        key_id, hash_key(key), "sdk", ["ingest"], datetime.now(UTC))

    errors = await asyncio.to_thread(_send_with_sdk, served, key, use_gzip)
    assert errors == []
    assert await scalar(graph, "MATCH (u:User) RETURN collect(u.user_id)") == ["sdk-user"]
    types = await scalar(graph, "MATCH (:User {user_id:'sdk-user'})-[:PERFORMED]->(e) "
                                "RETURN collect(e.type)")
    assert sorted(types) == ["order_completed", "page", "product_viewed"]
    assert await scalar(graph, "MATCH (:User {user_id:'sdk-user'})-[:PERFORMED]->"
                               "(:Event {type:'order_completed'})-[o:ON]->(:Item {item_id:'sku-9'})"
                               " RETURN o.quantity") == 2
    assert await scalar(graph, "MATCH (u:User {user_id:'sdk-user'}) RETURN u.trait_name") \
        == "Sam"
    ids = await scalar(graph, "MATCH (i:Identity)-[:IDENTIFIES]->(:User {user_id:'sdk-user'}) "
                              "RETURN collect(i.kind)")
    assert sorted(ids) == ["anonymous_id", "email_sha256", "user_id", "user_id"]


def _send_with_wrong_key(host: str) -> int:
    try:
        _send_with_sdk(host, "pg_000000000000_not-a-key", False)
    except APIError as exc:  # sync mode raises instead of calling on_error
        return exc.status
    finally:
        analytics.default_client = None
    return 200


async def test_sdk_with_unknown_key_is_refused(served, graph):
    assert await asyncio.to_thread(_send_with_wrong_key, served) == 401
    assert await scalar(graph, "MATCH (n) WHERE n:User OR n:Event RETURN count(n)") == 0
