"""/healthz keeps answering while any single hostile request is in flight (the 100 ms
figure: bench/hostile.py)."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.security.conftest import HEALTHZ_BOUND_MS, healthz_while
from tests.security.test_inputs_that_answered_500 import _LAUGHS


def _gzip_bomb() -> bytes:
    return gzip.compress(b'{"batch": [' + b" " * (200 * 1024 * 1024) + b"]}", 1)


async def _unauthenticated_stream():
    for _ in range(200):
        yield b"x" * (1024 * 1024)


ATTACKS: dict[str, Callable[[httpx.AsyncClient, dict], Any]] = {
    "yaml aliases": lambda c, h: c.post("/v1/segments/preview", content=_LAUGHS,
                                        headers={**h, "content-type": "application/yaml"}),
    "10,000-deep yaml": lambda c, h: c.post(
        "/v1/segments", content="id: d\nname: d\ncondition: " + "[" * 10_000 + "]" * 10_000,
        headers={**h, "content-type": "application/yaml"}),
    "range(1, 5000000)": lambda c, h: c.post(
        "/v1/cypher", json={"query": "RETURN range(1, 5000000) AS r"}, headers=h),
    "16 MB string": lambda c, h: c.post(
        "/v1/cypher", json={"query": "RETURN reduce(s = 'x', i IN range(1, 24) | s + s)"},
        headers=h),
    "200 MB unauthenticated": lambda c, h: c.post(
        "/v1/admin/keys", content=_unauthenticated_stream(),
        headers={"content-type": "application/json"}),
    "gzip bomb": lambda c, h: c.post("/v1/batch", content=_gzip_bomb(), headers={
        **h, "content-type": "application/json", "content-encoding": "gzip"}),
}


@pytest.mark.parametrize("attack", list(ATTACKS))
async def test_healthz_stays_fast(client: httpx.AsyncClient, admin_headers: dict,
                                  attack: str) -> None:
    response, slowest_ms = await healthz_while(client,
                                               lambda: ATTACKS[attack](client, admin_headers))
    assert 400 <= response.status_code < 500, response.text[:300]
    assert slowest_ms < HEALTHZ_BOUND_MS, slowest_ms
