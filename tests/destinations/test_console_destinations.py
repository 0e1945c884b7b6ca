"""The console's destination pages over HTTP (in-process app, real Neo4j, real receiver):
list, a destination's recent deliveries and errors, and the replay form (CSRF, PRG)."""

from __future__ import annotations

import re

import httpx
import pytest
from neo4j import AsyncDriver

from tests.conftest import ADMIN_KEY
from tests.destinations.receiver import Receiver, until
from tests.destinations.shoppers import CART_ADDERS, add_to_cart, send
from tests.helpers import create_key, scalar

pytestmark = pytest.mark.neo4j


async def _sign_in(client: httpx.AsyncClient, key: str) -> str:
    page = await client.get("/console/signin")
    token = re.search(r'name="signin_token" value="([^"]+)"', page.text).group(1)
    await client.post("/console/signin", data={"api_key": key, "signin_token": token})
    home = await client.get("/console")
    match = re.search(r'name="csrf_token" value="([^"]+)"', home.text)
    return match.group(1) if match else ""


async def test_destination_pages_and_replay(dclient: httpx.AsyncClient, graph: AsyncDriver,
                                            admin_headers: dict, fast_delivery,
                                            receiver: Receiver) -> None:
    fast_delivery.delivery_max_attempts = 2
    receiver.status = 500
    await dclient.post("/v1/segments", json=CART_ADDERS, headers=admin_headers)
    r = await dclient.post("/v1/destinations", headers=admin_headers, json={
        "id": "crm", "name": "Shop CRM", "kind": "webhook", "target": receiver.url,
        "subscriptions": {"segments": {"ids": ["cart-adders"]}}})
    receiver.secret = r.json()["secret"]
    await send(dclient, admin_headers, [add_to_cart("s1"), add_to_cart("s2")])

    async def dead() -> bool:
        return await scalar(graph, "MATCH (x:Delivery {state: 'dead'}) RETURN count(x)") == 2
    await until(dead)

    csrf = await _sign_in(dclient, ADMIN_KEY)
    listing = await dclient.get("/console/destinations")
    assert listing.status_code == 200 and 'href="/console/destinations/crm"' in listing.text
    assert 'href="/console/destinations"' in listing.text  # in the navigation
    page = await dclient.get("/console/destinations/crm")
    assert page.status_code == 200
    assert page.text.count("HTTP 500") >= 2 and 'id="delivery-errors"' in page.text
    assert 'id="count-dead">2<' in page.text

    receiver.status = 204
    r = await dclient.post("/console/destinations/crm/replay", data={
        "csrf_token": csrf, "from": "2000-01-01T00:00", "states": "dead"})
    assert r.status_code == 303 and r.headers["location"] == "/console/destinations/crm"
    after = await dclient.get("/console/destinations/crm")
    assert "Replaying 2 deliveries." in after.text
    await receiver.wait_for(2)

    forged = await dclient.post("/console/destinations/crm/replay",
                                data={"from": "2000-01-01T00:00"})
    assert forged.status_code == 403
    bad = await dclient.post("/console/destinations/crm/replay",
                             data={"csrf_token": csrf, "from": "yesterday"})
    assert bad.status_code == 422 and "not a date" in bad.text
    assert (await dclient.get("/console/destinations/nope")).status_code == 404


async def test_destination_pages_need_admin(dclient: httpx.AsyncClient, admin_headers: dict
                                            ) -> None:
    key = await create_key(dclient, admin_headers, "segments", "read")
    await _sign_in(dclient, key)
    r = await dclient.get("/console/destinations")
    assert r.status_code == 403
    assert 'href="/console/destinations"' not in (await dclient.get("/console")).text
