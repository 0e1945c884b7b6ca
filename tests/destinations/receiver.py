"""A real webhook receiver on loopback for the delivery tests (aiohttp): verifies each
request with the destination's secret (Standard Webhooks), answers `status`, and can be
stopped and started again on the same port."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

from aiohttp import web
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError


class Receiver:
    def __init__(self) -> None:
        self.secret: str | None = None
        self.status = 204
        self.hits = 0  # every request, whatever the answer
        self.invalid = 0  # requests whose signature did not verify
        self.received: list[tuple[str, dict[str, Any]]] = []  # (webhook-id, body), verified
        self.port = 0
        self._runner: web.AppRunner | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    async def _handle(self, request: web.Request) -> web.Response:
        self.hits += 1
        raw = await request.read()
        if self.status >= 300:
            return web.Response(status=self.status)
        try:
            body = Webhook(self.secret or "whsec_AAAA").verify(raw, dict(request.headers))
        except WebhookVerificationError:
            self.invalid += 1
            return web.Response(status=400)
        self.received.append((request.headers["webhook-id"], body))
        return web.Response(status=self.status)

    async def start(self) -> None:
        app = web.Application()
        app.router.add_post("/hook", self._handle)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    def ids(self) -> list[str]:
        return [i for i, _ in self.received]

    def unique(self) -> dict[str, dict[str, Any]]:
        return dict(self.received)

    async def wait_for(self, count: int, timeout_s: float = 60.0) -> None:
        """Until `count` distinct ids arrived (AssertionError after timeout_s)."""
        async def arrived() -> bool:
            return len(self.unique()) >= count
        await until(arrived, timeout_s, f"{count} webhooks")


async def until(predicate: Callable[[], Awaitable[bool]], timeout_s: float = 60.0,
                what: str = "the condition") -> None:
    """Poll `predicate` until it holds; AssertionError after `timeout_s`."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"waited {timeout_s} s for {what}")
