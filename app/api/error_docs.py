"""The error answers every API route may give, documented once for the OpenAPI document.

All errors share one body (app/core/errors.py): {"error": {"code", "message", "fields"}}.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class FieldError(BaseModel):
    field: str = Field(description=(
        "a JSON pointer into the body (`/purposes/marketing`, `/rules/0/variant`), `body` "
        "for the whole body, `query.<name>` / `path.<name>` for a parameter; the Segment "
        "intake routes name fields Segment-style (`batch.3.timestamp`)"))
    reason: str


class ErrorDetail(BaseModel):
    code: str = Field(description="machine-readable, e.g. invalid_request, unauthorized")
    message: str
    fields: list[FieldError]


class ErrorBody(BaseModel):
    error: ErrorDetail


def _answer(description: str) -> dict[str, Any]:
    return {"model": ErrorBody, "description": description}


# Every /v1 route: the key, the input, the size limit, the database.
API_ERRORS: dict[int | str, dict[str, Any]] = {
    400: _answer("the body is not valid JSON/YAML/gzip, or a query is malformed"),
    401: _answer("no API key, or an unknown or revoked one"),
    403: _answer("the key lacks the route's scope (or an analyst query is not a read)"),
    404: _answer("no such resource"),
    413: _answer("the body (or an analyst answer) is over its size limit"),
    415: _answer("unsupported Content-Encoding"),
    422: _answer("a field is invalid; `fields` names each one and why"),
    503: _answer("the database is unavailable; retry after `Retry-After` seconds"),
}
