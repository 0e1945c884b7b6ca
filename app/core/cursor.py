"""The one cursor codec of the API's paged lists: the sort key of the last row returned,
as URL-safe base64 of a JSON array. Opaque to clients; a tampered cursor is a clear 422."""

from __future__ import annotations

import base64
import binascii

import orjson

from app.core.errors import ApiError


def encode_cursor(*key: str) -> str:
    return base64.urlsafe_b64encode(orjson.dumps(list(key))).decode().rstrip("=")


def decode_cursor(cursor: str, parts: int) -> tuple[str, ...]:
    """The `parts` strings `encode_cursor` was given."""
    try:
        key = orjson.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (binascii.Error, ValueError):  # orjson.JSONDecodeError is a ValueError
        raise invalid_cursor() from None
    if not (isinstance(key, list) and len(key) == parts and all(isinstance(k, str) for k in key)):
        raise invalid_cursor()
    return tuple(key)


def invalid_cursor() -> ApiError:
    return ApiError(422, "invalid_cursor", "cursor: not a cursor this API returned",
                    [{"field": "cursor", "reason": "not a cursor this API returned"}])
