"""Shared FastAPI dependencies, as Annotated aliases routes can declare.

Dependencies are `async def` even when they only read app state: FastAPI runs a plain `def`
dependency in its thread pool, a thread hop per request on the hot paths.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from neo4j import AsyncDriver

from app.auth.api_keys import Scope, grants
from app.auth.auth_service import AuthService
from app.core.config import Settings
from app.core.errors import ApiError


async def get_settings_dep(request: Request) -> Settings:
    return request.app.state.settings


async def get_driver(request: Request) -> AsyncDriver:
    return request.app.state.driver


def get_auth_service(request: Request) -> AuthService:
    return request.app.state.auth


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
DriverDep = Annotated[AsyncDriver, Depends(get_driver)]


def presented_key(request: Request) -> str | None:
    """The API key from `Authorization: Bearer <key>` or Basic auth with the key as username
    (what Segment and RudderStack SDKs send)."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    value = value.strip()
    if scheme.lower() == "bearer" and value:
        return value
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value, validate=True).decode()
        except (binascii.Error, UnicodeDecodeError):
            return None
        username = decoded.partition(":")[0]
        return username or None
    return None


def require_scope(scope: Scope) -> Callable[..., Awaitable[frozenset[str]]]:
    async def check(request: Request) -> frozenset[str]:
        key = presented_key(request)
        if key is None:
            raise ApiError(
                401, "unauthorized", "An API key is required (Authorization: Bearer <key>)",
                headers={"WWW-Authenticate": 'Bearer, Basic realm="profilegraph"'},
            )
        scopes = await get_auth_service(request).scopes_for(key)
        if scopes is None:
            raise ApiError(401, "unauthorized", "The API key is unknown or revoked")
        if not grants(scopes, scope):
            raise ApiError(403, "forbidden", f"This API key lacks the '{scope.value}' scope")
        return scopes

    check.__name__ = f"require_{scope.value}"
    return check


IngestScope = Annotated[frozenset[str], Depends(require_scope(Scope.ingest))]
ReadScope = Annotated[frozenset[str], Depends(require_scope(Scope.read))]
SegmentsScope = Annotated[frozenset[str], Depends(require_scope(Scope.segments))]
AnalystScope = Annotated[frozenset[str], Depends(require_scope(Scope.analyst))]
AdminScope = Annotated[frozenset[str], Depends(require_scope(Scope.admin))]
