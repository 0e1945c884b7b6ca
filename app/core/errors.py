"""JSON error bodies for every error the API returns.

Shape: {"error": {"code": str, "message": str, "fields": [{"field": str, "reason": str}]}}

A field of a JSON body is named by a JSON pointer into it (`/purposes/marketing`); a query
or path parameter as `query.<name>` / `path.<name>`; the Segment intake routes keep their
Segment-style paths (`batch.3.timestamp`, app/intake).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from neo4j.exceptions import ServiceUnavailable, SessionExpired, TransientError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.config import get_settings
from app.core.pointers import located, merged

log = logging.getLogger("profilegraph.errors")

DB_UNAVAILABLE = (ServiceUnavailable, SessionExpired, TransientError)


class ApiError(Exception):
    """An error a service raises on purpose; the handler turns it into its status and body."""

    def __init__(
        self,
        status_code: int,
        code: str,
        message: str,
        fields: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.fields = fields or []
        self.headers = headers


def error_body(code: str, message: str, fields: list[dict[str, str]] | None = None) -> dict:
    return {"error": {"code": code, "message": message, "fields": fields or []}}


def _field_path(loc: tuple[Any, ...], err: dict[str, Any], body: Any) -> str:
    if loc and loc[0] == "body":
        return located(body, err, loc[1:]) or "body"
    return ".".join(str(part) for part in loc)


async def _api_error(_: Request, exc: ApiError) -> JSONResponse:
    return JSONResponse(
        error_body(exc.code, exc.message, exc.fields), exc.status_code, headers=exc.headers
    )


async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
    fields = merged([(_field_path(tuple(e["loc"]), e, exc.body),
                      str(e["msg"]).removeprefix("Value error, ")) for e in exc.errors()])
    summary = "; ".join(f"{f['field']}: {f['reason']}" for f in fields[:5])
    return JSONResponse(error_body("invalid_request", summary, fields), status_code=422)


async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
    code = {401: "unauthorized", 403: "forbidden", 404: "not_found", 405: "method_not_allowed",
            413: "payload_too_large"}.get(exc.status_code, "http_error")
    return JSONResponse(
        error_body(code, str(exc.detail), getattr(exc, "fields", None)), exc.status_code,
        headers=getattr(exc, "headers", None),
    )


def out_of_memory(exc: BaseException) -> bool:
    """Neo4j refused a transaction for memory (its own limit per transaction or for all of
    them, or the heap): the database is up; this request's work was too large for it now."""
    code = getattr(exc, "code", None) or ""
    return isinstance(exc, TransientError) and ("OutOfMemory" in code or "MemoryPool" in code
                                                or "MemoryLimit" in code)


async def _db_unavailable(request: Request, exc: Exception) -> JSONResponse:
    if out_of_memory(exc):
        log.warning("transaction refused for memory: %s", getattr(exc, "code", ""))
        return JSONResponse(
            error_body("database_memory_limit",
                       "The database refused this request's transaction for lack of memory "
                       f"({getattr(exc, 'code', '')}); it is not an outage and nothing was "
                       "written. Retry later; if it fails again, the request does too much "
                       "in one transaction."),
            status_code=503, headers={"Retry-After": str(get_settings().db_retry_after_s)})
    log.warning("database unavailable: %s", type(exc).__name__)
    breaker = getattr(request.app.state, "db_breaker", None)
    if breaker is not None and not isinstance(exc, TransientError):
        breaker.trip()  # later calls fail fast until Neo4j answers again
    retry = str(get_settings().db_retry_after_s)
    return JSONResponse(
        error_body("database_unavailable", "The database is unavailable; nothing was written. "
                   "Retry later."),
        status_code=503,
        headers={"Retry-After": retry},
    )


async def _unhandled(_: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error", exc_info=exc)
    return JSONResponse(error_body("internal_error", "Internal server error"), status_code=500)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    for exc_type in DB_UNAVAILABLE:
        app.add_exception_handler(exc_type, _db_unavailable)
    app.add_exception_handler(Exception, _unhandled)
