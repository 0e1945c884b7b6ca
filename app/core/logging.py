"""Process logging as one JSON object a line, and the per-request access log.

JSON lines cannot be forged: a newline or quote sent in a path or header is escaped inside a
string value, never the start of a new entry. Identifiers of people in paths (user ids) are
logged as keyed pseudonyms (app/core/pseudonyms.py), so an erased person's id does not stay
readable in the logs.
"""

from __future__ import annotations

import functools
import logging
import math
import re
import time
import uuid
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.core.metrics import REQUEST_LATENCY, REQUESTS
from app.core.pseudonyms import pseudonym

access_log = logging.getLogger("profilegraph.access")

# Attributes every LogRecord has; anything else was passed with `extra=` and is logged.
_RECORD_FIELDS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message", "asctime"}
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._:\-]{1,128}$")
# Path parameters that name a person; logged only as pseudonyms.
PERSONAL_PATH_PARAMS = frozenset({"user_id"})


def utc_iso_ms(created: float) -> str:
    """`datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")`, the same
    rounding, with the text of the second remembered: the access line is written on every
    request, and building the datetime was half of its formatting."""
    frac, whole = math.modf(created)
    us = round(frac * 1e6)
    second = int(whole)
    if us >= 1_000_000:
        second += 1
        us -= 1_000_000
    elif us < 0:  # before 1970
        second -= 1
        us += 1_000_000
    return f"{_utc_second(second)}.{us // 1000:03d}+00:00"


@functools.lru_cache(maxsize=4)
def _utc_second(second: int) -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(second))


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": utc_iso_ms(record.created),
            "level": record.levelname, "logger": record.name, "msg": record.getMessage(),
        }
        for key, value in vars(record).items():
            if key not in _RECORD_FIELDS and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return orjson.dumps(entry, default=str).decode()


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    # Not written by JsonFormatter: not gathered for every record (a system call and two
    # lookups per access line).
    logging.logThreads = False
    logging.logProcesses = False
    logging.logMultiprocessing = False
    logging.getLogger("neo4j").setLevel(logging.WARNING)


def request_id_of(headers: list[tuple[bytes, bytes]]) -> str:
    """The caller's X-Request-Id when it is a plain token, else a new one (a header with
    control characters or bytes that are not ASCII is replaced, never echoed)."""
    for name, value in headers:
        if name == b"x-request-id":
            text = value.decode("latin-1")
            if _REQUEST_ID.match(text):
                return text
            break
    return uuid.uuid4().hex


def _unmatched(scope: Scope) -> str:
    head = "/".join(scope.get("path", "").split("/")[:3])[:64]
    return f"{head}/… (unmatched)"


def logged_path(scope: Scope) -> tuple[str, dict[str, str]]:
    """The route template and its parameters, personal ones pseudonymized; for a path no
    route matched, only its first two segments."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template is None:
        return _unmatched(scope), {}
    params = {k: (pseudonym(str(v)) if k in PERSONAL_PATH_PARAMS else str(v)[:128])
              for k, v in (scope.get("path_params") or {}).items()}
    return template, params


class _RequestMetrics:
    """The request counter and latency children per (method, route, status): prometheus'
    `labels()` validates and locks on every call, and this runs on every request. Routes are
    templates, so the keys stay few; the map is cleared should odd methods ever fill it."""

    MAX_KEYS = 1000

    def __init__(self) -> None:
        self._children: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, elapsed_s: float) -> None:
        key = (method, route, status)
        children = self._children.get(key)
        if children is None:
            if len(self._children) >= self.MAX_KEYS:
                self._children.clear()
            children = (REQUESTS.labels(method, route, str(status)),
                        REQUEST_LATENCY.labels(method, route))
            self._children[key] = children
        children[0].inc()
        children[1].observe(elapsed_s)


class RequestLogMiddleware:
    """One log line and the request metrics per request.

    Plain ASGI rather than BaseHTTPMiddleware: it adds no extra task per request on the hot path.
    Route templates (not raw paths) label the metrics so their number stays bounded.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self._metrics = _RequestMetrics()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = request_id_of(scope.get("headers") or [])
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
            method = scope["method"]
            route = scope.get("route")
            if route is None:
                metric_path = "unmatched"
            else:
                template = getattr(route, "path", None)
                metric_path = template if template is not None else _unmatched(scope)
            self._metrics.observe(method, metric_path, status, elapsed)
            # The line's fields (pseudonyms are keyed hashes) only when it is written.
            if access_log.isEnabledFor(logging.INFO):
                path, params = logged_path(scope)
                access_log.info("request", extra={
                    "method": method, "path": path, "path_params": params,
                    "status": status, "ms": round(elapsed * 1000, 1),
                    "request_id": request_id})
