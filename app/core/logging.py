"""Process logging and the per-request access log."""

from __future__ import annotations

import logging
import time
import uuid

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.metrics import REQUEST_LATENCY, REQUESTS

access_log = logging.getLogger("profilegraph.access")


def configure_logging(level: str) -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(asctime)s %(levelname)s %(name)s %(message)s",
    )
    logging.getLogger("neo4j").setLevel(logging.WARNING)


class RequestLogMiddleware:
    """One log line and the request metrics per request.

    Plain ASGI rather than BaseHTTPMiddleware: it adds no extra task per request on the hot path.
    Route templates (not raw paths) label the metrics so their number stays bounded.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        headers = dict(scope.get("headers") or [])
        request_id = headers.get(b"x-request-id", b"").decode() or uuid.uuid4().hex
        status = 500

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message.setdefault("headers", [])
                message["headers"] = [*message["headers"], (b"x-request-id", request_id.encode())]
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            route = scope.get("route")
            path = getattr(route, "path", "unmatched")
            method = scope["method"]
            REQUESTS.labels(method, path, str(status)).inc()
            REQUEST_LATENCY.labels(method, path).observe(elapsed)
            access_log.info(
                "%s %s %s %.1fms id=%s", method, scope["path"], status, elapsed * 1000, request_id
            )
