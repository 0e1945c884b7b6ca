"""The request middleware's metrics and access log (a bare Starlette app, no database)."""

from __future__ import annotations

import logging

import httpx
import pytest
from prometheus_client import REGISTRY
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse
from starlette.routing import Route

import app.core.logging as request_log
from app.core.logging import RequestLogMiddleware


async def _echo(request: Request) -> PlainTextResponse:
    status = int(request.query_params.get("status", "200"))
    return PlainTextResponse("ok", status_code=status)


def _client() -> httpx.AsyncClient:
    app = Starlette(routes=[Route("/t/{user_id}", _echo)])
    app.add_middleware(RequestLogMiddleware)
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://t")


def _count(route: str, status: str) -> float:
    return REGISTRY.get_sample_value("profilegraph_http_requests_total",
                                     {"method": "GET", "route": route, "status": status}) or 0.0


async def test_requests_are_counted_per_route_template_and_status() -> None:
    before_ok, before_teapot = _count("/t/{user_id}", "200"), _count("/t/{user_id}", "418")
    before_unmatched = _count("unmatched", "404")
    async with _client() as client:
        for user in ("a", "b", "a"):
            assert (await client.get(f"/t/{user}")).status_code == 200
        assert (await client.get("/t/c?status=418")).status_code == 418
        assert (await client.get("/elsewhere/x")).status_code == 404
    assert _count("/t/{user_id}", "200") == before_ok + 3
    assert _count("/t/{user_id}", "418") == before_teapot + 1
    assert _count("unmatched", "404") == before_unmatched + 1
    latency = REGISTRY.get_sample_value("profilegraph_http_request_duration_seconds_count",
                                        {"method": "GET", "route": "/t/{user_id}"})
    assert latency is not None and latency >= 4


async def test_access_line_fields_are_built_only_when_the_line_is_written(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    calls: list[str] = []
    real = request_log.pseudonym
    monkeypatch.setattr(request_log, "pseudonym", lambda v: calls.append(v) or real(v))
    caplog.set_level(logging.WARNING, logger="profilegraph.access")
    async with _client() as client:
        await client.get("/t/alice")
    assert calls == [] and not [r for r in caplog.records if r.name == "profilegraph.access"]
    caplog.set_level(logging.INFO, logger="profilegraph.access")
    async with _client() as client:
        await client.get("/t/alice")
    lines = [r for r in caplog.records if r.name == "profilegraph.access"]
    assert calls == ["alice"] and len(lines) == 1
    assert lines[0].path == "/t/{user_id}" and lines[0].path_params == {"user_id": real("alice")}
