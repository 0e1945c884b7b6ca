"""A route with a fast path for its plain, well-formed requests.

On every request FastAPI solves a route's dependencies and validates each query parameter
through pydantic: on the storefront's most frequent request that was 13 % of its Python CPU.
A fast-path route first offers the request to a `FastPath`, which reads the scope itself and
accepts only requests whose every part it checks exactly as the declared parameters would.
Anything else (a parameter it does not know, a repeated one, a value outside the plain form,
a HEAD) goes through FastAPI's own handler, so every 422 and the OpenAPI document stay
FastAPI's. Errors the fast path raises reach the app's exception handlers as a route's do.
"""

from __future__ import annotations

from typing import Any, Protocol
from urllib.parse import parse_qsl

from fastapi.routing import APIRoute
from starlette.responses import Response
from starlette.types import Receive, Scope, Send


class FastPath(Protocol):
    def accept(self, scope: Scope) -> Any | None:
        """The request's arguments when the fast path answers it exactly as the declared
        route would; None to leave it to FastAPI. Reads the scope only: no side effects."""

    async def answer(self, scope: Scope, arguments: Any) -> Response: ...


def fast_path_route(fast: FastPath) -> type[APIRoute]:
    """An APIRoute class (`route_class=` of a router) whose GET requests `fast` may answer."""

    class FastPathRoute(APIRoute):
        async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
            if scope["method"] == "GET":
                arguments = fast.accept(scope)
                if arguments is not None:
                    response = await fast.answer(scope, arguments)
                    await response(scope, receive, send)
                    return
            await super().handle(scope, receive, send)

    return FastPathRoute


def single_query_values(scope: Scope, known: frozenset[str]) -> dict[str, str] | None:
    """The query string as one value per name, parsed as Starlette parses it; None when a
    name is repeated or not in `known` (FastAPI's rules for those are left to FastAPI)."""
    raw = scope.get("query_string") or b""
    if not raw:
        return {}
    values: dict[str, str] = {}
    for name, value in parse_qsl(raw.decode("latin-1"), keep_blank_values=True):
        if name not in known or name in values:
            return None
        values[name] = value
    return values


def plain_int(text: str, low: int, high: int) -> int | None:
    """A decimal integer in [low, high] written plainly (ASCII digits, no sign, no leading
    zero), else None."""
    if not (text.isascii() and text.isdigit()) or (len(text) > 1 and text[0] == "0"):
        return None
    value = int(text)
    return value if low <= value <= high else None


# The spellings of a boolean every validator reads alike.
PLAIN_BOOLS = {"true": True, "false": False, "1": True, "0": False}
