"""`profilegraph serve --workers 2` over one Neo4j, tried as a user would, each request on a
new connection (so either worker answers): a console sign-in holds on every load, and a
shopper erased through one request stays erased when re-delivered at once through the next
(what each worker kept in its own memory broke both)."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator

import httpx
import pytest
from neo4j import AsyncDriver

from app.core.paths import PROJECT_ROOT
from tests.conftest import ADMIN_KEY

API = {"Authorization": f"Bearer {ADMIN_KEY}"}
START_TIMEOUT_S = 90


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def two_workers(graph: AsyncDriver) -> Iterator[str]:
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(PROJECT_ROOT), "PROFILEGRAPH_API_HOST": "127.0.0.1",
           "PROFILEGRAPH_CONSENT_DEFAULT": "opt_out"}
    proc = subprocess.Popen(
        [sys.executable, "-c", "from app.cli.main import main; main()", "serve",
         "--workers", "2", "--port", str(port)],
        cwd=PROJECT_ROOT, env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + START_TIMEOUT_S
        while True:
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            try:
                if httpx.get(base + "/readyz", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not become ready"
            time.sleep(0.3)
        yield base
    finally:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def _fresh(method: str, url: str, **kw: object) -> httpx.Response:
    """One request on a connection of its own."""
    with httpx.Client(timeout=30) as c:
        return c.request(method, url, **kw)  # type: ignore[arg-type]


def _batch(user: str) -> dict:
    """identify + track of one shopper, new message ids (a re-delivery, not a replay)."""
    anon = user.replace("shopper", "device")
    return {"batch": [
        {"type": "identify", "messageId": str(uuid.uuid4()), "userId": user,
         "anonymousId": anon, "traits": {"plan": "pro"}},
        {"type": "track", "messageId": str(uuid.uuid4()), "userId": user, "anonymousId": anon,
         "event": "Product Viewed", "properties": {"product_id": "p1"}}]}


def test_console_session_and_suppression_hold_across_workers(two_workers: str) -> None:
    base = two_workers
    form = _fresh("GET", base + "/console/signin")
    token = re.search(r'name="signin_token" value="([^"]+)"', form.text).group(1)
    r = _fresh("POST", base + "/console/signin", data={"api_key": ADMIN_KEY,
                                                       "signin_token": token},
               headers={"cookie": f"pg_console_signin={token}"})
    assert r.status_code == 303, r.text[:300]
    session = r.cookies["pg_console"]
    loads = [_fresh("GET", base + "/console/analyst",
                    headers={"cookie": f"pg_console={session}"}).status_code
             for _ in range(16)]
    assert loads == [200] * 16

    for n in range(10):
        user = f"shopper-{n}"
        r = _fresh("POST", base + "/v1/batch", json=_batch(user), headers=API)
        assert r.status_code == 200 and r.json()["stored"] == 2, r.text
        assert _fresh("DELETE", f"{base}/v1/users/{user}", headers=API).status_code == 200
        r = _fresh("POST", base + "/v1/batch", json=_batch(user), headers=API)
        assert r.json()["dropped_reasons"] == {"suppressed": 2}, r.text
        assert _fresh("GET", f"{base}/v1/users/{user}/profile",
                      headers=API).status_code == 404


def _requests_counted(text: str, route: str) -> float:
    """profilegraph_http_requests_total for POST `route` answered 200, from a scrape."""
    pattern = (r'^profilegraph_http_requests_total\{method="POST",route="' + re.escape(route)
               + r'",status="200"\} ([0-9.e+]+)$')
    found = re.search(pattern, text, re.MULTILINE)
    return float(found.group(1)) if found else 0.0


def test_every_scrape_counts_the_requests_of_both_workers(two_workers: str) -> None:
    base = two_workers
    sent = 24
    for n in range(sent):
        r = _fresh("POST", base + "/v1/batch", json=_batch(f"counted-{n}"), headers=API)
        assert r.status_code == 200, r.text
    scrapes = [_requests_counted(_fresh("GET", base + "/metrics").text, "/v1/batch")
               for _ in range(8)]
    # Each worker answered some of the batches and some of the scrapes (a connection each);
    # every scrape reports the batches of both.
    assert scrapes == [float(sent)] * 8
