"""Checks every API request passes before a route reads it: fail fast while Neo4j is down,
and authenticate before the body is read (an unauthenticated client cannot make the service
buffer anything), all under one body size limit.

Installed in create_app with `install_guards(app, settings)`.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from neo4j import READ_ACCESS
from starlette.types import ASGIApp, Receive, Scope, Send

from app.api.deps import authorization_of, key_of_authorization
from app.core.body_limit import BodyLimitMiddleware, send_error
from app.core.config import Settings
from app.core.db_breaker import DbBreaker
from app.core.errors import DB_UNAVAILABLE, error_body
from app.db.queries import queries

UNAUTHORIZED = {"WWW-Authenticate": 'Bearer, Basic realm="profilegraph"'}


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers") or []:
        if name == b"content-length":
            return value.strip() not in (b"0", b"")
        if name == b"transfer-encoding":
            return True
    return False


class ApiGuardMiddleware:
    def __init__(self, app: ASGIApp, retry_after_s: int) -> None:
        self.app = app
        self.retry_after = str(retry_after_s)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            await self.app(scope, receive, send)
            return
        state = scope["app"].state
        breaker: DbBreaker | None = getattr(state, "db_breaker", None)
        if breaker is not None and breaker.open:
            await self._unavailable(send)
            return
        if _has_body(scope):
            try:
                answer = await self._authenticate(scope, state)
            except DB_UNAVAILABLE:
                if breaker is not None:
                    breaker.trip()
                await self._unavailable(send)
                return
            if answer is not None:
                await send_error(send, 401, error_body("unauthorized", answer), UNAUTHORIZED)
                return
        await self.app(scope, receive, send)

    @staticmethod
    async def _authenticate(scope: Scope, state: Any) -> str | None:
        """None when the presented key is valid (any scope; routes check theirs), else why."""
        key = key_of_authorization(authorization_of(scope))
        if key is None:
            return "An API key is required (Authorization: Bearer <key>)"
        if await state.services.auth.scopes_for(key) is None:
            return "The API key is unknown or revoked"
        return None

    async def _unavailable(self, send: Send) -> None:
        await send_error(send, 503, error_body(
            "database_unavailable", "The database is unavailable; nothing was written. "
            "Retry later."), {"Retry-After": self.retry_after})


def install_guards(app: FastAPI, settings: Settings) -> None:
    async def ping() -> None:
        driver = app.state.services.driver
        async with driver.session(database=settings.neo4j_database,
                                  default_access_mode=READ_ACCESS) as session:
            await (await session.run(queries["health/ping"])).consume()

    app.state.db_breaker = DbBreaker(ping)
    app.add_middleware(ApiGuardMiddleware, retry_after_s=settings.db_retry_after_s)
    app.add_middleware(BodyLimitMiddleware, limit=settings.max_body_bytes)
